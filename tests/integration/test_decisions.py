"""Decisions: routing, authority, segregation of duties, anti-splitting, money, diary numbers."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app

from app.accounts.models import User
from app.applications import decisions, routing, services
from app.applications.models import Application, Decision
from app.core.enums import (
    ApplicationState,
    DecisionKind,
    IdeaState,
    LedgerEntryKind,
    ProjectState,
)
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.money import format_sek
from app.extensions import db
from app.programmes.models import EnvelopeEntry, Programme
from app.programmes.services import envelope_position
from app.projects.models import Project
from tests.conftest import business_date, correct_on_the_day, decide_on_the_day


def _user(user_id) -> User:
    return db.session.get(User, user_id)


def _application(application_id) -> Application:
    return db.session.get(Application, application_id, populate_existing=True)


def _approve(application, user_id, on="2008-04-01", **extra) -> Decision:
    return decide_on_the_day(application, {"outcome": "approved",
                                         "decided_on": date.fromisoformat(on), **extra},
                           _user(user_id))


def test_anders_decides_1_2_msek_in_2008_and_the_envelope_drops_by_exactly_that(
        app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision", requested_sek=1_200_000))
    routed = routing.routed_authority(application, date(2008, 3, 1))
    assert routed.authority_key == "deputy_city_director"
    before = envelope_position(application.programme)
    decision = _approve(application, people.anders, decision_text="Beviljas")
    after = envelope_position(application.programme)
    assert before.remaining_sek - after.remaining_sek == 1_200_000
    assert decision.diary_number == "SLK 2008/0001"
    assert decision.authority_key == "deputy_city_director"
    assert application.state == ApplicationState.DECIDED
    project = decisions.project_for(application)
    assert project.baseline_start_on == application.starts_on
    assert project.baseline_end_on == application.ends_on
    assert decisions.project_commitment_sek(project) == 1_200_000


def test_twelve_msek_in_2009_is_for_the_finance_committee_and_eva_cannot(
        app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision", requested_sek=12_000_000,
                                                on="2009-02-01"))
    routed = routing.routed_authority(application, date(2009, 3, 1))
    assert routed.authority_key == "finance_committee"
    with pytest.raises(Forbidden, match="finance_committee"):
        _approve(application, people.eva, on="2009-04-01")
    assert _application(application.id).state == ApplicationState.AWAITING_DECISION
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0
    decision = _approve(application, people.committee, on="2009-04-01")
    assert decision.authority_key == "finance_committee"


def test_the_same_amount_in_2011_routes_to_eva(app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision", requested_sek=12_000_000,
                                                on="2011-02-01"))
    routed = routing.routed_authority(application, date(2011, 3, 1))
    assert routed.authority_key == "city_director"
    assert _approve(application, people.eva, on="2011-03-01").authority_key == "city_director"


def test_deciding_across_the_regime_change_uses_the_decision_date(
        app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision", requested_sek=12_000_000,
                                                on="2010-12-01"))
    with pytest.raises(Forbidden):
        _approve(application, people.eva, on="2010-12-31")
    assert _approve(application, people.eva, on="2011-01-01").authority_key == "city_director"


@pytest.mark.parametrize("role_of_decider", ["submitted", "assessed", "quality_checked"])
def test_whoever_submitted_assessed_or_checked_cannot_decide(
        app, app_ctx, people, make_user, make_application, role_of_decider):
    from app.accounts.services import update_user

    application = _application(make_application("awaiting_decision"))
    culprit = {"submitted": people.karin, "assessed": people.leila,
               "quality_checked": people.maria}[role_of_decider]
    user = _user(culprit)
    update_user(user, {"roles": [*(f"{r}" for r in user.roles),
                                 "decision_maker:deputy_city_director"]})
    with pytest.raises(Forbidden, match="åtskillnad av uppgifter"):
        _approve(application, culprit)
    assert _application(application.id).state == ApplicationState.AWAITING_DECISION


def test_a_double_submitted_approval_creates_one_decision(app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision"))
    _approve(application, people.anders)
    with pytest.raises(Conflict):
        _approve(application, people.anders)
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 1


def test_over_commitment_is_refused_with_the_amount_left(app_ctx, people, make_programme,
                                                         make_application):
    programme = make_programme(reserved_sek=2_000_000)
    first = _application(make_application("awaiting_decision", requested_sek=1_500_000,
                                          programme_id=programme))
    second = _application(make_application("awaiting_decision", requested_sek=1_000_000,
                                           programme_id=programme))
    _approve(first, people.anders)
    with pytest.raises(Conflict) as refused:
        _approve(second, people.anders)
    assert refused.value.extra["remaining_sek"] == 500_000
    assert _application(second.id).state == ApplicationState.AWAITING_DECISION
    assert envelope_position(db.session.get(Programme, programme)).remaining_sek == 500_000


def test_reduced_approval_and_rejection(app_ctx, people, make_application):
    reduced = _application(make_application("awaiting_decision", requested_sek=2_000_000))
    with pytest.raises(InvalidInput, match=format_sek(2_000_000)) as refused:
        decide_on_the_day(reduced, {"outcome": "approved_reduced", "amount_sek": 2_000_000,
                                  "decided_on": date(2008, 4, 1)}, _user(people.anders))
    assert refused.value.field == "amount_sek"
    decision = decide_on_the_day(reduced, {"outcome": "approved_reduced", "amount_sek": 1_500_000,
                                         "decided_on": date(2008, 4, 1)}, _user(people.anders))
    assert decisions.project_commitment_sek(decisions.project_for(reduced)) == 1_500_000
    assert decision.amount_sek == 1_500_000
    rejected = _application(make_application("awaiting_decision", requested_sek=900_000))
    decision = decide_on_the_day(rejected, {"outcome": "rejected", "decided_on": date(2008, 4, 2)},
                               _user(people.anders))
    assert decision.amount_sek == 0 and decisions.project_for(rejected) is None
    assert decision.diary_number == "SLK 2008/0002"


@pytest.mark.parametrize("field, value", [("decided_on", date(2013, 1, 1)),
                                          ("decided_on", date(2008, 1, 1)),
                                          ("decided_on", "2008-04-01"),
                                          ("amount_sek", -1), ("amount_sek", 1.5)])
def test_bad_decision_input_is_422_naming_the_field(app_ctx, people, make_application,
                                                    field, value):
    application = _application(make_application("awaiting_decision"))
    data = {"outcome": "approved_reduced", "amount_sek": 1_000_000,
            "decided_on": date(2008, 4, 1), field: value}
    with business_date(current_app, "2008-04-01"), pytest.raises(InvalidInput) as caught:
        decisions.decide(application, data, _user(people.anders))
    assert caught.value.field == field


def test_splitting_a_project_under_the_limit_warns_and_needs_a_reason(
        app_ctx, people, make_programme, make_application):
    from app.ideas.models import ProjectIdea

    programme = make_programme()
    idea = ProjectIdea(programme_id=programme, organisation_id=people.traffic, title="Cykel",
                       description="x", state=IdeaState.APPROVED_TO_APPLY)
    db.session.add(idea)
    db.session.flush()
    first = _application(make_application("awaiting_decision", requested_sek=2_000_000,
                                          programme_id=programme, idea_id=idea.id))
    _approve(first, people.anders, on="2008-04-01")
    second = _application(make_application("awaiting_decision", requested_sek=1_500_000,
                                           programme_id=programme, idea_id=idea.id,
                                           on="2008-05-01"))
    with pytest.raises(Conflict) as warned:
        _approve(second, people.anders, on="2008-09-01")
    assert warned.value.extra["splitting_total_sek"] == 3_500_000
    assert warned.value.field == "splitting_acknowledged"
    with pytest.raises(Conflict):
        _approve(second, people.anders, on="2008-09-01", splitting_acknowledged=True,
                 splitting_reason=" ")
    decision = _approve(second, people.anders, on="2008-09-01", splitting_acknowledged=True,
                        splitting_reason="Etapp 2 är en egen leverans")
    assert decision.splitting_acknowledged
    assert decision.splitting_reason == "Etapp 2 är en egen leverans"


def test_no_splitting_warning_after_twelve_months(app_ctx, people, make_programme,
                                                  make_application):
    from app.ideas.models import ProjectIdea

    programme = make_programme()
    idea = ProjectIdea(programme_id=programme, organisation_id=people.traffic, title="Cykel",
                       description="x", state=IdeaState.APPROVED_TO_APPLY)
    db.session.add(idea)
    db.session.flush()
    first = _application(make_application("awaiting_decision", requested_sek=2_000_000,
                                          programme_id=programme, idea_id=idea.id))
    _approve(first, people.anders, on="2008-04-01")
    second = _application(make_application("awaiting_decision", requested_sek=1_500_000,
                                           programme_id=programme, idea_id=idea.id,
                                           on="2009-03-01"))
    assert not _approve(second, people.anders, on="2009-04-02").splitting_acknowledged


def test_diary_numbers_are_gapless_per_year(app_ctx, people, make_programme, make_application):
    programme = make_programme()
    numbers = []
    for on in ("2008-04-01", "2008-05-01", "2009-04-01"):
        application = _application(make_application("awaiting_decision", requested_sek=100_000,
                                                     programme_id=programme, on="2008-02-01"))
        numbers.append(_approve(application, people.anders, on=on).diary_number)
    assert numbers == ["SLK 2008/0001", "SLK 2008/0002", "SLK 2009/0001"]


def test_corrections_are_new_decisions_that_move_money(app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision", requested_sek=1_000_000))
    original = _approve(application, people.anders)
    programme = application.programme
    supplement = correct_on_the_day(original, {
        "kind": "supplementary", "amount_sek": 500_000, "decided_on": date(2008, 6, 1)},
        _user(people.anders))
    assert supplement.refers_to_id == original.id and supplement.kind == DecisionKind.SUPPLEMENTARY
    project = decisions.project_for(application)
    assert decisions.project_commitment_sek(project) == 1_500_000
    assert decisions.granted_sek(_application(application.id)) == 1_500_000
    correct_on_the_day(original, {"kind": "reduction", "amount_sek": 300_000,
                                         "decided_on": date(2008, 7, 1)}, _user(people.anders))
    assert decisions.project_commitment_sek(project) == 1_200_000
    with pytest.raises(InvalidInput):
        correct_on_the_day(original, {"kind": "reduction", "amount_sek": 5_000_000,
                                             "decided_on": date(2008, 7, 2)},
                                  _user(people.anders))
    revocation = correct_on_the_day(original, {"kind": "revocation",
                                                      "decided_on": date(2008, 8, 1)},
                                           _user(people.anders))
    assert revocation.amount_sek == 1_200_000
    assert decisions.project_commitment_sek(project) == 0
    assert project.state == ProjectState.CLOSED
    assert envelope_position(programme).committed_sek == 0
    assert original.amount_sek == 1_000_000


def test_unused_commitment_is_released_when_a_project_closes_under_budget(
        app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision"))
    _approve(application, people.anders)
    project = decisions.project_for(application)
    with pytest.raises(InvalidInput):
        decisions.release_unused_commitment(project, 2_000_000, date(2009, 7, 1), "Klart",
                                           _user(people.jonas))
    decisions.release_unused_commitment(project, 200_000, date(2009, 7, 1),
                                       "Avslutat under budget", _user(people.jonas))
    released = db.session.scalar(sa.select(EnvelopeEntry).where(
        EnvelopeEntry.kind == LedgerEntryKind.RELEASE))
    assert released.amount_sek == 200_000 and released.project_id == project.id
    assert decisions.project_commitment_sek(project) == 1_000_000


def test_queues_show_each_role_what_waits_and_for_how_long(app_ctx, people, make_application):
    make_application("submitted")
    waiting = _application(make_application("awaiting_decision", requested_sek=1_200_000))
    big = _application(make_application("awaiting_decision", requested_sek=5_000_000))
    office = services.queue_for(_user(people.jonas), today=date(2008, 2, 11))
    assert [item.application.state for item in office] == [ApplicationState.SUBMITTED]
    assert office[0].waiting_days == 10
    anders = services.queue_for(_user(people.anders), today=date(2008, 3, 1))
    assert [item.application.id for item in anders] == [waiting.id]
    eva = services.queue_for(_user(people.eva), today=date(2008, 3, 1))
    assert [item.application.id for item in eva] == [big.id]
    assert services.queue_for(_user(people.per)) == []
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


# ---- a feasibility study is a grant, not a funded project ---------------------------------

def _study(make_application, **overrides) -> Application:
    return _application(make_application("awaiting_decision", kind="feasibility", **overrides))


def _ledger_of(decision: Decision) -> list[tuple]:
    return [(e.kind, e.amount_sek, e.booked_on, e.project_id) for e in db.session.scalars(
        sa.select(EnvelopeEntry).where(EnvelopeEntry.decision_id == decision.id))]


def _audit_actions(object_type: str | None = None) -> list[str]:
    from app.core.models import AuditEntry

    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    return list(db.session.scalars(query))


def test_deciding_a_feasibility_study_books_the_grant_against_the_decision_and_no_project(
        app_ctx, people, make_application):
    from app.benefits.models import Benefit, CalculationVersion
    from app.core.enums import CalculationVersionKind
    from app.core.models import Notification

    study = _study(make_application, requested_sek=1_200_000)
    before = envelope_position(study.programme)
    notices_before = db.session.scalar(sa.select(sa.func.count(Notification.id)))

    decision = _approve(study, people.anders, on="2008-04-01", decision_text="Beviljas")

    after = envelope_position(study.programme)
    assert before.remaining_sek - after.remaining_sek == 1_200_000
    assert after.committed_sek - before.committed_sek == 1_200_000
    assert _ledger_of(decision) == [(LedgerEntryKind.COMMITMENT, 1_200_000, date(2008, 4, 1),
                                     None)]
    assert (decision.diary_number, decision.amount_sek) == ("SLK 2008/0001", 1_200_000)
    assert _application(study.id).state == ApplicationState.DECIDED
    assert decisions.project_for(study) is None
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    assert decisions.decision_commitment_sek(study) == 1_200_000
    assert db.session.scalar(sa.select(sa.func.count(Benefit.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(CalculationVersion.id)).where(
        CalculationVersion.kind == CalculationVersionKind.BASELINE)) == 0
    assert "decision.taken" in _audit_actions()
    assert "project.created" not in _audit_actions()
    assert "benefit_calculation.baseline" not in _audit_actions()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) > notices_before


def test_deciding_an_implementation_creates_the_project_with_its_baseline(
        app_ctx, people, make_application):
    from app.benefits.models import Benefit

    application = _application(make_application("awaiting_decision", requested_sek=1_200_000,
                                                kind="implementation"))
    decision = _approve(application, people.anders)

    project = decisions.project_for(application)
    assert project is not None and project.title == application.title
    assert _ledger_of(decision) == [(LedgerEntryKind.COMMITMENT, 1_200_000, date(2008, 4, 1),
                                     project.id)]
    assert db.session.scalar(sa.select(sa.func.count(Benefit.id)).where(
        Benefit.project_id == project.id)) > 0
    assert {"project.created", "benefit_calculation.baseline"} <= set(_audit_actions())


def test_a_rejected_study_books_nothing(app_ctx, people, make_application):
    study = _study(make_application, requested_sek=900_000)
    before = envelope_position(study.programme)
    decision = decide_on_the_day(study, {"outcome": "rejected", "decided_on": date(2008, 4, 2)},
                                 _user(people.anders))
    assert _ledger_of(decision) == []
    assert envelope_position(study.programme).remaining_sek == before.remaining_sek
    assert decisions.project_for(study) is None


def test_a_studys_corrections_move_money_against_its_decisions_and_never_make_a_project(
        app_ctx, people, make_application):
    study = _study(make_application, requested_sek=1_000_000)
    original = _approve(study, people.anders)
    programme = study.programme
    anders = _user(people.anders)

    supplement = correct_on_the_day(original, {
        "kind": "supplementary", "amount_sek": 500_000, "decided_on": date(2008, 6, 1)}, anders)
    assert _ledger_of(supplement) == [(LedgerEntryKind.COMMITMENT, 500_000, date(2008, 6, 1),
                                       None)]
    assert decisions.decision_commitment_sek(study) == 1_500_000
    reduction = correct_on_the_day(original, {
        "kind": "reduction", "amount_sek": 300_000, "decided_on": date(2008, 7, 1)}, anders)
    assert _ledger_of(reduction) == [(LedgerEntryKind.RELEASE, 300_000, date(2008, 7, 1), None)]
    with pytest.raises(InvalidInput, match=format_sek(1_200_000)) as refused:
        correct_on_the_day(original, {"kind": "reduction", "amount_sek": 1_200_001,
                                      "decided_on": date(2008, 7, 2)}, anders)
    assert refused.value.field == "amount_sek"
    revocation = correct_on_the_day(original, {"kind": "revocation",
                                               "decided_on": date(2008, 8, 1)}, anders)
    assert revocation.amount_sek == 1_200_000
    assert _ledger_of(revocation) == [(LedgerEntryKind.RELEASE, 1_200_000, date(2008, 8, 1),
                                       None)]
    assert decisions.decision_commitment_sek(study) == 0
    assert envelope_position(programme).committed_sek == 0
    with pytest.raises(Conflict, match="inget att återkalla"):
        correct_on_the_day(original, {"kind": "revocation", "decided_on": date(2008, 8, 2)},
                           anders)
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    assert "project.created" not in _audit_actions()
