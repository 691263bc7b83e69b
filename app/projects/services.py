"""Funded projects: the shared ground of the report, closing, follow-up and overview modules.

A project's status reports, every version kept: a submitted report is frozen and a
correction is a new version pointing back to it (`supersedes_id`); the current version of a
period is its highest frozen one. Also the project's programme, a row lock, and the money
its decisions grant and commit. Writing reports is `reports.py`, go-live and closing
`closing.py`, the one-year follow-up `followup_tasks.py`, the read side `overview.py`.

Calendar: the baseline's 42-day grid never moves once reported; a project running late keeps
reporting in further whole periods after its baseline end. A period opens on its first day
and stays open until it is reported, so an overdue report can still be written; a period
that has not started, or a closed project, is refused (409).
"""

import dataclasses
from datetime import date, timedelta

import sqlalchemy as sa

from app.applications import decisions as application_decisions
from app.applications.models import Application, Decision
from app.core import clock, periods
from app.core.enums import ReportState
from app.extensions import db
from app.programmes.models import Programme

from . import queries
from .models import Project, StatusReport

FROZEN_STATES = frozenset({ReportState.SUBMITTED, ReportState.COMPLETION_REQUESTED})


# ---- finding reports ----------------------------------------------------------------------------

def lock_project(project: Project) -> Project:
    return db.session.get(Project, project.id, with_for_update=True, populate_existing=True)


def project_programme(project: Project) -> Programme:
    return db.session.get(Programme, project.programme_id)


def report_versions(project: Project) -> list[StatusReport]:
    """Every report of the project, every version, by period and version."""
    return list(db.session.scalars(
        sa.select(StatusReport).where(StatusReport.project_id == project.id)
        .order_by(StatusReport.period_number, StatusReport.version)))


def effective_versions(reports) -> dict[int, StatusReport]:
    """The current submitted version of each period: its highest frozen version."""
    current: dict[int, StatusReport] = {}
    for report in reports:
        if report.state in FROZEN_STATES:
            best = current.get(report.period_number)
            if best is None or report.version > best.version:
                current[report.period_number] = report
    return current


def status_history(project: Project) -> list[StatusReport]:
    """List the current submitted version of each reported period, oldest period first."""
    current = effective_versions(report_versions(project))
    return [current[number] for number in sorted(current)]


def latest_report(project: Project, on: date | None = None) -> StatusReport | None:
    """Return the newest period's current version as it stood on `on` (default today)."""
    on = on or clock.today()
    return latest_of(queries.versions_on([project.id], on)[project.id])


def latest_of(versions) -> StatusReport | None:
    """Pick the newest period's highest submitted version among versions already as of a date."""
    submitted = [r for r in versions if r.state in FROZEN_STATES]
    return max(submitted, key=lambda r: (r.period_number, r.version)) if submitted else None


# ---- the reporting calendar -----------------------------------------------------------------

def _continue_until(project: Project, forecast_end_on: date | None, today: date) -> date:
    """The last day the project reports on: its closing day, or while it runs, today at least."""
    if project.closed_on is not None:
        return max(project.closed_on, project.baseline_start_on)
    return max(project.baseline_end_on, forecast_end_on or project.baseline_end_on, today)


def reporting_calendar(project: Project, due_after_days: int, forecast_end_on: date | None,
                       today: date, period_days: int = periods.SIX_WEEKS_DAYS
                       ) -> list[periods.ReportingPeriod]:
    """List the baseline's periods, then whole periods while the project runs late."""
    last_on = _continue_until(project, forecast_end_on, today)
    calendar = [p for p in periods.six_weekly_periods(
        project.baseline_start_on, project.baseline_end_on, due_after_days, period_days)
        if p.starts_on <= last_on]
    if last_on > project.baseline_end_on:
        extra_end = (last_on if project.closed_on is not None
                     else last_on + timedelta(days=period_days - 1))
        extra = periods.six_weekly_periods(project.baseline_end_on + timedelta(days=1),
                                           extra_end, due_after_days, period_days)
        calendar += [dataclasses.replace(p, number=len(calendar) + index + 1)
                     for index, p in enumerate(extra) if p.starts_on <= last_on]
    return calendar


def reporting_periods(project: Project, today: date | None = None
                      ) -> list[periods.ReportingPeriod]:
    """List the project's reporting periods with the programme's due days."""
    latest = latest_report(project, today)
    programme = project_programme(project)
    return reporting_calendar(project, programme.report_due_after_days,
                              latest.forecast_end_on if latest else None, today or clock.today(),
                              programme.six_weekly_period_days)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# ---- money ----------------------------------------------------------------------------------

def _application(project: Project) -> Application | None:
    if project.application_id is None:
        return None
    return db.session.get(Application, project.application_id)


def project_granted_sek(project: Project) -> int:
    """What the decisions grant the project, net of reductions; 0 without an application."""
    application = _application(project)
    return application_decisions.granted_sek(application) if application else 0


def project_commitment_sek(project: Project) -> int:
    return application_decisions.project_commitment_sek(project)


def project_decisions(project: Project) -> list[Decision]:
    application = _application(project)
    return list(application.decisions) if application else []
