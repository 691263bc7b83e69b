"""Adherence statistics: which funded projects keep their budget and schedule, at any date.

Pure: standard library only. Callers turn rows into the facts below; the figures are
always computed from the latest report on or before the date asked, never typed in.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, overload

SHARE_PLACES = Decimal("0.0001")
GROUP_KEYS = ("area", "organisation_id")

GroupKey = Literal["area", "organisation_id"]


@dataclass(frozen=True)
class ReportFacts:
    """What one submitted report version says about cost and end date.

    `period_number` and `version` order the versions as the project page does (0 when unknown,
    then the submission date decides).
    """

    submitted_on: date
    actual_cost_sek: int
    forecast_cost_sek: int
    forecast_end_on: date
    actual_end_on: date | None = None
    period_number: int = 0
    version: int = 0


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


def _recency(report: ReportFacts) -> tuple[int, int, date]:
    """Order reports as the project page does: newest period, then highest version, then date."""
    return (report.period_number, report.version, report.submitted_on)


def latest_report_on(project: ProjectFacts, on: date) -> ReportFacts | None:
    """Return the latest report on or before `on`; a same-day correction, later in order, wins."""
    latest = None
    for report in project.reports:
        if report.submitted_on <= on and (latest is None or _recency(report) >= _recency(latest)):
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


# ---- comparing two tertial report snapshots -------------------------------------------------

ENVELOPE_KEYS = ("reserved_sek", "committed_sek", "spent_sek", "left_sek")
ADHERENCE_KEYS = ("projects", "assessed", "not_kept_budget", "not_kept_schedule",
                  "not_kept_budget_share", "not_kept_schedule_share")
PROJECT_MONEY_KEYS = ("granted_sek", "spent_in_period_sek", "spent_to_date_sek", "forecast_sek")
PROJECT_STATUS_KEYS = ("overall_status", "cost_status", "schedule_status")


def _change(current, previous):
    """Subtract like for like: whole numbers, or share strings to 4 places; None if unknown."""
    if current is None or previous is None:
        return None
    if isinstance(current, str) or isinstance(previous, str):
        return str((Decimal(current) - Decimal(previous)).quantize(SHARE_PLACES))
    return current - previous


def _figure(key: str, current, previous) -> dict:
    return {"key": key, "current": current, "previous": previous,
            "change": _change(current, previous)}


def _project_change(current: Mapping | None, previous: Mapping | None) -> dict:
    """One project's figures now and then; a project only in one report is new or gone."""
    either = current or previous
    now, then = current or {}, previous or {}
    status = "continuing" if current and previous else ("new" if current else "gone")
    return {
        "project_id": either["project_id"],
        "title": either["title"],
        "organisation": either.get("organisation", ""),
        "presence": status,
        "figures": [_figure(key, now.get(key), then.get(key)) for key in PROJECT_MONEY_KEYS],
        "statuses": [{"key": key, "current": now.get(key), "previous": then.get(key),
                      "changed": bool(current and previous) and now.get(key) != then.get(key)}
                     for key in PROJECT_STATUS_KEYS],
    }


def compare_snapshots(current: Mapping, previous: Mapping | None) -> dict:
    """Set each key figure of a tertial report beside the previous report's, with the change."""
    previous = previous or {}
    now_envelope, then_envelope = current.get("envelope", {}), previous.get("envelope", {})
    now_adherence, then_adherence = current.get("adherence", {}), previous.get("adherence", {})
    then_projects = {row["project_id"]: row for row in previous.get("projects", [])}
    now_ids = {row["project_id"] for row in current.get("projects", [])}
    projects = [_project_change(row, then_projects.get(row["project_id"]))
                for row in current.get("projects", [])]
    projects += [_project_change(None, row) for project_id, row in then_projects.items()
                 if project_id not in now_ids]
    return {
        "current": {"year": current.get("year"), "tertial": current.get("tertial")},
        "previous": ({"year": previous.get("year"), "tertial": previous.get("tertial")}
                     if previous else None),
        "envelope": [_figure(key, now_envelope.get(key), then_envelope.get(key))
                     for key in ENVELOPE_KEYS],
        "adherence": [_figure(key, now_adherence.get(key), then_adherence.get(key))
                      for key in ADHERENCE_KEYS],
        "projects": projects,
    }
