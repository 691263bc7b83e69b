"""Read status_reports.yaml, carrying each report forward as the app does, and insert them."""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.core.enums import RagStatus, ReportState
from app.core.periods import ReportingPeriod
from app.projects import reports as project_reports
from app.projects import services as project_services
from app.projects.models import Project, StatusReport
from app.seed.fields import DEFAULT_DATA_DIR, _Fields, _read_yaml, _unique
from app.seed.portfolio import PortfolioData, ProjectSpec, UserSpec
from app.seed.rows import SeedReport, _at, _Context, _ensure, _find, _user_id

ASPECTS = project_reports.ASPECTS
REPORT_TEXTS = project_reports.TEXT_FIELDS
REPORT_KEYS = frozenset({
    "submitted_on", "actual_cost_sek", "forecast_cost_sek", "forecast_end_on", *ASPECTS,
    *(f"{aspect}_explanation" for aspect in ASPECTS), *REPORT_TEXTS,
})
FIRST_VERSION_KEYS = REPORT_KEYS | {"period", "completion_requested", "correction"}
PROJECT_REPORT_KEYS = frozenset({"project", "submitted_by", "reports_after_days", "unreported",
                                 "reports"})
DEFAULT_REPORT_AFTER_DAYS = 3


@dataclass(frozen=True)
class ReportSpec:
    """One version of a period's report: its field values and, for version 1, maybe no day yet."""

    period: int
    version: int
    values: dict
    submitted_on: date | None
    completion_comment: str
    where: str


@dataclass(frozen=True)
class ProjectReportsSpec:
    """A funded project's reports in period order; `unreported` periods are left missing."""

    project: str
    submitted_by: str | None
    reports_after_days: int
    unreported: frozenset[int]
    reports: tuple[ReportSpec, ...]
    where: str


@dataclass(frozen=True)
class StatusReportData:
    """The demo's status reports, all submitted on or before `as_of`."""

    as_of: date
    projects: tuple[ProjectReportsSpec, ...]


def _only_keys(item: _Fields, allowed: frozenset[str]) -> None:
    """Refuse a misspelt field instead of silently carrying the previous value forward."""
    unknown = sorted(set(item.keys()) - allowed)
    if unknown:
        raise item.error(f"unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(allowed))}")


def _first_values(project: ProjectSpec) -> dict:
    """What a project's first report starts from, as the app pre-fills it: the baseline."""
    values = {f"{aspect}_status": RagStatus.GREEN for aspect in ASPECTS}
    values.update({f"{aspect}_explanation": "" for aspect in ASPECTS})
    values.update({text: "" for text in REPORT_TEXTS})
    values.update(actual_cost_to_date_sek=None, forecast_cost_sek=project.granted_sek,
                  forecast_end_on=project.baseline_end_on)
    return values


def _report_values(item: _Fields, previous: dict, project: ProjectSpec, *,
                   cost_required: bool) -> dict:
    """Apply one report entry to the previous report's values, as the app's pre-fill does."""
    values, keys = dict(previous), set(item.keys())
    for aspect in ASPECTS:
        status_field, explanation_field = f"{aspect}_status", f"{aspect}_explanation"
        if aspect in keys:
            values[status_field] = item.choice(aspect, RagStatus)
            if values[status_field] is RagStatus.GREEN:
                values[explanation_field] = ""
        if explanation_field in keys:
            explanation = item.text(explanation_field, required=False) or ""
            if explanation and values[status_field] is RagStatus.GREEN:
                raise item.error(f"'{explanation_field}' is given, but '{aspect}' is green")
            values[explanation_field] = explanation
        if values[status_field] is not RagStatus.GREEN and not values[explanation_field]:
            raise item.error(
                f"'{aspect}' is {values[status_field].value}: the field '{explanation_field}' "
                "is missing (a status that is not green needs an explanation)")
    if cost_required or "actual_cost_sek" in keys:
        values["actual_cost_to_date_sek"] = item.whole("actual_cost_sek")
    if "forecast_cost_sek" in keys:
        values["forecast_cost_sek"] = item.whole("forecast_cost_sek")
    if "forecast_end_on" in keys:
        values["forecast_end_on"] = item.day("forecast_end_on")
    for text in REPORT_TEXTS:
        if text in keys:
            values[text] = item.text(text, required=False) or ""
    if values["forecast_cost_sek"] < values["actual_cost_to_date_sek"]:
        raise item.error(
            f"'forecast_cost_sek' {values['forecast_cost_sek']} is less than the cost to date "
            f"{values['actual_cost_to_date_sek']}")
    if values["forecast_end_on"] < project.baseline_start_on:
        raise item.error(f"'forecast_end_on' {values['forecast_end_on'].isoformat()} is before "
                         f"the project started ({project.baseline_start_on.isoformat()})")
    return values


def _project_reports(item: _Fields, project: ProjectSpec, users: dict[str, UserSpec]
                     ) -> ProjectReportsSpec:
    """Read one project's reports, each carrying the previous one forward, and check them."""
    _only_keys(item, PROJECT_REPORT_KEYS)
    submitted_by = item.text("submitted_by", required=False) or project.project_manager
    if submitted_by is not None:
        user = users.get(submitted_by.lower())
        if user is None:
            raise item.error(f"'submitted_by' {submitted_by!r} is not defined in users.yaml")
        if user.organisation != project.organisation:
            raise item.error(f"'submitted_by' {submitted_by!r} does not belong to "
                             f"{project.organisation}, which writes the project's reports")
    unreported = item._get("unreported", False) or []
    if not isinstance(unreported, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in unreported):
        raise item.error("'unreported' must be a list of period numbers")
    after_days = item.whole("reports_after_days", required=False, minimum=1)

    entries = item._get("reports", True)
    if not isinstance(entries, list) or not entries:
        raise item.error("'reports' must be a non-empty list")
    reports, values, last_period = [], _first_values(project), 0
    for number, raw in enumerate(entries, start=1):
        label = raw.get("period") if isinstance(raw, dict) else None
        entry = _Fields(raw, f"{item.where}, report {number}" + (
            f" (period {label})" if label is not None else ""))
        _only_keys(entry, FIRST_VERSION_KEYS)
        period = entry.whole("period", minimum=1)
        if period <= last_period:
            raise entry.error(f"'period' {period} does not come after period {last_period}")
        if period in unreported:
            raise entry.error(f"period {period} is reported but also listed under 'unreported'")
        last_period = period
        earlier_cost = values["actual_cost_to_date_sek"] or 0
        values = _report_values(entry, values, project, cost_required=True)
        if values["actual_cost_to_date_sek"] < earlier_cost:
            raise entry.error(
                f"'actual_cost_sek' {values['actual_cost_to_date_sek']} is less than the "
                f"previous report's {earlier_cost}: the cost to date cannot fall")
        comment = entry.text("completion_requested", required=False) or ""
        reports.append(ReportSpec(period, 1, values, entry.day("submitted_on", required=False),
                                  comment, entry.where))
        if entry._get("correction", False) is not None:
            correction = entry.section("correction")
            _only_keys(correction, REPORT_KEYS)
            values = _report_values(correction, values, project, cost_required=False)
            if values["actual_cost_to_date_sek"] < earlier_cost:
                raise correction.error("'actual_cost_sek' is less than the previous period's")
            reports.append(ReportSpec(period, 2, values, correction.day("submitted_on"), "",
                                      correction.where))
    if project.closed_on is not None and values["forecast_end_on"] != project.closed_on:
        raise item.error(
            f"the last report forecasts the end on {values['forecast_end_on'].isoformat()}, "
            f"but the project closed on {project.closed_on.isoformat()} (projects.yaml)")
    return ProjectReportsSpec(project.title, submitted_by and submitted_by.lower(),
                              after_days or DEFAULT_REPORT_AFTER_DAYS, frozenset(unreported),
                              tuple(reports), item.where)


def load_status_reports(portfolio: PortfolioData, data_dir: Path | None = None
                        ) -> StatusReportData:
    """Read and validate status_reports.yaml against the funded projects and the users."""
    root = _read_yaml(Path(data_dir or DEFAULT_DATA_DIR), "status_reports.yaml")
    as_of = root.day("as_of")
    projects = {p.title: p for p in portfolio.projects}
    users = {u.email: u for u in portfolio.users}
    result = []
    for item in root.items("projects", "project", "project"):
        title = item.text("project")
        if title not in projects:
            raise item.error(f"'project' {title!r} is not a funded project in projects.yaml")
        result.append(_project_reports(item, projects[title], users))
    _unique((p.project for p in result), "status_reports.yaml", "project")
    return StatusReportData(as_of, tuple(result))


# --- Writing to the database ------------------------------------------------------------


def _report_day(period: ReportingPeriod, after_days: int) -> date:
    """The default submission day: `after_days` after the period ends, a weekday."""
    day = period.ends_on + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _planned_reports(spec: ProjectReportsSpec, project: Project, as_of: date
                     ) -> list[tuple[ReportSpec, ReportingPeriod, date]]:
    """Date each report within its period's window, checking the calendar is covered."""
    calendar = {p.number: p for p in project_services.reporting_periods(project, as_of)}
    ended = {number for number, period in calendar.items() if period.ends_on <= as_of}
    reported = {report.period for report in spec.reports}
    early = sorted(spec.unreported - ended)
    if early:
        raise ValueError(f"{spec.where}: 'unreported' period {early[0]} has not ended by "
                         f"{as_of.isoformat()} (or is not one of the project's periods)")
    missing = sorted(ended - reported - spec.unreported)
    if missing:
        raise ValueError(
            f"{spec.where}: period(s) {', '.join(map(str, missing))} ended by "
            f"{as_of.isoformat()} without a report; add them or list them under 'unreported'")
    planned, last_day = [], None
    for report in spec.reports:
        period = calendar.get(report.period)
        if period is None or report.period not in ended:
            raise ValueError(f"{report.where}: period {report.period} has not ended by "
                             f"{as_of.isoformat()} (or is not one of the project's periods)")
        day = report.submitted_on or _report_day(period, spec.reports_after_days)
        if report.version == 1 and not period.ends_on < day <= period.due_on:
            raise ValueError(
                f"{report.where}: submitted on {day.isoformat()}, outside the period's window "
                f"{(period.ends_on + timedelta(days=1)).isoformat()}–{period.due_on.isoformat()}")
        if day > as_of:
            raise ValueError(f"{report.where}: submitted on {day.isoformat()}, after "
                             f"'as_of' {as_of.isoformat()}")
        if last_day is not None and day <= last_day:
            raise ValueError(f"{report.where}: submitted on {day.isoformat()}, not after the "
                             f"report before it ({last_day.isoformat()})")
        planned.append((report, period, day))
        last_day = day
    return planned


def _insert_status_reports(data: StatusReportData, context: _Context,
                           report: SeedReport) -> None:
    """Insert the submitted reports and corrections; every project is checked before any row."""
    plans = []
    for spec in data.projects:
        project = _find(Project, title=spec.project)
        plans.append((spec, project, _planned_reports(spec, project, data.as_of)))
    for spec, project, planned in plans:
        submitter_id = _user_id(context, spec.submitted_by)
        first_versions: dict[int, StatusReport] = {}
        for version, period, day in planned:
            state = (ReportState.COMPLETION_REQUESTED if version.completion_comment
                     else ReportState.SUBMITTED)
            row = _ensure(report, "status_reports", StatusReport, {
                "project_id": project.id, "period_number": period.number,
                "version": version.version,
            }, {
                "period_starts_on": period.starts_on, "period_ends_on": period.ends_on,
                "due_on": period.due_on, "state": state,
                "supersedes_id": (first_versions[period.number].id
                                  if version.version > 1 else None),
                "completion_comment": version.completion_comment,
                "submitted_by_id": submitter_id, "submitted_at": _at(day),
                "created_at": _at(day), **version.values,
            })
            first_versions.setdefault(period.number, row)
