"""Migration f4c9d2e6a8b1 gives reports presented before it the adherence presenting stores."""

import sqlalchemy as sa


def test_the_backfill_gives_every_presented_report_the_figures_of_its_snapshot(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db
    from app.seed import DEFAULT_DATA_DIR, seed_demo

    app = create_app({"APP_CONFIG": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'adherence.sqlite3'}"})
    stored = "SELECT id, frozen_adherence FROM tertial_report ORDER BY id"
    with app.app_context():
        upgrade()
        seed_demo(DEFAULT_DATA_DIR)
        db.session.commit()
        db.session.remove()
        with db.engine.connect() as connection:
            presented_with_figures = connection.execute(sa.text(stored)).all()
        assert presented_with_figures and all(
            figures is not None for _id, figures in presented_with_figures)
        downgrade(revision="e3b8c1d5f7a9")
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text(stored)).all() == presented_with_figures
        db.engine.dispose()
