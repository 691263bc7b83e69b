"""The demo's decisions are the decision service's: replayed on their days, in their order."""

from collections import defaultdict

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications.models import Application, ApplicationEvent, Decision
from app.core.enums import ApplicationKind, DecisionKind, LedgerEntryKind
from app.core.models import AuditEntry, Notification
from app.extensions import db
from app.programmes.models import EnvelopeEntry
from app.projects.models import Project
from app.seed import seed_demo
from tests.integration.test_seed_loader import DIARY_NUMBER, seeded  # noqa: F401  (fixture)


def _funded_decisions() -> list[Decision]:
    return list(db.session.scalars(
        sa.select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.kind == ApplicationKind.IMPLEMENTATION)))


def _taken_by_the_service(decision: Decision) -> User:
    """Check what `decide` leaves on the decision's day: the decider's label, one audit entry
    and the application's decide step; return the decider."""
    decider = db.session.get(User, decision.decided_by_id)
    assert decision.decided_by_label == f"{decider.name} <{decider.email}>"
    assert decision.created_at.date() == decision.decided_on
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "decision.taken",
        AuditEntry.object_id == str(decision.id))).all()
    assert [(a.actor_id, a.at.date(), a.after["diary_number"]) for a in audit] == [
        (decider.id, decision.decided_on, decision.diary_number)]
    step = db.session.scalars(sa.select(ApplicationEvent).where(
        ApplicationEvent.application_id == decision.application_id,
        ApplicationEvent.action == "decide")).one()
    assert (step.actor_id, step.at.date(), step.comment) == (
        decider.id, decision.decided_on, decision.decision_text)
    return decider


def test_each_funded_projects_decision_was_taken_by_the_service_on_its_day(seeded):  # noqa: F811
    decisions = _funded_decisions()
    assert len(decisions) == 39

    for decision in decisions:
        decider = _taken_by_the_service(decision)
        assert decision.authority_key in decider.authority_keys_for(decision.programme_id)
        project = db.session.scalars(sa.select(Project).where(
            Project.application_id == decision.application_id)).one()
        commitment = db.session.scalars(sa.select(EnvelopeEntry).where(
            EnvelopeEntry.decision_id == decision.id)).one()
        assert (commitment.kind, commitment.project_id, commitment.created_by_id,
                commitment.booked_on, commitment.description) == (
            LedgerEntryKind.COMMITMENT, project.id, decider.id, decision.decided_on,
            f"{decision.diary_number} {project.title}")


def test_each_feasibility_study_was_decided_by_the_service_and_funds_no_project(seeded):  # noqa: F811
    studies = list(db.session.scalars(
        sa.select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.kind == ApplicationKind.FEASIBILITY)))
    assert len(studies) == 32

    for decision in studies:
        decider = _taken_by_the_service(decision)
        commitment = db.session.scalars(sa.select(EnvelopeEntry).where(
            EnvelopeEntry.decision_id == decision.id)).one()
        assert (commitment.kind, commitment.amount_sek, commitment.project_id,
                commitment.created_by_id, commitment.booked_on, commitment.description) == (
            LedgerEntryKind.COMMITMENT, decision.amount_sek, None, decider.id,
            decision.decided_on, f"{decision.diary_number} {decision.application.title}")
    assert db.session.scalar(sa.select(sa.func.count(Project.id)).join(
        Application, Application.id == Project.application_id).where(
        Application.kind == ApplicationKind.FEASIBILITY)) == 0


def test_diary_numbers_follow_the_decisions_order_in_each_year(seeded):  # noqa: F811
    per_year = defaultdict(list)
    for decision in db.session.scalars(sa.select(Decision).where(
            Decision.kind == DecisionKind.ORIGINAL)):
        year, seq = map(int, DIARY_NUMBER.match(decision.diary_number).groups())
        per_year[year].append((decision.decided_on, decision.application.reference, seq))

    for year, rows in per_year.items():
        seqs = [seq for _day, _reference, seq in sorted(rows)]
        assert seqs == list(range(1, len(rows) + 1)), year


def test_the_replays_notices_are_history_already_read(seeded):  # noqa: F811
    notices = db.session.scalars(sa.select(Notification).where(
        Notification.kind == "application.stage_changed")).all()

    assert notices
    assert all(n.read_at == n.created_at and n.emailed_at is None for n in notices)


def test_a_decision_the_service_refuses_is_refused_naming_the_file_and_item(app_ctx,
                                                                           data_copy):
    """Segregation of duties is decide's rule, not the loader's: the demo obeys it too."""
    path = data_copy / "projects.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("    submitted_by: karin@demo.stockholm.example\n",
                          "    submitted_by: anders@demo.stockholm.example\n", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")

    with pytest.raises(ValueError, match=r"projects\.yaml, project \d+ \(Cykelreseplanerare\): "
                                         r".*(segregation of duties|åtskillnad av uppgifter)"):
        seed_demo(data_copy)
