"""Migration d1e5a7c3b9f2 stores each frozen calculation's NPV, equal to what freezing stores."""

import sqlalchemy as sa


def test_the_backfill_gives_every_frozen_version_the_value_freezing_gives(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db
    from app.seed import DEFAULT_DATA_DIR, seed_demo

    app = create_app({"APP_CONFIG": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'npv.sqlite3'}"})
    stored = "SELECT id, npv_sek FROM calculation_version WHERE is_frozen ORDER BY id"
    with app.app_context():
        upgrade()
        seed_demo(DEFAULT_DATA_DIR)
        db.session.commit()
        db.session.remove()
        with db.engine.connect() as connection:
            frozen_on_the_day = connection.execute(sa.text(stored)).all()
        assert frozen_on_the_day and all(npv is not None for _id, npv in frozen_on_the_day)
        downgrade(revision="c7d2e9a4f1b3")
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text(stored)).all() == frozen_on_the_day
        db.engine.dispose()
