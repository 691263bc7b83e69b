"""The seeded demo, loaded once per test module and rolled back after it.

The whole-surface tests (the authorisation matrix, the schemathesis run) send thousands of
requests; seeding the demo for each would dominate their run time. `seeded_demo` seeds it once
inside a connection-level transaction, and `each_request_rolled_back` wraps every request in a
savepoint of its own, so a request that changes state never changes what the next one sees.
"""

from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

DEMO_DAY = date(2010, 3, 1)
DEMO_PASSWORD = "nytta-demo-2010"


@contextmanager
def seeded_demo(app):
    """Seed the demo in a transaction, stand the clock at 1 March 2010, roll back at the end."""
    from app.extensions import db, limiter
    from app.seed import seed_demo

    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    module_session = scoped_session(factory, scopefunc=lambda: "seeded-demo")
    original_session, original_day = db.session, app.config.get("DEMO_DATE")
    db.session = module_session
    limiter.reset()
    try:
        with app.app_context():
            seed_demo()
            db.session.commit()
        db.session.remove()
        app.config["DEMO_DATE"] = DEMO_DAY
        yield connection
    finally:
        module_session.remove()
        db.session = original_session
        app.config["DEMO_DATE"] = original_day
        if outer.is_active:
            outer.rollback()
        connection.close()


@contextmanager
def each_request_rolled_back(connection):
    """Undo whatever the requests inside change (a savepoint rolled back afterwards)."""
    from app.extensions import db

    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        if savepoint.is_active:
            savepoint.rollback()


def user_id_by_email(app, email: str) -> int:
    from app.accounts.models import User
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def issue_token(app, email: str) -> dict:
    """An API token for a demo user, as the Authorization header."""
    from app.accounts.models import User
    from app.accounts.services import issue_api_token
    from app.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        token = issue_api_token(user, name="contract-tests")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}
