"""The benefit network against money: a cut before the change happened, benefits at risk by
organisation, and who pays against who benefits, as of a date."""

from datetime import date

import pytest

from app.accounts.models import Organisation, User
from app.applications.models import Application
from app.benefit_map import queries, services
from app.budget_cuts import explanations as cut_explanations
from app.budget_cuts import labels as cut_labels
from app.budget_cuts import rules as cut_rules
from app.budget_cuts import services as cut_services
from app.extensions import db
from app.programmes.models import Programme
from tests.integration.test_budget_cuts import DEMO_POLICY, add_project, steady


@pytest.fixture
def world(app_ctx, people, make_organisation, make_programme, demo_date):
    """Skolval (Utbildningsförvaltningen, 2010) saves 700 000 a year from 2011 at its own
    organisation and 100 000 at Trafikkontoret; the board's new routine is due 2010-09-30."""
    demo_date("2010-06-01")
    edu = make_organisation("Utbildningsförvaltningen")
    programme = db.session.get(Programme, make_programme())
    jonas = db.session.get(User, people.jonas)
    cut_services.create_policy(programme, DEMO_POLICY, jonas)
    school = add_project(programme.id, edu, "Skolval", go_live_on=date(2010, 1, 15),
                         benefits=[(edu, "Färre pappersansökningar", steady(700_000)),
                                   (people.traffic, "Färre samtal", steady(100_000))],
                         running={2010: 50_000, 2011: 60_000})
    application = db.session.get(Application, school.application_id)
    routine = services.add_node(application, {
        "kind": "business_change", "label": "Handläggarna slutar skriva in pappersansökningar",
        "organisation_id": edu, "responsible_name": "Annika Wallin", "due_on": "2010-09-30"},
        jonas)
    lines = services.current_lines(application)
    goal = programme.goals[2]
    services.add_link(application, {"from": services.node_key(routine),
                                    "to": services.benefit_key(lines[0])}, jonas)
    for line in lines:
        services.add_link(application, {"from": services.benefit_key(line),
                                        "to": services.goal_key(goal)}, jonas)
    db.session.flush()
    return {"programme": programme, "edu": db.session.get(Organisation, edu), "routine": routine,
            "school": school, "jonas": jonas, "traffic": people.traffic, "demo_date": demo_date}


def _before_change(explanation):
    return [f for f in explanation.flags if f.code == cut_rules.Flag.CUT_BEFORE_CHANGE]


def test_a_cut_resting_on_a_benefit_whose_change_is_not_done_is_flagged(world):
    explanation = cut_explanations.explanation(world["edu"], 2012, world["programme"])
    [flag] = _before_change(explanation)
    assert (flag.benefit_name, flag.changes) == (
        "Färre pappersansökningar", ("Handläggarna slutar skriva in pappersansökningar",))
    assert "Handläggarna slutar skriva in pappersansökningar" in cut_labels.flag_text(flag,
                                                                                      2011)
    assert flag.code in cut_labels.FLAG_LABELS
    assert explanation.as_dict()["flags"][0]["changes"] == [
        "Handläggarna slutar skriva in pappersansökningar"]


def test_the_flag_goes_once_the_change_was_done_in_the_saving_year(world):
    world["demo_date"]("2011-03-01")
    services.update_node(world["routine"], {"state": "done", "evidence": "Rutin 2010-09-20",
                                            "done_on": "2010-09-20"}, world["jonas"])
    assert _before_change(
        cut_explanations.explanation(world["edu"], 2012, world["programme"])) == []


def test_benefits_at_risk_by_organisation_as_of_a_date(world):
    before = queries.risk_by_organisation(queries.programme_map(
        world["programme"], date(2010, 9, 29), decided=False))
    assert [(r.organisation.name, r.benefits, r.at_risk) for r in before] == [
        ("Trafikkontoret", 1, 0), ("Utbildningsförvaltningen", 1, 0)]
    after = queries.risk_by_organisation(queries.programme_map(
        world["programme"], date(2010, 9, 30), decided=False))
    assert [(r.organisation.name, r.at_risk, r.planned_at_risk_sek) for r in after][0] == (
        "Utbildningsförvaltningen", 1, 700_000 * 6)


def _decide(world, on: date, amount: int) -> None:
    from app.applications.models import Decision
    from app.core.enums import DecisionOutcome, LedgerEntryKind
    from app.programmes.models import EnvelopeEntry

    school = world["school"]
    decision = Decision(programme_id=world["programme"].id, application_id=school.application_id,
                        outcome=DecisionOutcome.APPROVED, amount_sek=amount,
                        diary_number=f"SLK {on.year}/0042", decided_on=on,
                        authority_key="deputy_city_director")
    db.session.add(decision)
    db.session.flush()
    db.session.add(EnvelopeEntry(programme_id=world["programme"].id,
                                 kind=LedgerEntryKind.COMMITMENT, amount_sek=amount, booked_on=on,
                                 description="Skolval", project_id=school.id,
                                 decision_id=decision.id))
    db.session.flush()


@pytest.mark.parametrize("on, granted, running, own, elsewhere", [
    (date(2009, 12, 31), None, None, None, None),
    (date(2010, 6, 1), 2_000_000, 50_000, 0, 0),
    (date(2011, 6, 1), 2_000_000, 110_000, 700_000, 100_000),
    (date(2013, 1, 1), 2_000_000, 110_000, 2_100_000, 300_000),
])
def test_who_pays_and_who_benefits_as_of_a_date(world, on, granted, running, own, elsewhere):
    _decide(world, date(2010, 2, 1), 2_000_000)
    matrix = queries.payer_matrix(world["programme"], on)
    if granted is None:
        assert matrix.rows == ()
        return
    [row] = matrix.rows
    edu, traffic = world["edu"].id, world["traffic"]
    assert (row.payer.id, row.granted_sek, row.running_cost_sek) == (edu, granted, running)
    assert (matrix.cell(edu, edu), matrix.cell(edu, traffic)) == (own, elsewhere)
    assert row.elsewhere_sek == elsewhere
