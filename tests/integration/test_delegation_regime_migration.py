"""Migration c7d2e9a41f60 gives existing delegation rules their regimes and keeps their ids."""

import sqlalchemy as sa


def test_existing_rules_get_one_regime_per_start_date(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"APP_CONFIG": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'backfill.sqlite3'}"})
    with app.app_context():
        upgrade(revision="a5f0c3e1b2d4")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO programme (id, name, description, starts_on, ends_on, "
                "diary_number_format, calculation_years, discount_rate, hours_per_fte, "
                "oncost_rate, channel_unit_sek, stage_service_days, idea_idle_days, "
                "report_due_after_days, schedule_tolerance_days, decision_backdating_days, "
                "report_early_days, created_at) VALUES (1, 'P', '', '2007-10-01', '2012-12-31', "
                "'x', 5, 0.035, 1700, 0.54, 2, '{}', 60, 10, 0, 30, 0, '2007-10-01 00:00:00')"))
            for rule_id, key, limit, start, end, source in [
                    (11, "deputy", 3_000_000, "2007-10-01", "2010-12-31", "KF 2007"),
                    (12, "committee", None, "2007-10-01", "2010-12-31", "KF 2007"),
                    (21, "director", 15_000_000, "2011-01-01", None, "KS 2010-12-15"),
                    (22, "committee", None, "2011-01-01", None, "KS 2010-12-15")]:
                connection.execute(sa.text(
                    "INSERT INTO delegation_rule (id, programme_id, authority_key, "
                    "authority_name, limit_sek, valid_from, valid_to, source) VALUES "
                    "(:id, 1, :key, :key, :limit, :start, :end, :source)"),
                    {"id": rule_id, "key": key, "limit": limit, "start": start, "end": end,
                     "source": source})
        upgrade()
        with db.engine.connect() as connection:
            regimes = connection.execute(sa.text(
                "SELECT id, valid_from, source FROM delegation_regime ORDER BY valid_from")).all()
            owners = dict(connection.execute(sa.text(
                "SELECT id, regime_id FROM delegation_rule")).all())
        assert [(str(r.valid_from), r.source) for r in regimes] == [
            ("2007-10-01", "KF 2007"), ("2011-01-01", "KS 2010-12-15")]
        assert owners == {11: regimes[0].id, 12: regimes[0].id, 21: regimes[1].id,
                          22: regimes[1].id}
        downgrade(revision="a5f0c3e1b2d4")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text(
                "SELECT count(*) FROM delegation_rule")).scalar_one() == 4
        db.engine.dispose()
