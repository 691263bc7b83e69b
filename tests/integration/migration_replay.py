"""Check a backfilling migration: what the app stores on the day equals what the backfill gives."""

import sqlalchemy as sa


def stored_then_backfilled(database_path, stored: str, downgrade_to: str
                           ) -> tuple[list, list]:
    """Seed the demo on the newest schema and read `stored`; then downgrade to `downgrade_to`,
    upgrade again (the backfill runs on the demo's rows) and read it once more."""
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db
    from app.seed import DEFAULT_DATA_DIR, seed_demo

    app = create_app({"APP_CONFIG": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}"})
    with app.app_context():
        upgrade()
        seed_demo(DEFAULT_DATA_DIR)
        db.session.commit()
        db.session.remove()
        with db.engine.connect() as connection:
            on_the_day = connection.execute(sa.text(stored)).all()
        downgrade(revision=downgrade_to)
        upgrade()
        with db.engine.connect() as connection:
            backfilled = connection.execute(sa.text(stored)).all()
        db.engine.dispose()
    return on_the_day, backfilled
