"""Replay the demo's decisions and envelope ledger in date order, the clock at each event.

Every approving decision, a funded project's or a feasibility study's, is taken by
`decisions.decide`, with the business clock standing at the decision day and the decider the
demo user holding the authority, so its delegation, date window, anti-splitting check, diary
number, commitment, audit entry and (for a project only) the project are the service's, as for
any user. The ledger's other rows are booked on their days in between (the envelope must hold
the money when a decision commits it).
"""

import sqlalchemy as sa

from app.applications import decisions, routing
from app.core import clock
from app.core.enums import ApplicationState, DecisionOutcome, LedgerEntryKind, Role
from app.core.errors import DomainError
from app.core.models import DiaryCounter, Notification
from app.core.money import format_sek
from app.extensions import db
from app.programmes import ledger
from app.programmes.models import EnvelopeEntry
from app.projects.models import Project
from app.seed.feasibility_studies import StudySpec, _replay_study
from app.seed.insert import _insert_application
from app.seed.portfolio import LedgerSpec, PortfolioData, ProjectSpec
from app.seed.rows import SeedReport, _at, _Context, _find, _user_id

CONDITIONS = ("Projektet rapporterar till programkontoret var sjätte vecka och i "
              "tertialrapporterna, och lämnar slutrapport med plan för nyttouppföljning ett år "
              "efter driftstart.")


def _replay_history(data: PortfolioData, studies: tuple[StudySpec, ...], context: _Context,
                    report: SeedReport) -> None:
    """Replay each day in order: the reservation, then the decisions by reference, then the
    day's other bookings (a project's spending follows its decision)."""
    years = set(db.session.scalars(sa.select(DiaryCounter.year).where(
        DiaryCounter.series == "dnr")))
    steps: list[tuple[tuple, object]] = []
    for index, row in enumerate(data.ledger):
        if row.kind is LedgerEntryKind.COMMITMENT and row.project is not None:
            continue  # decide books it; the loader checked the row equals the decision
        rank = 0 if row.kind is LedgerEntryKind.RESERVATION else 2
        steps.append(((row.booked_on, rank, "", index), row))
    for spec in data.projects:
        steps.append(((spec.decided_on, 1, spec.application.reference, 0), spec))
    for spec in studies:
        steps.append(((spec.decided_on, 1, spec.reference, 0), spec))
    for _key, step in sorted(steps, key=lambda pair: pair[0]):
        if isinstance(step, LedgerSpec):
            _book(step, context, report)
        elif isinstance(step, ProjectSpec):
            _replay_project(step, data, context, report)
        else:
            _replay_study(step, data, context, report)
    new_years = set(db.session.scalars(sa.select(DiaryCounter.year).where(
        DiaryCounter.series == "dnr"))) - years
    report.add("diary_counters", len(new_years))


def _book(spec: LedgerSpec, context: _Context, report: SeedReport) -> None:
    """Book a ledger row no decision books (the reservation, older matters, spending)."""
    programme = context.programme
    if _find(EnvelopeEntry, programme_id=programme.id, booked_on=spec.booked_on,
             kind=spec.kind, amount_sek=spec.amount_sek, description=spec.description):
        return
    project = _find(Project, title=spec.project) if spec.project else None
    if spec.project and project is None:
        raise ValueError(f"{spec.where}: the project {spec.project!r} is not decided by "
                         f"{spec.booked_on.isoformat()}")
    ledger.book(programme.id, spec.kind, spec.amount_sek, spec.booked_on, spec.description,
                project_id=project.id if project else None, recorded_at=_at(spec.booked_on))
    report.add("ledger_entries")


def _replay_project(spec: ProjectSpec, data: PortfolioData, context: _Context,
                    report: SeedReport) -> None:
    """Decide a funded project's application through the decision service on its day, then
    give the project it created the state the file records for it."""
    decider = context.users[data.holder(Role.DECISION_MAKER, spec.decided_by).email]
    application = _insert_application(spec.application, data, context, report,
                                      until_decision=True)
    if application.state is not ApplicationState.AWAITING_DECISION:
        return
    programme = context.programme
    with clock.standing_at(_at(spec.decided_on)):
        try:
            rule = routing.route(programme, spec.granted_sek, spec.decided_on)
            decision = decisions.decide(application, {
                "outcome": DecisionOutcome.APPROVED.value, "amount_sek": spec.granted_sek,
                "decision_text": _decision_text(spec, programme, application, rule),
                "conditions": CONDITIONS,
            }, decider)
        except DomainError as refused:
            raise ValueError(f"{spec.where}: {refused.detail}") from None
    report.add("decisions")
    report.add("application_events")
    report.add("ledger_entries")
    project = decisions.project_for(application)
    project.organisation_id = context.organisations[spec.organisation].id
    project.is_enabling = spec.is_enabling
    project.state = spec.state
    project.project_manager_id = _user_id(context, spec.project_manager)
    project.baseline_start_on = spec.baseline_start_on
    project.baseline_end_on = spec.baseline_end_on
    project.go_live_on = spec.go_live_on
    project.closed_on = spec.closed_on
    project.created_at = decision.created_at
    db.session.flush()
    report.add("projects")


def _decision_text(spec: ProjectSpec, programme, application, rule) -> str:
    return (f"{spec.title}: {format_sek(spec.granted_sek)} beviljas ur {programme.name} för "
            f"genomförande enligt ansökan {application.reference}. Beslutet fattas av "
            f"{rule.authority_name.lower()} med stöd av delegation ({rule.source}).")


def latest_notice_id() -> int:
    """The newest notice so far (0 for none), to mark what the replay adds after it as read."""
    return db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0


def mark_history_read(after_id: int) -> None:
    """The replay's notices are history its readers saw at the time, not news on the demo day."""
    db.session.execute(sa.update(Notification).where(Notification.id > after_id,
                                                     Notification.read_at.is_(None))
                       .values(read_at=Notification.created_at))

