"""Adherence facts at a list of dates in one query: per date and project, grant and report.

A dates table (one row per date with the UTC end of its Stockholm day) is joined to the
projects decided by each date and, per date and project, to the newest period's highest version
submitted by it (`projects.queries.latest_report_id`). The pure rules then count.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.accounts.models import Area
from app.applications.models import Decision
from app.core.asof import day_ends_at, local_day_reader
from app.core.enums import DecisionKind, DecisionOutcome, TertialReportState
from app.core.models import AwareDateTime
from app.extensions import db
from app.projects import queries as project_queries
from app.projects.models import Project, StatusReport

from . import rules
from .models import TertialReport


def _typed(value, type_):
    """A bound value PostgreSQL can type inside a UNION (SQLite's CAST would make it a number)."""
    literal = sa.literal(value, type_)
    return literal if db.session.get_bind().dialect.name == "sqlite" else sa.cast(literal, type_)


def _dates(dates: Iterable[date]) -> sa.CTE:
    selects = [sa.select(_typed(on, sa.Date()).label("on"),
                         _typed(day_ends_at(on), AwareDateTime()).label("ends_at"))
               for on in sorted(set(dates))]
    return (selects[0] if len(selects) == 1 else sa.union_all(*selects)).cte("dates")


def facts_at(programme_id: int, dates: Iterable[date], *, area_id: int | None = None,
             organisation_id: int | None = None, project_ids: sa.Select | None = None
             ) -> dict[date, list[rules.ProjectFacts]]:
    """Every project's adherence facts at each date (only projects decided by it); one query."""
    dates = sorted(set(dates))
    if not dates:
        return {}
    days = _dates(dates)
    signed = sa.case(
        (Decision.kind.in_([DecisionKind.REDUCTION, DecisionKind.REVOCATION]),
         -Decision.amount_sek),
        (Decision.outcome == DecisionOutcome.REJECTED, 0),
        else_=Decision.amount_sek)
    granted = (sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
               .where(Decision.application_id == Project.application_id,
                      Decision.decided_on <= days.c.on).scalar_subquery())
    latest = aliased(StatusReport, name="latest")
    latest_id = project_queries.latest_report_id(
        Project.id, days.c.ends_at, where=(StatusReport.actual_cost_to_date_sek.is_not(None),))
    query = (
        sa.select(days.c.on, Project.id, Area.name, Project.organisation_id,
                  Project.baseline_end_on,
                  sa.case((Project.closed_on <= days.c.on, Project.closed_on),
                          else_=sa.null()).label("closed_on"),
                  granted.label("granted_sek"), latest.submitted_at, latest.period_number,
                  latest.version, latest.actual_cost_to_date_sek, latest.forecast_cost_sek,
                  latest.forecast_end_on)
        .select_from(days)
        .join(Project, sa.and_(Project.programme_id == programme_id,
                               sa.or_(Project.decided_on <= days.c.on,
                                      sa.and_(Project.decided_on.is_(None),
                                              Project.created_at < days.c.ends_at))))
        .outerjoin(Area, Area.id == Project.area_id)
        .outerjoin(latest, latest.id == latest_id)
        .order_by(days.c.on, Project.title, Project.id)
    )
    if area_id is not None:
        query = query.where(Project.area_id == area_id)
    if organisation_id is not None:
        query = query.where(Project.organisation_id == organisation_id)
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids))
    result: dict[date, list[rules.ProjectFacts]] = {on: [] for on in dates}
    local_day_of = local_day_reader()
    # Rows are unpacked by position: reading 13 columns of 6 000 rows by name cost more than
    # the query at national scale.
    for (day, project_id, area, organisation_id, baseline_end_on, closed_on, granted_sek,
         submitted_at, period_number, version, actual_cost_sek, forecast_cost_sek,
         forecast_end_on) in db.session.execute(query):
        on = day if isinstance(day, date) else date.fromisoformat(str(day))
        reports = ()
        if submitted_at is not None:
            reports = (rules.ReportFacts(
                submitted_on=local_day_of(submitted_at), actual_cost_sek=actual_cost_sek,
                forecast_cost_sek=(forecast_cost_sek if forecast_cost_sek is not None
                                   else actual_cost_sek),
                forecast_end_on=forecast_end_on or baseline_end_on, actual_end_on=closed_on,
                period_number=period_number, version=version),)
        result[on].append(rules.ProjectFacts(
            project_id=project_id, area=area or "", organisation_id=organisation_id,
            granted_sek=max(int(granted_sek), 0), baseline_end_on=baseline_end_on,
            reports=reports))
    return result


def presented_adherence(programme_id: int, dates: Iterable[date], tolerance_days: int
                        ) -> dict[date, rules.AdherenceFigures]:
    """The adherence the presented tertial reports froze at those of `dates` that are their
    period ends (counted with the same schedule tolerance), read from the figures stored with
    each snapshot when it was written.

    A snapshot holds exactly what existed at its period end, so its figures are the as-of
    figures of that day; reading them spares counting every report ever submitted again.
    """
    query = (sa.select(TertialReport.as_of, TertialReport.frozen_adherence)
             .where(TertialReport.programme_id == programme_id,
                    TertialReport.state == TertialReportState.PRESENTED,
                    TertialReport.frozen_adherence.is_not(None),
                    TertialReport.as_of.in_(sorted(set(dates)))))
    found = {}
    for as_of, figures in db.session.execute(query):
        tolerance = figures.get("schedule_tolerance_days")
        if tolerance is None or int(tolerance) != tolerance_days:
            continue
        found[as_of] = rules.AdherenceFigures(
            projects=figures["projects"], assessed=figures["assessed"],
            not_kept_budget=figures["not_kept_budget"],
            not_kept_schedule=figures["not_kept_schedule"],
            not_kept_budget_share=_share(figures["not_kept_budget_share"]),
            not_kept_schedule_share=_share(figures["not_kept_schedule_share"]))
    return found


def _share(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
