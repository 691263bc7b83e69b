"""The project model's gates through the service, against the database (issue 17, item 5).

Karin's project is granted on 2008-04-01 (its baseline calculation frozen that day); the
programme office passes its gates. Attackers try a gate out of order, as the wrong role, for
another organisation's project, dated in the future, and try to change a recorded decision.
"""

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.models import AuditEntry
from app.extensions import db
from app.projects import closing as project_closing
from app.projects import gates, permissions, queries
from app.projects import reports as project_reports
from app.projects.models import GateDecision, ProgrammePhase, Project
from tests.conftest import business_date, decide_on_the_day

DEMO_MODEL = (
    ("study", "Förstudie", []),
    ("planning", "Planering", []),
    ("execution", "Genomförande", ["baseline_calculation"]),
    ("handover", "Överlämning", ["go_live_recorded", "latest_report_submitted"]),
    ("closure", "Avslut", ["final_report_submitted"]),
)
FINAL = {"delivered": "E-tjänsten", "final_cost_sek": 1_000_000, "go_live_on": None,
         "lessons": "", "followup_indicators": "Andel ärenden via webben",
         "followup_responsible": "Karin", "followup_on": date(2010, 1, 1)}
REPORT = {"overall_status": "green", "cost_status": "green", "schedule_status": "green",
          "scope_status": "green", "benefit_status": "green",
          "actual_cost_to_date_sek": 100_000, "forecast_cost_sek": 1_200_000,
          "forecast_end_on": date(2009, 6, 30)}


def add_model(programme_id: int) -> None:
    for position, (key, name, requirements) in enumerate(DEMO_MODEL, start=1):
        db.session.add(ProgrammePhase(programme_id=programme_id, position=position, key=key,
                                      name=name, requirements=requirements))
    db.session.flush()


@pytest.fixture
def world(app, app_ctx, people, make_application):
    """Karin's project (granted 2008-04-01) in a programme using the demo's model."""
    application_id = make_application("awaiting_decision")
    from app.applications import decisions as application_decisions
    from app.applications.models import Application

    application = db.session.get(Application, application_id)
    decide_on_the_day(application, {"outcome": "approved", "decided_on": date(2008, 4, 1)},
                      db.session.get(User, people.anders))
    project = application_decisions.project_for(application)
    add_model(project.programme_id)
    users = {name: db.session.get(User, getattr(people, name))
             for name in ("karin", "sven", "jonas", "leila", "auditor", "committee")}
    return project, users


def on(day: str):
    from flask import current_app

    return business_date(current_app, day)


def pass_(project, phase, day, users, note="", today="2010-03-01"):
    with on(today):
        return gates.pass_gate(project, phase, date.fromisoformat(day), note, users["jonas"])


def test_gates_pass_in_order_and_the_phase_follows_the_decisions_as_of_a_date(world):
    project, users = world
    pass_(project, "study", "2008-04-01", users)
    pass_(project, "planning", "2008-04-01", users)
    pass_(project, "execution", "2008-05-15", users)

    assert gates.phase_on(project, date(2008, 3, 31)) is None
    assert gates.phase_on(project, date(2008, 4, 1)) == "Planering"
    assert gates.phase_on(project, date(2008, 5, 14)) == "Planering"
    assert gates.phase_on(project, date(2008, 5, 15)) == "Genomförande"
    column = db.session.scalar(sa.select(queries.phase_name_column(date(2008, 5, 15)))
                               .where(Project.id == project.id))
    assert column == "Genomförande"
    with on("2010-03-01"):
        phases = gates.project_phases(project)
    assert phases.current.key == "execution" and phases.next.key == "handover"
    assert [row.is_passed for row in phases.rows] == [True, True, True, False, False]
    assert phases.missing == ("latest_report_submitted", "go_live_recorded")


def test_a_gate_decision_is_audited(world):
    project, users = world
    decision = pass_(project, "study", "2008-04-01", users, note="Start")
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "project.gate_passed").order_by(AuditEntry.id.desc()))
    assert entry.after["gate_decision_id"] == decision.id
    assert entry.after["phase"] == "study"
    assert decision.decided_by_id == users["jonas"].id


@pytest.mark.parametrize(("history", "phase", "error", "field"), [
    ([], "planning", Conflict, "phase"),                      # skips study
    ([("study", "2008-04-01")], "execution", Conflict, "phase"),  # skips planning
    ([("study", "2008-04-01"), ("planning", "2008-04-02")], "study", Conflict, "phase"),  # back
    ([], "launch", Conflict, "phase"),                        # not a phase of the programme
])
def test_an_attacker_cannot_pass_a_gate_out_of_order(world, history, phase, error, field):
    project, users = world
    for key, day in history:
        pass_(project, key, day, users)
    before = db.session.scalar(sa.select(sa.func.count(GateDecision.id)))
    with pytest.raises(error) as raised:
        pass_(project, phase, "2008-06-01", users)
    assert raised.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(GateDecision.id))) == before


def test_a_future_date_or_one_before_the_previous_gate_is_refused(world):
    project, users = world
    with pytest.raises(InvalidInput) as raised:
        pass_(project, "study", "2010-03-02", users)
    assert raised.value.field == "decided_on"
    pass_(project, "study", "2008-04-10", users)
    with pytest.raises(InvalidInput) as raised:
        pass_(project, "planning", "2008-04-09", users)
    assert raised.value.field == "decided_on"
    assert "2008-04-10" in raised.value.detail


def test_a_gate_whose_requirements_are_not_in_place_names_what_is_missing(world):
    project, users = world
    pass_(project, "study", "2008-04-01", users)
    pass_(project, "planning", "2008-04-01", users)
    pass_(project, "execution", "2008-04-02", users)
    with pytest.raises(Conflict) as raised:
        pass_(project, "handover", "2008-06-01", users)
    assert raised.value.extra["missing"] == ["latest_report_submitted", "go_live_recorded"]
    assert "go-live" in raised.value.detail or "driftstart" in raised.value.detail


def test_the_baseline_must_exist_by_the_decisions_day(world):
    project, users = world
    pass_(project, "study", "2008-03-01", users)
    pass_(project, "planning", "2008-03-01", users)
    with pytest.raises(Conflict) as raised:
        pass_(project, "execution", "2008-03-15", users)   # before the decision froze it
    assert raised.value.extra["missing"] == ["baseline_calculation"]
    assert pass_(project, "execution", "2008-04-01", users).phase.key == "execution"


def test_handover_after_go_live_and_the_latest_report(world):
    project, users = world
    for key, day in (("study", "2008-04-01"), ("planning", "2008-04-01"),
                     ("execution", "2008-04-02")):
        pass_(project, key, day, users)
    with on("2008-05-20"):
        for number in (1,):
            report = project_reports.open_report(project, number, users["karin"])
            project_reports.save_report(report, REPORT, users["karin"])
            project_reports.submit_report(report, users["karin"])
        project_closing.record_go_live(project, date(2008, 5, 19), users["karin"])
    decision = pass_(project, "handover", "2008-05-20", users, today="2008-05-20")
    assert decision.phase.key == "handover"


def test_the_closure_gate_follows_the_existing_close_action(world):
    project, users = world
    for key, day in (("study", "2008-04-01"), ("planning", "2008-04-01"),
                     ("execution", "2008-04-02")):
        pass_(project, key, day, users)
    with on("2008-05-20"):
        for number in (1,):
            report = project_reports.open_report(project, number, users["karin"])
            project_reports.save_report(report, REPORT, users["karin"])
            project_reports.submit_report(report, users["karin"])
        project_closing.record_go_live(project, date(2008, 5, 19), users["karin"])
    pass_(project, "handover", "2008-05-20", users, today="2008-05-20")
    with pytest.raises(Conflict) as raised:
        pass_(project, "closure", "2008-05-21", users, today="2008-05-21")
    assert raised.value.extra["missing"] == ["final_report_submitted"]
    with on("2008-05-22"):
        project_closing.close_project(project, FINAL, users["karin"])
    assert project.state == "closed"
    assert gates.phase_on(project, date(2008, 5, 22)) == "Överlämning"  # closing records no gate
    decision = pass_(project, "closure", "2008-05-22", users, today="2008-05-22")
    assert decision.phase.key == "closure"
    with on("2008-05-22"):
        assert gates.project_phases(project).next is None


@pytest.mark.parametrize("who", ["karin", "leila", "auditor", "committee"])
def test_only_the_programme_office_passes_a_gate(world, who):
    project, users = world
    with on("2010-03-01"), pytest.raises(Forbidden):
        gates.pass_gate(project, "study", date(2008, 4, 1), "", users[who])
    assert not gates.gate_decisions(project)


def test_another_organisations_applicant_cannot_see_or_pass_the_gate(world):
    project, users = world
    with pytest.raises(Exception) as raised:
        permissions.get_visible_project(users["sven"], project.id)
    assert raised.value.status == 404
    with on("2010-03-01"), pytest.raises(Forbidden):
        gates.pass_gate(project, "study", date(2008, 4, 1), "", users["sven"])


def test_a_correction_is_a_new_decision_with_a_note(world):
    project, users = world
    pass_(project, "study", "2008-04-01", users)
    pass_(project, "planning", "2008-04-20", users)
    with pytest.raises(InvalidInput) as raised:
        pass_(project, "planning", "2008-04-10", users)
    assert raised.value.field == "note"
    pass_(project, "planning", "2008-04-10", users, note="Beslutet togs 10 april.")
    decisions = gates.gate_decisions(project)
    assert [(d.phase.key, d.decided_on.isoformat()) for d in decisions] == [
        ("study", "2008-04-01"), ("planning", "2008-04-10"), ("planning", "2008-04-20")]
    assert gates.phase_on(project, date(2008, 4, 10)) == "Planering"


def test_a_recorded_gate_decision_cannot_be_changed(world):
    project, users = world
    decision = pass_(project, "study", "2008-04-01", users)
    decision.decided_on = date(2008, 1, 1)
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()


def test_a_recorded_gate_decision_cannot_be_removed(world):
    project, users = world
    db.session.delete(pass_(project, "study", "2008-04-01", users))
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()


def test_a_gate_is_checked_against_the_decisions_standing_on_the_business_date(world):
    """A demo seeded up to a later day is served as of an earlier one: the office acts on what
    it sees then."""
    project, users = world
    pass_(project, "study", "2008-04-01", users, today="2008-06-01")
    pass_(project, "planning", "2008-04-02", users, today="2008-06-01")
    pass_(project, "execution", "2008-06-01", users, today="2008-06-01")
    decision = pass_(project, "planning", "2008-04-05", users, note="Rättelse",
                     today="2008-05-01")
    assert decision.phase.key == "planning"
    assert gates.phase_on(project, date(2008, 5, 1)) == "Planering"
