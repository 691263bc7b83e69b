"""The projects' read side: the project page, the reports queue and the compilation."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.accounts.models import Area, Organisation
from app.core import clock, periods
from app.core.enums import ProjectState, RagStatus, ReportState
from app.core.permissions import can_view_portfolio
from app.extensions import db
from app.followup import rules as adherence
from app.programmes.models import Programme

from . import queries
from .models import Project, StatusReport
from .permissions import visible_project_ids, visible_projects
from .services import (
    effective_versions,
    latest_of,
    project_programme,
    reporting_calendar,
)

# ---- the project page and the queue ---------------------------------------------------------

@dataclass(frozen=True)
class BurnRow:
    """Cost reported for one period: to date, in the period, and as a share of the grant."""

    report: StatusReport
    spent_in_period_sek: int
    share_of_granted: float | None


@dataclass(frozen=True)
class PeriodRow:
    """A started reporting period with its current report, an open draft, or neither."""

    period: periods.ReportingPeriod
    report: StatusReport | None
    draft: StatusReport | None
    is_overdue: bool


@dataclass(frozen=True)
class ProjectOverview:
    """Everything the project page shows, computed from decisions, the ledger and reports."""

    project: Project
    granted_sek: int
    committed_sek: int
    latest: StatusReport | None
    kept_budget: bool | None
    kept_schedule: bool | None
    burn: list[BurnRow]
    periods: list[PeriodRow]
    versions: list[StatusReport]
    next_period: periods.ReportingPeriod | None
    today: date

    @property
    def actual_cost_sek(self) -> int | None:
        return self.latest.actual_cost_to_date_sek if self.latest else None

    @property
    def forecast_cost_sek(self) -> int | None:
        return self.latest.forecast_cost_sek if self.latest else None

    @property
    def forecast_end_on(self) -> date | None:
        return self.latest.forecast_end_on if self.latest else None


def _burn(history: list[StatusReport], granted: int) -> list[BurnRow]:
    rows, previous = [], 0
    for report in history:
        actual = report.actual_cost_to_date_sek or 0
        rows.append(BurnRow(report, actual - previous, actual / granted if granted else None))
        previous = actual
    return rows


def _period_rows(calendar, versions, today: date) -> list[PeriodRow]:
    current = effective_versions(versions)
    drafts = {r.period_number: r for r in versions if r.state == ReportState.DRAFT}
    return [PeriodRow(p, current.get(p.number), drafts.get(p.number),
                      p.number not in current and p.due_on < today)
            for p in calendar if p.starts_on <= today]


def _adherence(project: Project, latest: StatusReport | None, granted: int,
               tolerance_days: int) -> tuple[bool | None, bool | None]:
    """Ask the pure adherence rules about the latest report (budget and schedule kept)."""
    if latest is None or latest.actual_cost_to_date_sek is None:
        return None, None
    facts = adherence.ProjectFacts(
        project_id=project.id, area="", organisation_id=project.organisation_id,
        granted_sek=granted, baseline_end_on=project.baseline_end_on,
        reports=(adherence.ReportFacts(
            submitted_on=latest.submitted_at.date(), actual_cost_sek=latest.actual_cost_to_date_sek,
            forecast_cost_sek=latest.forecast_cost_sek or latest.actual_cost_to_date_sek,
            forecast_end_on=latest.forecast_end_on or project.baseline_end_on,
            actual_end_on=project.closed_on),))
    on = latest.submitted_at.date()
    return adherence.kept_budget(facts, on), adherence.kept_schedule(facts, on, tolerance_days)


def project_overview(project: Project, today: date | None = None) -> ProjectOverview:
    """Compute the project page: money, adherence, cost burn, periods and versions."""
    today = today or clock.today()
    programme = project_programme(project)
    versions = queries.versions_on([project.id], today)[project.id]
    history = [r for _n, r in sorted(effective_versions(versions).items())]
    latest = latest_of(versions)
    granted, committed = queries.money_on(project.id, today)
    calendar = reporting_calendar(project, programme.report_due_after_days,
                                  latest.forecast_end_on if latest else None, today,
                                  programme.six_weekly_period_days)
    rows = _period_rows(calendar, versions, today)
    kept_budget, kept_schedule = _adherence(project, latest, granted,
                                            programme.schedule_tolerance_days)
    unreported = [row.period for row in rows if row.report is None]
    return ProjectOverview(
        project=project, granted_sek=granted, committed_sek=committed,
        latest=latest, kept_budget=kept_budget, kept_schedule=kept_schedule,
        burn=_burn(history, granted), periods=rows, versions=versions,
        next_period=unreported[0] if unreported and project.state == ProjectState.ACTIVE
        else None, today=today)


@dataclass(frozen=True)
class ReportsDue:
    """A project's periods waiting for a submitted report, oldest first."""

    project: Project
    periods: tuple[periods.ReportingPeriod, ...]
    drafts: dict
    today: date

    @property
    def overdue(self) -> list[periods.ReportingPeriod]:
        return [p for p in self.periods if p.due_on < self.today]


@dataclass(frozen=True)
class ReportQueue:
    """What waits: reports submitted lately, completion asked for, and reports not yet in."""

    submitted: list[StatusReport]
    completion_requested: list[StatusReport]
    due: list[ReportsDue]
    since: date


def reports_due(projects, today: date, overdue_only: bool = False) -> list[ReportsDue]:
    """Find ended (or drafted) periods without a submitted report; optionally only overdue."""
    projects = list(projects)
    if not projects:
        return []
    ids = [p.id for p in projects]
    by_project = queries.versions_on(ids, today)
    due_days = dict(db.session.execute(sa.select(Programme.id, Programme.report_due_after_days)
                                       .where(Programme.id.in_({p.programme_id
                                                                for p in projects}))).all())
    result = []
    for project in projects:
        versions = by_project[project.id]
        latest = latest_of(versions)
        calendar = reporting_calendar(project, due_days[project.programme_id],
                                      latest.forecast_end_on if latest else None, today)
        rows = [row for row in _period_rows(calendar, versions, today)
                if row.report is None and (row.period.ends_on < today or row.draft)]
        if overdue_only:
            rows = [row for row in rows if row.is_overdue]
        if rows:
            result.append(ReportsDue(project, tuple(row.period for row in rows),
                                     {row.period.number: row.draft for row in rows if row.draft},
                                     today))
    return sorted(result, key=lambda item: (item.periods[0].due_on, item.project.title))


def report_queue(user, today: date | None = None, programme_id: int | None = None
                 ) -> ReportQueue:
    """Build the reports queue: the portfolio for programme roles, else one's organisation.

    "Submitted" means submitted in the last six weeks (one reporting cycle); the programme's
    roles see overdue periods across the portfolio, an organisation every ended period of its
    own not yet in.
    """
    today = today or clock.today()
    since = today - timedelta(days=periods.SIX_WEEKS_DAYS)
    portfolio = can_view_portfolio(user, programme_id)
    scope = visible_projects(user, programme_id=programme_id).where(
        Project.state == ProjectState.ACTIVE)
    projects = list(db.session.scalars(scope))
    project_ids = visible_project_ids(user, programme_id=programme_id)
    current = queries.newest_versions(project_ids, today)
    return ReportQueue(
        submitted=[r for r in queries.newest_versions(project_ids, today, submitted_from=since)
                   if r.state == ReportState.SUBMITTED],
        completion_requested=[r for r in current if r.state == ReportState.COMPLETION_REQUESTED],
        due=reports_due(projects, today, overdue_only=portfolio),
        since=since)


def filter_choices() -> tuple[list[Organisation], list[Area]]:
    """Organisations and areas that have projects, for the list's filters."""
    organisations = list(db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(sa.select(Project.organisation_id)))
        .order_by(Organisation.name)))
    areas = list(db.session.scalars(
        sa.select(Area).where(Area.id.in_(sa.select(Project.area_id))).order_by(Area.name)))
    return organisations, areas


# ---- the council's project compilation ("Sammanställning av e-projekt") ---------------------

def compilation_rows(user, *, organisation_id: int | None = None,
                     state: ProjectState | None = None, area_id: int | None = None,
                     today: date | None = None, programme_id: int | None = None) -> list:
    """Every project `user` may see as it stood on `today`: decisions, grant, spending, status."""
    from reports.project_compilation import CompilationRow

    on = today or clock.today()
    ids = visible_project_ids(user, organisation_id=organisation_id, area_id=area_id, state=state,
                              on=on, programme_id=programme_id)
    projects = queries.project_rows(ids, on, order_by_organisation=True)
    references = queries.decision_references([p.application_id for p in projects], on)
    return [CompilationRow(
        project_id=project.project_id, title=project.title, organisation=project.organisation,
        area=project.area,
        decision_references=tuple(references.get(project.application_id, ())),
        granted_sek=int(project.granted_sek),
        spent_sek=project.actual_cost_to_date_sek,
        status=RagStatus(project.overall_status).value if project.overall_status else None,
        state=project.state, baseline_start_on=project.baseline_start_on,
        baseline_end_on=project.baseline_end_on, go_live_on=project.go_live_on)
        for project in projects]
