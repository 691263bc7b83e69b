"""Setting a programme up as data (issue 17): services, audit, first administrator, and the
set-up copied by `flask programme export/import`."""

from datetime import date

import pytest
import sqlalchemy as sa
import yaml

from app.core.enums import LedgerEntryKind
from app.core.errors import Conflict, InvalidInput
from app.core.models import AuditEntry
from app.extensions import db
from app.programmes import services
from app.programmes.models import EnvelopeEntry, Goal, Programme

NEW = {"name": "Andra programmet", "starts_on": date(2013, 1, 1), "ends_on": date(2016, 12, 31),
       "description": "Ett nytt program."}


def _audited(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action))


def test_create_programme_with_defaults_and_audit(app_ctx, make_user):
    from app.accounts.models import User

    actor = db.session.get(User, make_user(["administrator"]))
    programme = services.create_programme(NEW, actor=actor)
    assert programme.six_weekly_period_days == 42
    assert programme.tertial_due_after_days == 15
    assert programme.report_due_after_days == 10
    assert _audited("programme.created") == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "E-tjänstprogrammet"}, "name"),
    ({"name": "  "}, "name"),
    ({"ends_on": date(2012, 12, 31)}, "ends_on"),
    ({"six_weekly_period_days": 42, "report_due_after_days": 42}, "report_due_after_days"),
    ({"diary_number_format": "SLK {yr}"}, "diary_number_format"),
    ({"stage_service_days": {"in_preparation": -1}}, "stage_service_days.in_preparation"),
])
def test_create_programme_refuses_bad_input_and_saves_nothing(app_ctx, make_programme, change,
                                                               field):
    make_programme("E-tjänstprogrammet")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Programme))
    with pytest.raises(InvalidInput) as refused:
        services.create_programme({**NEW, **change})
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == before


def test_period_may_not_exclude_a_decision(app_ctx, make_programme, monkeypatch):
    """A decision dated 2010-05-01 keeps the period around it (the web test uses the demo's
    real decisions)."""
    programme = db.session.get(Programme, make_programme())
    monkeypatch.setattr(services, "_decision_span",
                        lambda _p: (date(2008, 3, 1), date(2010, 5, 1)))
    with pytest.raises(InvalidInput) as refused:
        services.update_programme(programme, {"ends_on": date(2010, 4, 30)})
    assert refused.value.field == "ends_on"
    with pytest.raises(InvalidInput) as refused:
        services.update_programme(programme, {"starts_on": date(2008, 3, 2)})
    assert refused.value.field == "starts_on"
    services.update_programme(programme, {"ends_on": date(2010, 5, 1)})
    assert programme.ends_on == date(2010, 5, 1)


def test_reservations_and_withdrawals_are_new_entries(app_ctx, make_programme):
    programme = db.session.get(Programme, make_programme(reserved_sek=1_000))
    first = db.session.scalar(sa.select(EnvelopeEntry).where(
        EnvelopeEntry.programme_id == programme.id))
    db.session.add(EnvelopeEntry(programme_id=programme.id, kind=LedgerEntryKind.COMMITMENT,
                                 amount_sek=600, booked_on=date(2008, 1, 1), description="x"))
    db.session.flush()
    added = services.add_reservation(programme, {"amount_sek": 500, "booked_on": date(2011, 1, 1),
                                                 "description": "KS 2010-12-15"})
    assert added.amount_sek == 500 and added.corrects_id is None
    with pytest.raises(InvalidInput) as refused:
        services.add_reservation(programme, {"amount_sek": -901, "corrects_id": first.id,
                                             "description": "KF indragning"})
    assert refused.value.field == "amount_sek"
    withdrawn = services.add_reservation(programme, {"amount_sek": -900, "corrects_id": first.id,
                                                     "description": "KF indragning"})
    assert withdrawn.corrects_id == first.id
    assert services.queries.envelope_position(programme, None).remaining_sek == 0
    assert _audited("envelope.withdrawn") == 1
    with pytest.raises(InvalidInput) as refused:
        services.add_reservation(programme, {"amount_sek": -1, "description": "utan referens"})
    assert refused.value.field == "corrects_id"
    with pytest.raises(InvalidInput) as refused:
        services.add_reservation(programme, {"amount_sek": -600, "corrects_id": added.id,
                                             "description": "mer än reservationen"})
    assert refused.value.field == "amount_sek" and "reserv" in refused.value.detail.lower()


def test_goals_add_edit_reorder_delete(app_ctx, make_programme):
    programme = db.session.get(Programme, make_programme())
    goal = services.add_goal(programme, {"title": "Femte målet"})
    assert goal.number == 5
    services.update_goal(goal, {"title": "Femte målet, reviderat"})
    ids = [g.id for g in programme.goals]
    services.reorder_goals(programme, [ids[-1], *ids[:-1]])
    assert [g.id for g in programme.goals] == [ids[-1], *ids[:-1]]
    assert [g.number for g in programme.goals] == [1, 2, 3, 4, 5]
    services.delete_goal(goal)
    assert [g.number for g in programme.goals] == [1, 2, 3, 4]
    with pytest.raises(Conflict):
        services.reorder_goals(programme, ids[:2])


def test_a_scored_goal_cannot_be_deleted_or_renumbered(app_ctx, make_programme, monkeypatch):
    programme = db.session.get(Programme, make_programme())
    scored = programme.goals[0]
    monkeypatch.setattr(services, "goal_is_referenced", lambda goal: goal.id == scored.id)
    with pytest.raises(Conflict):
        services.delete_goal(scored)
    ids = [g.id for g in programme.goals]
    with pytest.raises(Conflict):
        services.reorder_goals(programme, [ids[1], ids[0], *ids[2:]])
    assert db.session.get(Goal, scored.id).number == 1


def test_goal_referenced_by_an_assessment_score(app_ctx, make_programme):
    programme = db.session.get(Programme, make_programme())
    assert not services.goal_is_referenced(programme.goals[0])


def test_area_estimates_use_shared_areas(app_ctx, make_programme, make_area):
    programme = db.session.get(Programme, make_programme())
    area_id = make_area(key="tekniska", name="Tekniska")
    estimate = services.set_area_estimate(programme, {"area_id": area_id,
                                                      "estimate_sek": 43_000_000})
    again = services.set_area_estimate(programme, {"key": "tekniska", "estimate_sek": 44_000_000})
    assert again.id == estimate.id and again.estimate_sek == 44_000_000
    new = services.set_area_estimate(programme, {"key": "kultur", "name": "Kultur",
                                                 "estimate_sek": 0})
    assert new.area.name == "Kultur"
    with pytest.raises(InvalidInput):
        services.set_area_estimate(programme, {"key": "okänd", "estimate_sek": 1})
    with pytest.raises(InvalidInput):
        services.set_area_estimate(programme, {"area_id": area_id, "estimate_sek": -1})


def test_calendar_feeds_the_reporting_periods(app_ctx, make_programme):
    programme = db.session.get(Programme, make_programme())
    services.update_calendar(programme, {"six_weekly_period_days": 28,
                                         "report_due_after_days": 7, "tertial_due_after_days": 20})
    assert services.calendar_of(programme)["six_weekly_period_days"] == 28
    with pytest.raises(InvalidInput) as refused:
        services.update_calendar(programme, {"report_due_after_days": 28})
    assert refused.value.field == "report_due_after_days"


# --- the first administrator ---


def test_setup_command_creates_the_first_administrator_once(app, db_session):
    from app.accounts.first_run import has_administrator

    runner = app.test_cli_runner()
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM role_assignment WHERE role = 'administrator'"))
        assert not has_administrator()
    result = runner.invoke(args=["setup", "--email", "forsta@stad.example", "--name", "Första",
                                 "--password", "ett-langt-losenord"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert has_administrator()
    again = runner.invoke(args=["setup", "--email", "andra@stad.example", "--name", "Andra",
                                "--password", "ett-langt-losenord"])
    assert again.exit_code != 0
    assert "administrat" in again.output
    with app.app_context():
        assert db.session.scalar(sa.text(
            "SELECT count(*) FROM \"user\" WHERE email = 'andra@stad.example'")) == 0


# --- export and import ---


def _export(runner, programme_id: int) -> str:
    result = runner.invoke(args=["programme", "export", str(programme_id)])
    assert result.exit_code == 0, result.output
    return result.output


def test_export_import_export_gives_the_same_yaml(app, db_session, make_programme, make_area,
                                                  tmp_path):
    from app.budget_cuts.models import BudgetCutPolicy

    programme_id = make_programme("Källprogrammet", reserved_sek=650_000_000)
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        area_id = make_area(key="sociala", name="Sociala")
        services.set_area_estimate(programme, {"area_id": area_id, "estimate_sek": 19_000_000})
        first = services.reservations(programme)[0]
        services.add_reservation(programme, {"amount_sek": -50_000_000, "corrects_id": first.id,
                                             "booked_on": date(2011, 1, 1),
                                             "description": "KS 2010-12-15 indragning"})
        services.update_calendar(programme, {"six_weekly_period_days": 28,
                                             "report_due_after_days": 7})
        db.session.add(BudgetCutPolicy(programme_id=programme_id, valid_from_year=2009,
                                       share="0.5", lag_years=1))
        db.session.commit()
    runner = app.test_cli_runner()
    exported = _export(runner, programme_id)
    source = tmp_path / "programme.yaml"
    source.write_text(exported, encoding="utf-8")
    refused = runner.invoke(args=["programme", "import", str(source)])
    assert refused.exit_code != 0 and "programme.name" in refused.output
    result = runner.invoke(args=["programme", "import", str(source), "--name", "Kopian"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        copy_id = db.session.scalar(sa.select(Programme.id).where(Programme.name == "Kopian"))
    again = _export(runner, copy_id)
    assert again.replace("name: Kopian", "name: Källprogrammet", 1) == exported
    data = yaml.safe_load(exported)
    assert [r["valid_from"] for r in data["delegation_regimes"]] == [date(2007, 10, 1),
                                                                    date(2011, 1, 1)]
    assert data["reservations"][1] == {"booked_on": date(2011, 1, 1), "amount_sek": -50_000_000,
                                       "description": "KS 2010-12-15 indragning", "corrects": 0}
    assert data["programme"]["calendar"]["six_weekly_period_days"] == 28


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d["programme"].pop("starts_on"), "programme.starts_on"),
    (lambda d: d["programme"].update(ends_on=date(2000, 1, 1)), "programme.ends_on"),
    (lambda d: d["goals"].append({"number": 1, "title": "Dubblett"}), "goals"),
    (lambda d: d["reservations"].append({"booked_on": date(2010, 1, 1), "amount_sek": -1,
                                         "description": "x"}), "reservations[1].corrects"),
    (lambda d: d["delegation_regimes"][0]["rules"][0].update(limit_sek=None),
     "delegation_regimes[0].rules"),
    (lambda d: d["programme"]["calendar"].update(report_due_after_days=99),
     "programme.calendar.report_due_after_days"),
    (lambda d: d["programme"]["settings"].update(discount_rate="hög"),
     "programme.settings.discount_rate"),
    (lambda d: d.update(phases=[{"key": "study", "name": "Förstudie",
                                 "requirements": ["a_signed_contract"]}]),
     "phases[0].requirements"),
    (lambda d: d.update(phases=[{"key": "study", "name": "Förstudie"},
                                {"key": "study", "name": "Igen"}]), "phases: phase keys"),
])
def test_import_names_the_key_and_writes_nothing(app, db_session, make_programme, tmp_path,
                                                 change, named):
    programme_id = make_programme("Källan")
    runner = app.test_cli_runner()
    data = yaml.safe_load(_export(runner, programme_id))
    change(data)
    source = tmp_path / "bad.yaml"
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Programme))
    result = runner.invoke(args=["programme", "import", str(source), "--name", "Trasig"])
    assert result.exit_code != 0
    assert named in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == before


def test_export_of_an_unknown_programme(app, db_session):
    result = app.test_cli_runner().invoke(args=["programme", "export", "999999"])
    assert result.exit_code != 0 and "999999" in result.output
