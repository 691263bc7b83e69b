"""Adherence statistics: which funded projects keep their budget and schedule, at any date.

Pure: standard library only. Callers turn rows into the facts below; the figures are
always computed from the latest report on or before the date asked, never typed in.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, overload

SHARE_PLACES = Decimal("0.0001")
GROUP_KEYS = ("area", "organisation_id")

GroupKey = Literal["area", "organisation_id"]


@dataclass(frozen=True)
class ReportFacts:
    """What one submitted six-weekly (or final) report says about cost and end date."""

    submitted_on: date
    actual_cost_sek: int
    forecast_cost_sek: int
    forecast_end_on: date
    actual_end_on: date | None = None


@dataclass(frozen=True)
class ProjectFacts:
    """A funded project as adherence sees it; `granted_sek` sums all its decisions."""

    project_id: int
    area: str
    organisation_id: int
    granted_sek: int
    baseline_end_on: date
    reports: tuple[ReportFacts, ...] = ()


@dataclass(frozen=True)
class AdherenceFigures:
    """Count projects not keeping budget or schedule; shares are of `assessed`, None if 0."""

    projects: int
    assessed: int
    not_kept_budget: int
    not_kept_schedule: int
    not_kept_budget_share: Decimal | None
    not_kept_schedule_share: Decimal | None


def _check_tolerance(tolerance_days: int) -> None:
    """Refuse a negative tolerance: it would call on-time projects late."""
    if tolerance_days < 0:
        raise ValueError(f"tolerance_days must be 0 or more, got {tolerance_days}")


def latest_report_on(project: ProjectFacts, on: date) -> ReportFacts | None:
    """Return the latest report on or before `on`; a same-day correction, later in order, wins."""
    latest = None
    for report in project.reports:
        if report.submitted_on <= on and (
            latest is None or report.submitted_on >= latest.submitted_on
        ):
            latest = report
    return latest


def kept_budget(project: ProjectFacts, on: date) -> bool | None:
    """Tell whether forecast and actual cost stay within the grant; None without a report."""
    report = latest_report_on(project, on)
    if report is None:
        return None
    return not (
        report.actual_cost_sek > project.granted_sek
        or report.forecast_cost_sek > project.granted_sek
    )


def kept_schedule(project: ProjectFacts, on: date, tolerance_days: int = 0) -> bool | None:
    """Tell whether forecast and actual end keep baseline end + tolerance; None if unreported."""
    _check_tolerance(tolerance_days)
    report = latest_report_on(project, on)
    if report is None:
        return None
    end_dates = [report.forecast_end_on, report.actual_end_on]
    return not any(
        end_on is not None and (end_on - project.baseline_end_on).days > tolerance_days
        for end_on in end_dates
    )


def _share(count: int, assessed: int) -> Decimal | None:
    """Divide and round half up to 4 places, so 4 of 13 reads 0.3077."""
    if assessed == 0:
        return None
    return (Decimal(count) / Decimal(assessed)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def _figures(projects: Iterable[ProjectFacts], on: date, tolerance_days: int) -> AdherenceFigures:
    """Count one group of projects at `on`."""
    total = assessed = over_budget = late = 0
    for project in projects:
        total += 1
        budget = kept_budget(project, on)
        if budget is None:
            continue
        assessed += 1
        if not budget:
            over_budget += 1
        if not kept_schedule(project, on, tolerance_days):
            late += 1
    return AdherenceFigures(
        projects=total,
        assessed=assessed,
        not_kept_budget=over_budget,
        not_kept_schedule=late,
        not_kept_budget_share=_share(over_budget, assessed),
        not_kept_schedule_share=_share(late, assessed),
    )


@overload
def adherence(
    projects: Iterable[ProjectFacts], on: date, tolerance_days: int = 0, group_by: None = None
) -> AdherenceFigures: ...


@overload
def adherence(
    projects: Iterable[ProjectFacts], on: date, tolerance_days: int, group_by: GroupKey
) -> dict[Hashable, AdherenceFigures]: ...


@overload
def adherence(
    projects: Iterable[ProjectFacts], on: date, tolerance_days: int = 0, *, group_by: GroupKey
) -> dict[Hashable, AdherenceFigures]: ...


def adherence(
    projects: Iterable[ProjectFacts],
    on: date,
    tolerance_days: int = 0,
    group_by: GroupKey | None = None,
) -> AdherenceFigures | dict[Hashable, AdherenceFigures]:
    """Compute not-kept budget and schedule shares at `on`: the portfolio, or group -> figures."""
    _check_tolerance(tolerance_days)
    if group_by is None:
        return _figures(projects, on, tolerance_days)
    if group_by not in GROUP_KEYS:
        raise ValueError(
            f"group_by must be one of {', '.join(GROUP_KEYS)} or None, got {group_by!r}"
        )
    groups: dict[Hashable, list[ProjectFacts]] = {}
    for project in projects:
        groups.setdefault(getattr(project, group_by), []).append(project)
    return {key: _figures(members, on, tolerance_days) for key, members in groups.items()}
