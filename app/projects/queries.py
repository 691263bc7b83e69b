"""Projects as of a date: which exist, their state, grant, spending and latest report, by SQL.

A project exists on D from its first approving decision (decided on <= D); a project with no
decision on record (imported) from the day it was created. It is closed on D when its closing
day is on or before D. Its grant on D is the net of the decisions dated on or before D, its
spending the ledger's spending booked by D, and its report on D the highest version of the
newest period submitted by D (the first submitted version walking the project's versions
backwards, only the columns needed).
"""

from datetime import date

import sqlalchemy as sa

from app.accounts.models import Area, Organisation
from app.applications.models import Decision
from app.core.asof import counts_from, counts_on
from app.core.enums import (
    DecisionKind,
    DecisionOutcome,
    LedgerEntryKind,
    ProjectState,
    ReportState,
)
from app.extensions import db
from app.programmes.models import EnvelopeEntry

from .models import GateDecision, ProgrammePhase, Project, StatusReport

SUBMITTED_STATES = (ReportState.SUBMITTED, ReportState.COMPLETION_REQUESTED)


def exists_on(on: date):
    """The condition: the project had been decided (or, with no decision on record, created)
    by `on`; the first approving decision's day is kept on the project (`Project.decided_on`)."""
    return sa.or_(counts_on(Project.decided_on, on),
                  sa.and_(Project.decided_on.is_(None), counts_on(Project.created_at, on)))


def decided_on_column():
    """The day of the project's first approving decision."""
    return Project.decided_on


def state_on(on: date):
    """The project's state on `on`: closed from its closing day, active before it."""
    return sa.case((sa.and_(Project.closed_on.is_not(None), counts_on(Project.closed_on, on)),
                    sa.literal(ProjectState.CLOSED.value)),
                   else_=sa.literal(ProjectState.ACTIVE.value))


def closed_on_filter(on: date, state: ProjectState | None):
    """The condition for a state filter as of `on` (None: no condition)."""
    if state is None:
        return sa.true()
    closed = sa.and_(Project.closed_on.is_not(None), counts_on(Project.closed_on, on))
    return closed if state == ProjectState.CLOSED else sa.not_(closed)


def go_live_on_column(on: date):
    """The go-live day if it had come by `on`, else NULL."""
    return sa.case((counts_on(Project.go_live_on, on), Project.go_live_on), else_=sa.null())


def granted_column(on: date):
    """Net granted SEK on `on`: approvals and supplements less reductions and revocations, >= 0."""
    signed = sa.case(
        (Decision.kind.in_([DecisionKind.REDUCTION, DecisionKind.REVOCATION]),
         -Decision.amount_sek),
        (Decision.outcome == DecisionOutcome.REJECTED, 0),
        else_=Decision.amount_sek)
    total = (sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
             .where(Decision.application_id == Project.application_id,
                    counts_on(Decision.decided_on, on))
             .scalar_subquery())
    return sa.case((total < 0, 0), else_=total)


def booked_spending_column(on: date):
    """Spending booked on the envelope for the project by `on`."""
    return (sa.select(sa.func.coalesce(sa.func.sum(EnvelopeEntry.amount_sek), 0))
            .where(EnvelopeEntry.project_id == Project.id,
                   EnvelopeEntry.kind == LedgerEntryKind.SPENDING,
                   counts_on(EnvelopeEntry.booked_on, on))
            .scalar_subquery())


def committed_column(on: date):
    """Net money committed to the project on the envelope by `on` (commitments less releases)."""
    signed = sa.case((EnvelopeEntry.kind == LedgerEntryKind.RELEASE, -EnvelopeEntry.amount_sek),
                     else_=EnvelopeEntry.amount_sek)
    return (sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
            .where(EnvelopeEntry.project_id == Project.id,
                   EnvelopeEntry.kind.in_([LedgerEntryKind.COMMITMENT, LedgerEntryKind.RELEASE]),
                   counts_on(EnvelopeEntry.booked_on, on))
            .scalar_subquery())


def money_on(project_id: int, on: date) -> tuple[int, int]:
    """The project's net grant and net commitment on `on`, in one statement."""
    granted, committed = db.session.execute(
        sa.select(granted_column(on), committed_column(on)).where(Project.id == project_id)).one()
    return int(granted), int(committed)


def granted_by_project(project_ids, on: date) -> dict[int, int]:
    """Net granted SEK per project on `on`; one query."""
    query = sa.select(Project.id, granted_column(on)).where(Project.id.in_(project_ids))
    return {project_id: int(granted) for project_id, granted in db.session.execute(query)}


def decision_references(application_ids, on: date) -> dict[int, list[str]]:
    """The diary numbers of each application's decisions dated by `on`, oldest first."""
    ids = [i for i in application_ids if i is not None]
    if not ids:
        return {}
    query = (sa.select(Decision.application_id, Decision.diary_number)
             .where(Decision.application_id.in_(ids), counts_on(Decision.decided_on, on))
             .order_by(Decision.decided_on, Decision.id))
    references: dict[int, list[str]] = {}
    for application_id, number in db.session.execute(query):
        references.setdefault(application_id, []).append(number)
    return references


REPORT_FIELDS = ("project_id", "period_number", "version", "period_starts_on", "period_ends_on",
                 "submitted_at", "overall_status", "cost_status", "schedule_status",
                 "scope_status", "benefit_status", "actual_cost_to_date_sek",
                 "forecast_cost_sek", "forecast_end_on")


def _report_columns(extra=()):
    return [getattr(StatusReport, name) for name in REPORT_FIELDS] + list(extra)


def latest_report_id(project_id, ends: sa.ColumnElement | None = None, *, on: date | None = None,
                     where=()) -> sa.ScalarSelect:
    """The id of the newest period's highest version submitted by `on` (or before the moment
    `ends`) of the project `project_id` (a column of the enclosing query); a correlated subquery.

    Walking the (project, period, version) key backwards from the newest version stops at the
    first submitted one: thousands of short index probes, where ranking every version of every
    project (ROW_NUMBER) sorted the whole table.
    """
    submitted_by = (_submitted_by(StatusReport, on) if ends is None
                    else sa.and_(StatusReport.state.in_(SUBMITTED_STATES),
                                 StatusReport.submitted_at < ends))
    return (sa.select(StatusReport.id)
            .where(StatusReport.project_id == project_id, submitted_by, *where)
            .order_by(StatusReport.period_number.desc(), StatusReport.version.desc())
            .limit(1).scalar_subquery())


def latest_reports(project_ids, on: date, extra=()) -> sa.Subquery:
    """Per project of `project_ids`, the newest period's highest version submitted by `on`."""
    owners = sa.select(Project.id.label("owner_id"),
                       latest_report_id(Project.id, on=on).label("report_id")
                       ).where(Project.id.in_(project_ids)).subquery("owners")
    return (sa.select(*_report_columns(extra))
            .join(owners, owners.c.report_id == StatusReport.id)
            .subquery("latest_report"))


def latest_report_rows(project_ids, on: date, extra=()) -> dict[int, sa.Row]:
    """The latest submitted report per project on `on`, as plain rows by project id."""
    latest = latest_reports(project_ids, on, extra)
    return {row.project_id: row for row in db.session.execute(sa.select(latest))}


def _submitted_by(report, on: date):
    """The condition: the report version had been submitted by `on`."""
    return sa.and_(report.state.in_(SUBMITTED_STATES), report.submitted_at.is_not(None),
                   counts_on(report.submitted_at, on))


def _report_field(name: str):
    """A report column by name; the red/amber/green ones as their stored text, since a chart
    over thousands of periods spent more time making enum members than reading rows."""
    column = getattr(StatusReport, name)
    return sa.type_coerce(column, sa.String).label(name) if name.endswith("_status") else column


def current_versions(project_ids, on: date, *, period_ends_from: date | None = None,
                     fields: tuple[str, ...] = REPORT_FIELDS) -> list[sa.Row]:
    """Every reported period's highest version submitted by `on`, oldest period first; with
    `period_ends_from`, only the periods that ended on or after that day; only the report
    `fields` asked (project_id and period_number among them; statuses as text)."""
    ranked = sa.select(
        *(_report_field(name) for name in fields),
        sa.func.row_number().over(
            partition_by=(StatusReport.project_id, StatusReport.period_number),
            order_by=StatusReport.version.desc()).label("rank"),
    ).where(StatusReport.project_id.in_(project_ids), _submitted_by(StatusReport, on),
            sa.true() if period_ends_from is None
            else StatusReport.period_ends_on >= period_ends_from).subquery("ranked")
    query = (sa.select(*(ranked.c[name] for name in fields)).where(ranked.c.rank == 1)
             .order_by(ranked.c.project_id, ranked.c.period_number))
    return list(db.session.execute(query))


def _existed_on(on: date):
    """A version existed on `on` when it was submitted by then, or is a draft opened by then."""
    return sa.or_(
        sa.and_(StatusReport.submitted_at.is_not(None), counts_on(StatusReport.submitted_at, on)),
        sa.and_(StatusReport.submitted_at.is_(None), counts_on(StatusReport.created_at, on)))


def versions_on(project_ids, on: date) -> dict[int, list[StatusReport]]:
    """Every report version of the projects as it stood on `on`, by period and version."""
    found: dict[int, list[StatusReport]] = {project_id: [] for project_id in project_ids}
    query = (sa.select(StatusReport)
             .where(StatusReport.project_id.in_(project_ids), _existed_on(on))
             .order_by(StatusReport.project_id, StatusReport.period_number, StatusReport.version))
    for report in db.session.scalars(query):
        found[report.project_id].append(report)
    return found


def newest_versions(project_ids, on: date, *, submitted_from: date | None = None
                    ) -> list[StatusReport]:
    """Each reported period's highest version submitted by `on`, newest submission first.

    `submitted_from` keeps only those submitted on or after that day (the queue's "lately").
    """
    ranked = sa.select(
        StatusReport.id,
        sa.func.row_number().over(
            partition_by=(StatusReport.project_id, StatusReport.period_number),
            order_by=StatusReport.version.desc()).label("rank"),
    ).where(StatusReport.project_id.in_(project_ids),
            StatusReport.state.in_(SUBMITTED_STATES),
            StatusReport.submitted_at.is_not(None),
            counts_on(StatusReport.submitted_at, on)).subquery("ranked")
    query = (sa.select(StatusReport).join(ranked, ranked.c.id == StatusReport.id)
             .where(ranked.c.rank == 1)
             .order_by(StatusReport.submitted_at.desc(), StatusReport.id.desc()))
    if submitted_from is not None:
        query = query.where(counts_from(StatusReport.submitted_at, submitted_from))
    return list(db.session.scalars(query))


def project_rows(project_ids, on: date, *, order_by_organisation: bool = False) -> list[sa.Row]:
    """The projects existing on `on` with names, state, grant and latest report; one query."""
    ids = (project_ids if isinstance(project_ids, sa.Select)
           else sa.select(Project.id).where(Project.id.in_(list(project_ids))))
    latest = latest_reports(ids, on)
    query = (
        sa.select(Project.id.label("project_id"), Project.title, Project.programme_id,
                  Project.application_id, Project.organisation_id,
                  Organisation.name.label("organisation"), Project.area_id,
                  Area.name.label("area"), state_on(on).label("state"),
                  Project.baseline_start_on, Project.baseline_end_on,
                  go_live_on_column(on).label("go_live_on"),
                  sa.case((counts_on(Project.closed_on, on), Project.closed_on),
                          else_=sa.null()).label("closed_on"),
                  granted_column(on).label("granted_sek"),
                  booked_spending_column(on).label("booked_spent_sek"),
                  latest.c.period_number, latest.c.submitted_at,
                  latest.c.actual_cost_to_date_sek, latest.c.forecast_cost_sek,
                  latest.c.forecast_end_on, latest.c.overall_status, latest.c.cost_status,
                  latest.c.schedule_status)
        .join(Organisation, Organisation.id == Project.organisation_id)
        .outerjoin(Area, Area.id == Project.area_id)
        .outerjoin(latest, latest.c.project_id == Project.id)
        .where(Project.id.in_(ids), exists_on(on))
    )
    order = ((Organisation.name, Project.title, Project.id) if order_by_organisation
             else (Project.title, Project.id))
    return list(db.session.execute(query.order_by(*order)))


def existing_ids(programme_id: int, on: date, *, area_id: int | None = None,
                 organisation_id: int | None = None,
                 state: ProjectState | None = None) -> sa.Select:
    """The ids of the programme's projects existing on `on`, filtered (a subquery for IN)."""
    query = sa.select(Project.id).where(Project.programme_id == programme_id, exists_on(on),
                                        closed_on_filter(on, state))
    if area_id is not None:
        query = query.where(Project.area_id == area_id)
    if organisation_id is not None:
        query = query.where(Project.organisation_id == organisation_id)
    return query



def phase_name_column(on: date):
    """The name of the project's phase on `on`: the furthest phase its gate decisions dated by
    then reached (NULL before the first gate); a correlated subquery."""
    return (sa.select(ProgrammePhase.name)
            .join(GateDecision, GateDecision.phase_id == ProgrammePhase.id)
            .where(GateDecision.project_id == Project.id, counts_on(GateDecision.decided_on, on))
            .order_by(ProgrammePhase.position.desc(), GateDecision.decided_on.desc(),
                      GateDecision.id.desc())
            .limit(1).scalar_subquery())


def phases_by_project(project_ids, on: date) -> dict[int, sa.Row]:
    """Each project's phase on `on` as (project_id, phase_id, key, name, position); one query."""
    ranked = sa.select(
        GateDecision.project_id, ProgrammePhase.id.label("phase_id"), ProgrammePhase.key,
        ProgrammePhase.name, ProgrammePhase.position,
        sa.func.row_number().over(
            partition_by=GateDecision.project_id,
            order_by=(ProgrammePhase.position.desc(), GateDecision.decided_on.desc(),
                      GateDecision.id.desc())).label("rank"),
    ).join(ProgrammePhase, ProgrammePhase.id == GateDecision.phase_id).where(
        GateDecision.project_id.in_(project_ids),
        counts_on(GateDecision.decided_on, on)).subquery("ranked_phases")
    query = sa.select(ranked).where(ranked.c.rank == 1)
    return {row.project_id: row for row in db.session.execute(query)}
