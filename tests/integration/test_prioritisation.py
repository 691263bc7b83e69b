"""Prioritisation against a real database: the candidates as of a date, their scores and NPV,
approved ideas without an application, dependencies, and the seeded demo on 1 March 2010."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import services as application_services
from app.applications.models import Application
from app.core.enums import IdeaState, Role
from app.extensions import db
from app.ideas.models import ProjectIdea
from app.prioritisation import queries, services
from app.programmes.models import Programme
from app.seed import seed_demo
from tests.conftest import ALL_SCORES


@pytest.fixture
def programme(app_ctx, make_programme):
    return db.session.get(Programme, make_programme())


def test_candidates_follow_the_application_history(app_ctx, people, make_application,
                                                   programme, demo_date):
    waiting = make_application("awaiting_decision", requested_sek=2_000_000,
                               programme_id=programme.id, on="2008-02-01")
    late = make_application("submitted", programme_id=programme.id, on="2008-02-20")
    keys = lambda on: {row["key"] for row in services.candidates(programme, on)}  # noqa: E731
    assert keys(date(2008, 1, 31)) == set()
    assert keys(date(2008, 2, 1)) == {queries.application_key(waiting)}
    assert keys(date(2008, 2, 20)) == {queries.application_key(waiting),
                                       queries.application_key(late)}
    rows = {row["key"]: row for row in services.candidates(programme, date(2008, 2, 20))}
    assessed = rows[queries.application_key(waiting)]
    assert assessed["scores"] == ALL_SCORES and assessed["is_assessed"]
    assert assessed["requested_sek"] == 2_000_000
    assert isinstance(assessed["npv_sek"], int)
    assert rows[queries.application_key(late)]["scores"] == {}
    assert rows[queries.application_key(late)]["npv_sek"] == assessed["npv_sek"]


def test_a_withdrawn_application_leaves_the_candidates_from_that_day(
        app_ctx, people, make_application, programme, demo_date):
    application_id = make_application("submitted", programme_id=programme.id, on="2008-02-01")
    demo_date(date(2008, 3, 3))
    application = db.session.get(Application, application_id)
    application_services.withdraw(application, "Vi drar tillbaka ansökan.",
                                  db.session.get(User, people.karin))
    db.session.flush()
    key = queries.application_key(application_id)
    assert key in {row["key"] for row in services.candidates(programme, date(2008, 3, 2))}
    assert key not in {row["key"] for row in services.candidates(programme, date(2008, 3, 3))}


def test_an_implementation_requires_its_undecided_feasibility_study(
        app_ctx, people, make_application, programme):
    study = make_application("awaiting_decision", requested_sek=400_000,
                             programme_id=programme.id, kind="feasibility")
    implementation = make_application("awaiting_decision", requested_sek=3_000_000,
                                      programme_id=programme.id, kind="implementation",
                                      feasibility_id=study)
    rows = {row["key"]: row for row in services.candidates(programme, date(2008, 2, 1))}
    assert rows[queries.application_key(implementation)]["requires"] == (
        queries.application_key(study))
    settings = {"weights": services.default_weights(programme), "value_measure": "score",
                "score_share": 0.5, "budget_sek": 3_000_000, "choices": {}}
    result = services.evaluate(programme, settings, date(2008, 2, 1))
    # both score the same; the implementation alone would fit but needs its study
    assert result["selected"] == [queries.application_key(study)]


def test_approved_ideas_without_a_submitted_application_are_candidates(
        app_ctx, people, programme, make_application, demo_date):
    demo_date(date(2008, 2, 1))
    idea = ProjectIdea(programme_id=programme.id, organisation_id=people.traffic,
                       title="Cykelparkering", description="Boka cykelparkering.",
                       state=IdeaState.APPROVED_TO_APPLY)
    db.session.add(idea)
    db.session.flush()
    idea.screened_at = idea.submitted_at
    db.session.flush()
    on = idea.screened_at.date()
    key = queries.idea_key(idea.id)
    rows = {row["key"]: row for row in services.candidates(programme, on)}
    assert rows[key]["requested_sek"] is None and rows[key]["kind"] == queries.IDEA
    make_application("submitted", programme_id=programme.id, on=on.isoformat(),
                     idea_id=idea.id)
    assert key not in {row["key"] for row in services.candidates(programme, on)}


def test_an_idea_is_costed_by_the_scenarios_estimate(app_ctx, people, programme, demo_date):
    demo_date(date(2008, 2, 1))
    idea = ProjectIdea(programme_id=programme.id, organisation_id=people.traffic,
                       title="Cykelparkering", description="Boka cykelparkering.",
                       state=IdeaState.APPROVED_TO_APPLY)
    db.session.add(idea)
    db.session.flush()
    idea.screened_at = idea.submitted_at
    on = idea.screened_at.date()
    key = queries.idea_key(idea.id)
    rows = services.candidates(programme, on)
    settings = {"weights": services.default_weights(programme), "value_measure": "score",
                "score_share": 0.5, "budget_sek": None,
                "choices": {key: {"forced": "in", "reason": "Politiskt beslut.",
                                  "cost_sek": 300_000}}}
    result = services.evaluate(programme, settings, on, rows)
    assert result["selected"] == [key] and result["total_cost_sek"] == 300_000
    item = result["candidates"][0]
    assert item["is_estimate"] and item["forced"] == "in"


def test_the_demo_on_1_march_2010(app_ctx, demo_date):
    seed_demo()
    db.session.flush()
    demo_date(date(2010, 3, 1))
    programme = services.current_programme()
    office = next(user for user in db.session.scalars(sa.select(User))
                  if Role.PROGRAMME_OFFICE in user.roles)
    scenario = services.create_scenario(programme, {"name": "Demo", "budget_sek": 5_000_000},
                                        office)
    result = scenario.result
    assert result["remaining_envelope_sek"] == 252_100_000
    assessed = [c for c in result["candidates"] if c["score"] is not None]
    assert len(assessed) == 4
    # within 5 MSEK the 12 MSEK map service cannot be chosen; the three others are
    assert result["total_cost_sek"] == 950_000 + 1_350_000 + 400_000
    assert len(result["selected"]) == 3
    assert all(0 <= c["score"] <= 100 for c in assessed)
