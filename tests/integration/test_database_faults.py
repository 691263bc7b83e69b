"""The database kills the app's connections while requests run (PostgreSQL's
pg_terminate_backend, as a restart does): requests during the outage get 503, never 500;
the app recovers by itself (pool pre-ping); a decision committed before is intact."""

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import decide_on_the_day
from tests.integration.test_concurrency import _setup

pytestmark = pytest.mark.postgres_only

DECIDED_ON = date(2008, 4, 1)
KILL_ROUNDS = 5
REQUESTERS = 4


def _terminate_other_connections(url) -> int:
    """Kill every other backend on the test database, from a connection outside the pool."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            killed = connection.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
            connection.commit()
        return killed
    finally:
        engine.dispose()


def _committed_decision(app, application_id: int, eva_id: int) -> dict:
    from app.accounts.models import User
    from app.applications.models import Application
    from app.extensions import db

    with app.app_context():
        decision = decide_on_the_day(db.session.get(Application, application_id),
                                   {"outcome": "approved", "decided_on": DECIDED_ON},
                                   db.session.get(User, eva_id))
        db.session.commit()
        return {"id": decision.id, "diary_number": decision.diary_number,
                "amount_sek": decision.amount_sek}


def _token(app, user_id: int) -> dict:
    from app.accounts.models import User
    from app.accounts.services import issue_api_token
    from app.extensions import db

    with app.app_context():
        token = issue_api_token(db.session.get(User, user_id))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_terminated_connections_give_503_then_the_app_recovers_and_nothing_is_lost(
        app, committed_database):
    from app.applications.models import Decision
    from app.core.audit import verify_chain
    from app.extensions import db

    with app.app_context():
        assert db.engine.pool._pre_ping, "SQLALCHEMY_ENGINE_OPTIONS must enable pool_pre_ping"
        url = db.engine.url
    _, (decided, undecided), eva = _setup(app, envelope_sek=50_000_000, applications=2,
                                          amount_sek=1_000_000)
    app.config["DEMO_DATE"] = DECIDED_ON
    try:
        before = _committed_decision(app, decided, eva)
        headers = _token(app, eva)

        statuses, stop = [], threading.Event()
        lock = threading.Lock()

        def keep_asking(path: str) -> None:
            client = app.test_client()
            while not stop.is_set():
                try:
                    status = client.get(path, headers=headers).status_code
                except Exception as error:  # any exception escaping a request is a failure
                    status = repr(error)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=keep_asking, args=(path,)) for path in (
            f"/api/v1/decisions/{before['id']}", f"/api/v1/applications/{undecided}",
            "/api/v1/me", "/api/v1/decisions")[:REQUESTERS]]
        for thread in threads:
            thread.start()
        killed = 0
        for _round in range(KILL_ROUNDS):
            time.sleep(0.3)
            killed += _terminate_other_connections(url)
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

        print(f"faults: {KILL_ROUNDS} rounds killed {killed} connections; "
              f"{len(statuses)} requests: {statuses.count(200)} answered, "
              f"{statuses.count(503)} got 503")
        assert killed > 0
        assert set(statuses) <= {200, 503}, sorted(set(statuses))

        client = app.test_client()
        assert client.get(f"/api/v1/decisions/{before['id']}", headers=headers).status_code == 200
        after = client.get(f"/api/v1/decisions/{before['id']}", headers=headers).get_json()
        assert (after["diary_number"], after["amount_sek"]) == (
            before["diary_number"], before["amount_sek"])
        second = client.post(f"/api/v1/applications/{undecided}/decision", headers=headers,
                             json={"outcome": "approved", "decided_on": DECIDED_ON.isoformat()})
        assert second.status_code == 201, second.get_json()
        with app.app_context():
            numbers = db.session.scalars(sa.select(Decision.diary_number)
                                         .order_by(Decision.id)).all()
            assert numbers == [before["diary_number"], second.get_json()["diary_number"]]
            assert verify_chain().is_intact
    finally:
        app.config["DEMO_DATE"] = None


def _terminate(url, pid: int) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            connection.commit()
    finally:
        engine.dispose()


def test_a_connection_killed_mid_request_is_503_on_the_api_and_a_swedish_page(
        app, committed_database):
    """The backend serving the request is terminated just before its query about decisions."""
    from app.extensions import db
    from tests.conftest import login

    _, (decided, _undecided), eva = _setup(app, envelope_sek=50_000_000, applications=2,
                                           amount_sek=1_000_000)
    app.config["DEMO_DATE"] = DECIDED_ON
    with app.app_context():
        engine, url = db.engine, db.engine.url
    armed, killed = threading.Event(), []

    def kill_own_backend(conn, _cursor, statement, _parameters, _context, _many):
        if armed.is_set() and "FROM decision" in statement:
            armed.clear()
            pid = conn.connection.dbapi_connection.info.backend_pid
            _terminate(url, pid)
            killed.append(pid)

    sa.event.listen(engine, "before_cursor_execute", kill_own_backend)
    try:
        before = _committed_decision(app, decided, eva)
        headers = _token(app, eva)
        api = app.test_client()
        browser = app.test_client()
        assert login(browser, "eva@race.example", "x" * 12).status_code == 302

        armed.set()
        response = api.get(f"/api/v1/decisions/{before['id']}", headers=headers)
        assert killed and response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 503

        armed.set()
        page = browser.get(f"/decisions/{before['id']}")
        assert len(killed) == 2 and page.status_code == 503
        assert "Databasen går inte att nå just nu" in page.get_data(as_text=True)

        assert api.get(f"/api/v1/decisions/{before['id']}", headers=headers).get_json()[
            "diary_number"] == before["diary_number"]
        assert before["diary_number"] in browser.get(f"/decisions/{before['id']}").get_data(
            as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", kill_own_backend)
        app.config["DEMO_DATE"] = None


def test_a_connection_killed_after_the_answer_is_made_still_sends_the_answer(
        app, committed_database):
    """Killed between the view and the closing rollback: the finished answer is sent."""
    from flask import request_finished

    from app.accounts.services import create_user
    from app.extensions import db

    with app.app_context():
        url = db.engine.url
        user = create_user({"email": "late@fault.example", "name": "Late", "password": "x" * 12})
        db.session.commit()
        user_id = user.id
    headers = _token(app, user_id)
    killed = []

    def kill_before_teardown(_sender, **_extra):
        connection = db.session.connection()
        killed.append(connection.connection.dbapi_connection.info.backend_pid)
        _terminate(url, killed[-1])

    request_finished.connect(kill_before_teardown, app)
    try:
        response = app.test_client().get("/api/v1/me", headers=headers)
    finally:
        request_finished.disconnect(kill_before_teardown, app)
    assert killed and response.status_code == 200
    assert response.get_json()["email"] == "late@fault.example"
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
