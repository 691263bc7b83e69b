"""Dashboards: load what a dashboard shows in a fixed number of queries and draw it in reports/.

The programme dashboard, an organisation's dashboard and a project's dashboard each return a
`Dashboard`: named charts (figure and table from reports.dashboard_figures) plus the lists the
page shows. Nothing is written; views only render what these return.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Area, Organisation
from app.benefits import services as benefit_services
from app.budget_cuts import queries as budget_cut_queries
from app.budget_cuts import rules as budget_cut_rules
from app.core import clock, periods
from app.core.asof import parse_on
from app.core.collector import without_collector
from app.core.enums import ApplicationState, IdeaState, ProjectState, RagStatus
from app.core.errors import InvalidInput, NotFound
from app.extensions import db
from app.followup import queries as followup_queries
from app.followup import rules as adherence_rules
from app.programmes.models import Programme
from app.programmes.queries import envelope_positions
from app.projects import overview as project_read
from app.projects import queries as project_queries
from app.projects.models import Project
from reports import dashboard_figures as figures
from reports import tertial_figures
from reports.dashboard_figures import Chart
from reports.xlsx import SheetSpec, write_table_workbook

from . import queries

HEATMAP_PERIODS = 6
SCREENED_STATES = frozenset({IdeaState.APPROVED_TO_APPLY, IdeaState.REJECTED,
                             IdeaState.MORE_INFO_REQUESTED})
UNSUBMITTED_STATES = frozenset({ApplicationState.DRAFT})

LABELS: Mapping[str, Any] = {
    "reserved": _l("Reserved"),
    "committed": _l("Committed"),
    "spent": _l("Spent"),
    "booked_spent": _l("Booked spending in the ledger"),
    "reported_in_period": _l("Reported cost in the period"),
    "reported_to_date": _l("Reported cost to date"),
    "committed_unspent": _l("Committed, not yet spent"),
    "left": _l("Left to commit"),
    "item": _l("Item"),
    "amount": _l("Amount"),
    "kr": _l("kr"),
    "stage": _l("Stage"),
    "count": _l("Number"),
    "area": _l("Area"),
    "estimate": _l("First-stage estimate"),
    "project": _l("Project"),
    "period": _l("Period"),
    "status": _l("Status"),
    "green": _l("Green"),
    "amber": _l("Amber"),
    "red": _l("Red"),
    "missing": _l("Missing"),
    "on": _l("Date"),
    "assessed": _l("Projects assessed"),
    "not_kept_budget": _l("Share not keeping the budget"),
    "not_kept_schedule": _l("Share not keeping the schedule"),
    "share": _l("Share"),
    "year": _l("Year"),
    "planned": _l("Planned"),
    "realised": _l("Realised"),
    "organisation": _l("Organisation"),
    "proposed": _l("Proposed"),
    "adopted": _l("Adopted"),
    "realised_savings": _l("Realised savings"),
    "cost": _l("Granted"),
    "npv": _l("Net present value"),
    "users": _l("Expected users"),
    "no_area": _l("No area"),
    "period_ends": _l("Period ends"),
    "actual_to_date": _l("Spent to date"),
    "spent_in_period": _l("Spent in the period"),
    "forecast": _l("Forecast cost"),
    "budget": _l("Granted budget"),
    "aspect": _l("Aspect"),
    "overall": _l("Overall"),
    "cost_status": _l("Cost"),
    "schedule": _l("Schedule"),
    "scope": _l("Scope"),
    "benefit": _l("Benefits"),
    "granted": _l("Granted"),
    "spent_to_date": _l("Spent to date"),
    "projects": _l("Projects"),
    "not_kept": _l("Not kept"),
    "measure": _l("Measure"),
    "no_report": _l("No report"),
}
STAGE_LABELS = {
    "ideas": _l("Ideas"),
    "screened": _l("Screened"),
    "applications": _l("Applications"),
    "decided": _l("Decided"),
    "projects": _l("Projects"),
    "completed": _l("Completed"),
}
CHART_TITLES = {
    "envelope": _l("Envelope: reserved, spent, committed and left"),
    "pipeline": _l("Pipeline from idea to completed project"),
    "areas": _l("Commitments by area against the first-stage estimate"),
    "status": _l("Status in the latest reporting periods"),
    "adherence": _l("Budget and schedule adherence over time"),
    "benefits": _l("Benefits planned and realised by year"),
    "budget_cuts": _l("Budget cuts by organisation and year"),
    "portfolio": _l("Portfolio: net present value against cost"),
    "burn_up": _l("Cost to date against the granted budget"),
    "timeline": _l("Status in each reporting period"),
    "by_area": _l("Granted and reported cost by area"),
    "status_counts": _l("Projects by overall status"),
    "tertial_adherence": _l("Budget and schedule adherence at the end of the tertial"),
}
CHART_SUMMARIES = {
    "envelope": _l("Waterfall chart from the reserved envelope, less what is spent and what is "
                   "committed but not yet spent, to what is left to commit."),
    "pipeline": _l("Funnel chart of how many ideas, screened ideas, applications, decided "
                   "applications, projects and completed projects there are."),
    "areas": _l("Bar chart of each area's commitments next to its first-stage estimate."),
    "status": _l("Grid of each project's overall status in the latest six-week periods: green, "
                 "amber, red or missing; each cell names its status."),
    "adherence": _l("Line chart of the shares of assessed projects not keeping their budget "
                    "and their schedule at each tertial end."),
    "benefits": _l("Bar chart of the planned and the realised benefit value per year."),
    "budget_cuts": _l("Bar chart of the proposed and adopted budget cuts and the realised "
                      "savings per organisation and budget year."),
    "portfolio": _l("Bubble chart of the projects: granted cost across, net present value of "
                    "the baseline calculation up, bubble size the expected users, colour the "
                    "area."),
    "burn_up": _l("Line chart of the reported cost to date and the forecast against the "
                  "granted budget."),
    "timeline": _l("Grid of the project's five statuses in each reported period; each cell "
                   "names its status."),
    "by_area": _l("Bar chart of each area's granted money and the cost its projects reported, "
                  "to date and in the tertial."),
    "status_counts": _l("Bar chart of how many projects reported green, amber or red, or "
                        "have no report."),
    "tertial_adherence": _l("Bar chart of the shares of assessed projects not keeping their "
                            "budget and their schedule at the end of the tertial."),
}


def chart_labels() -> dict[str, str]:
    """The figure labels in the user's language, as plain strings for plotly."""
    return {key: str(value) for key, value in LABELS.items()}


@dataclass(frozen=True)
class Filters:
    """A dashboard's filters, as kept in its URL so a view can be shared by link."""

    programme_id: int | None = None
    area_id: int | None = None
    organisation_id: int | None = None
    state: ProjectState | None = None
    year: int | None = None
    on: str | None = None

    def as_args(self) -> dict[str, Any]:
        """The filters as URL query arguments (unset ones left out)."""
        args = {"programme_id": self.programme_id, "area": self.area_id,
                "organisation_id": self.organisation_id,
                "status": self.state.value if self.state else None, "year": self.year,
                "on": self.on}
        return {key: value for key, value in args.items() if value is not None}


FILTER_LABELS = {"programme_id": _l("Programme"), "area": _l("Area"),
                 "organisation_id": _l("Organisation"), "year": _l("Year")}


def _whole(args: Mapping[str, str], name: str, minimum: int = 1, maximum: int = 10**9
           ) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    # ASCII digits only and a bounded length: int() refuses "²" and 5 000-digit strings.
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(maximum))
            and minimum <= int(value) <= maximum):
        raise InvalidInput(_("%(name)s must be a whole number from %(minimum)s to %(maximum)s.",
                             name=FILTER_LABELS[name], minimum=minimum, maximum=maximum),
                           field=name)
    return int(value)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read the filters from query arguments; a malformed one is refused (422), never guessed."""
    status = (args.get("status") or "").strip() or None
    if status is not None and status not in {state.value for state in ProjectState}:
        raise InvalidInput(_("Choose active or closed projects."), field="status")
    return Filters(
        programme_id=_whole(args, "programme_id"), area_id=_whole(args, "area"),
        organisation_id=_whole(args, "organisation_id"),
        state=ProjectState(status) if status else None,
        year=_whole(args, "year", 1900, 2200), on=(args.get("on") or "").strip() or None)


def get_programme(programme_id: int | None) -> Programme:
    """Return the programme asked for, or the one that started last."""
    if programme_id is None:
        programme = db.session.scalar(sa.select(Programme).order_by(
            Programme.starts_on.desc(), Programme.id.desc()).limit(1))
    else:
        programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("There is no such programme."))
    return programme


def programme_for(filters: Filters) -> Programme:
    """Return the filters' programme; an organisation filter that names none is 404."""
    if filters.organisation_id is not None:
        get_organisation(filters.organisation_id)
    return get_programme(filters.programme_id)


def as_of_date(year: int | None, today: date) -> date:
    """The day a dashboard shows: today, or the end of a past year chosen in the filter."""
    if year is None or year >= today.year:
        return today
    return date(year, 12, 31)


def dashboard_on(programme: Programme, filters: Filters, today: date | None = None) -> date:
    """The day the figures stand at: `on`, else today or the chosen year's end (422 outside)."""
    return parse_on(filters.on, programme,
                    default=as_of_date(filters.year, today or clock.today()))


# ---- the dashboard --------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartView:
    """A chart as a page shows it: its name (for the download URL), title, summary, figures."""

    name: str
    title: str
    summary: str
    chart: Chart


@dataclass
class Dashboard:
    """The charts of a dashboard in page order, and the lists shown beside them."""

    as_of: date
    charts: dict[str, ChartView] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, chart: Chart, kind: str | None = None) -> None:
        kind = kind or name
        self.charts[name] = ChartView(name, str(CHART_TITLES[kind]), str(CHART_SUMMARIES[kind]),
                                      chart)

    def chart(self, name: str) -> ChartView:
        if name not in self.charts:
            raise NotFound(_("This dashboard has no chart called %(name)s.", name=name))
        return self.charts[name]


def _project_scope(programme: Programme, filters: Filters, on: date) -> queries.Scope:
    return queries.Scope(programme.id, on, area_id=filters.area_id,
                         organisation_id=filters.organisation_id, state=filters.state)


def _funnel(scope: queries.Scope, project_frame: pd.DataFrame, labels) -> Chart:
    ideas = queries.idea_counts(scope)
    applications = queries.application_counts(scope)
    closed = int((project_frame["state"] == ProjectState.CLOSED).sum())
    stages = [
        (str(STAGE_LABELS["ideas"]), sum(ideas.values())),
        (str(STAGE_LABELS["screened"]),
         sum(count for state, count in ideas.items() if state in SCREENED_STATES)),
        (str(STAGE_LABELS["applications"]),
         sum(count for state, count in applications.items()
             if state not in UNSUBMITTED_STATES)),
        (str(STAGE_LABELS["decided"]), applications.get(ApplicationState.DECIDED, 0)),
        (str(STAGE_LABELS["projects"]), len(project_frame)),
        (str(STAGE_LABELS["completed"]), closed),
    ]
    return figures.pipeline_funnel(stages, labels=labels)


def _areas(programme: Programme, scope: queries.Scope, project_frame: pd.DataFrame,
           as_of: date, labels) -> Chart:
    estimates = queries.area_estimates(programme.id)
    committed = queries.commitments_by_area(scope, as_of)
    names = {area_id: name for area_id, name, _estimate in estimates}
    names.update({int(area_id): name for area_id, name in zip(
        project_frame["area_id"], project_frame["area"], strict=True) if pd.notna(area_id)})
    estimate_of = {area_id: estimate for area_id, _name, estimate in estimates}
    area_ids = [area_id for area_id, _name, _estimate in estimates]
    area_ids += sorted((a for a in committed if a is not None and a not in estimate_of),
                       key=lambda a: names.get(a, ""))
    if scope.area_id is not None:
        area_ids = [a for a in area_ids if a == scope.area_id]
    rows = [{"area": names.get(area_id, str(area_id)), "estimate_sek": estimate_of.get(area_id, 0),
             "committed_sek": committed.get(area_id, 0)} for area_id in area_ids]
    if committed.get(None):
        rows.append({"area": labels["no_area"], "estimate_sek": 0,
                     "committed_sek": committed[None]})
    return figures.commitments_by_area(rows, labels=labels)


def _windows(as_of: date, count: int = HEATMAP_PERIODS) -> list[tuple[date, date]]:
    """The last `count` six-week windows ending on `as_of`, oldest first (start, end)."""
    windows = []
    end = as_of
    for _step in range(count):
        start = end - timedelta(days=periods.SIX_WEEKS_DAYS - 1)
        windows.append((start, end))
        end = start - timedelta(days=1)
    return list(reversed(windows))


def _day_numbers(column, missing: int = -1) -> np.ndarray:
    """Dates as proleptic day numbers (date.toordinal), `missing` for an empty cell."""
    return np.fromiter((day.toordinal() if isinstance(day, date) else missing for day in column),
                       dtype=np.int64, count=len(column))


def _windows_with_overdue_ends(project_frame: pd.DataFrame, as_of: date, due_after_days: int,
                               count: int = HEATMAP_PERIODS) -> np.ndarray:
    """Per project (rows) and window (columns): did a period whose report is overdue end in it?

    The calendar is the project's (app.projects.services keeps it): the baseline's 42-day
    periods, the last one cut at the baseline end, then whole 42-day periods while it runs past
    its baseline end; a project closed by `as_of` stops on its closing day. Both series are
    arithmetic, so the few period ends that can fall in the windows are computed for every
    project at once instead of listing each project's periods.
    """
    step = periods.SIX_WEEKS_DAYS
    today = as_of.toordinal()
    first_window_day = today - count * step + 1
    latest_overdue_end = today - due_after_days - 1
    starts = _day_numbers(project_frame["baseline_start_on"])
    baseline_ends = _day_numbers(project_frame["baseline_end_on"])
    closed = _day_numbers(project_frame["closed_on"])
    closed = np.where((closed >= 0) & (closed <= today), closed, -1)
    last_days = np.where(closed >= 0, closed, today)
    overdue = np.zeros((len(project_frame), count), dtype=bool)

    def mark(rows, series_starts, series_ends, last_start, candidates=count + 2):
        """Mark the windows of `rows` holding the overdue ends of periods starting every
        `step` days from `series_starts`, the last cut at `series_ends`, none starting after
        `last_start` (at most `candidates` periods can end in the windows)."""
        first_index = np.maximum(0, -(-(first_window_day - series_starts + 1) // step) - 1)
        period_starts = series_starts[:, None] + (
            first_index[:, None] + np.arange(candidates)[None, :]) * step
        period_ends = np.minimum(period_starts + step - 1, series_ends[:, None])
        shown = ((period_starts <= last_start[:, None]) & (period_ends >= first_window_day)
                 & (period_ends <= latest_overdue_end))
        found, column = np.nonzero(shown)
        ends = period_ends[found, column]
        overdue[rows[found], count - 1 - (today - ends) // step] = True

    every = np.arange(len(project_frame))
    mark(every, starts, baseline_ends, np.minimum(baseline_ends, last_days))
    late = every[last_days > baseline_ends]
    extension_ends = np.where(closed >= 0, last_days, last_days + step - 1)[late]
    mark(late, baseline_ends[late] + 1, extension_ends, extension_ends)
    return overdue


def _heatmap(project_frame: pd.DataFrame, reports: pd.DataFrame, as_of: date,
             due_after_days: int, labels) -> Chart:
    """Each project's overall status in each of the latest six-week windows.

    A window shows the newest reported period that ended in it; "missing" when a period ended
    in it whose report is overdue; blank when nothing was due yet (or any more). Windows are
    found by day arithmetic over whole columns (a national heatmap has 6 000 projects and
    35 000 reported periods).
    """
    windows = _windows(as_of)
    count = len(windows)
    grid = np.full((len(project_frame), count), None, dtype=object)
    grid[_windows_with_overdue_ends(project_frame, as_of, due_after_days, count)] = "missing"
    if len(reports):
        back = (as_of.toordinal() - _day_numbers(reports["period_ends_on"])) \
            // periods.SIX_WEEKS_DAYS
        placed = reports.assign(window=count - 1 - back)[(back >= 0) & (back < count)]
        newest = (placed.sort_values("period_number", kind="stable")
                  .drop_duplicates(["project_id", "window"], keep="last"))
        rows = pd.Index(project_frame["project_id"]).get_indexer(newest["project_id"])
        statuses = newest["overall"].to_numpy(dtype=object)
        statuses[pd.isna(statuses)] = "missing"
        known = rows >= 0
        grid[rows[known], newest["window"].to_numpy()[known]] = statuses[known]
    shown = np.not_equal(grid, None).any(axis=1)
    titles = [str(title) for title in project_frame["title"][shown]]
    columns = [end.isoformat() for _start, end in windows]
    return figures.status_heatmap(titles, columns, grid[shown].tolist(), labels=labels)


def _tertial_ends(starts_on: date, as_of: date, year: int | None) -> list[date]:
    """Every tertial end from the programme's start up to `as_of`, and `as_of` itself."""
    ends = []
    for each_year in range(starts_on.year, as_of.year + 1):
        for month, day in ((4, 30), (8, 31), (12, 31)):
            end = date(each_year, month, day)
            if starts_on <= end < as_of and (year is None or end.year == year):
                ends.append(end)
    return [*ends, as_of]


def _adherence(programme: Programme, filters: Filters, scope: queries.Scope,
               as_of: date, labels) -> Chart:
    """The adherence shares at each tertial end, equal to the follow-up's adherence_at: a
    presented tertial report's frozen figures serve its period end (for the whole programme),
    the facts at every other date come from one query."""
    tolerance = programme.schedule_tolerance_days or 0
    ends = _tertial_ends(programme.starts_on, as_of, filters.year)
    whole_programme = scope.area_id is None and scope.organisation_id is None \
        and scope.state is None
    found = (followup_queries.presented_adherence(programme.id, ends, tolerance)
             if whole_programme else {})
    facts = followup_queries.facts_at(programme.id, [on for on in ends if on not in found],
                                      project_ids=scope.project_ids())
    found |= {on: adherence_rules.adherence(on_facts, on, tolerance)
              for on, on_facts in facts.items()}
    rows = [{"on": on, "assessed": found[on].assessed,
             "not_kept_budget_share": found[on].not_kept_budget_share,
             "not_kept_schedule_share": found[on].not_kept_schedule_share} for on in ends]
    return figures.adherence_over_time(rows, labels=labels)


def _benefits(project_ids: sa.Select, year: int | None, labels, on: date,
              owner_organisation_id: int | None = None,
              realised: Mapping[int, int] | None = None) -> Chart:
    """Planned and realised per year; `realised` when the caller has read it already."""
    planned = queries.planned_by_year(project_ids, owner_organisation_id)
    if realised is None:
        realised = queries.realised_by_year(project_ids, on, owner_organisation_id)
    years = sorted(set(planned) | set(realised))
    if year is not None:
        years = [y for y in years if y == year]
    rows = [{"year": y, "planned_sek": planned.get(y, 0), "realised_sek": realised.get(y)}
            for y in years]
    return figures.planned_vs_realised(rows, labels=labels)


def _budget_cuts(programme: Programme, organisation_id: int | None, year: int | None,
                 labels, on: date, realised: Mapping[tuple[int, int], int]) -> Chart:
    """Per organisation and budget year: the latest proposal, the cut in force, and the
    cash-releasing savings of the year the policy in force sets against it (budget year less
    the policy's lag), as the budget-cut pages and the tertial report pair them; `realised`
    holds the savings per owner and year (`queries.realised_sums`)."""
    entries = queries.budget_cut_entries(programme.id, on, organisation_id)
    in_force = budget_cut_queries.policies_by_year(programme)
    rows = []
    if not entries.empty:
        for (org_id, name, budget_year), group in entries.groupby(
                ["organisation_id", "organisation", "year"], sort=True):
            if year is not None and budget_year != year:
                continue
            proposed = group[group["kind"] == "proposed"]
            decided = group[group["kind"].isin(["adopted", "correction"])]
            rows.append({
                "organisation": name, "year": int(budget_year),
                "proposed_sek": int(proposed["amount_sek"].iloc[-1]) if len(proposed) else None,
                "adopted_sek": int(decided["amount_sek"].iloc[-1]) if len(decided) else None,
                "realised_sek": realised.get(
                    (int(org_id), _saving_year(in_force, int(budget_year))), 0)})
    return figures.budget_cuts_by_organisation(rows, labels=labels)


def _saving_year(in_force: Mapping[int, Any], budget_year: int) -> int:
    policy = in_force.get(budget_year)
    lag = policy.lag_years if policy is not None else budget_cut_rules.DEMO_POLICY.lag_years
    return budget_year - lag


def _portfolio(programme: Programme, scope: queries.Scope, project_frame: pd.DataFrame,
               labels) -> Chart:
    npv_of = _baseline_npvs(programme, scope)
    rows = pd.DataFrame({
        "project": project_frame["title"], "area": project_frame["area"],
        "cost_sek": project_frame["granted_sek"],
        "npv_sek": [npv_of.get(int(project_id)) for project_id in project_frame["project_id"]],
        "users": project_frame["estimated_users"]})
    return figures.portfolio_bubbles(rows, labels=labels)


def _baseline_npvs(programme: Programme, scope: queries.Scope) -> dict[int, int | None]:
    """Each project's baseline NPV: the value frozen with the version, evaluated only for the
    rare version without one (loaded in full just for those)."""
    values = queries.baseline_values(scope.project_ids())
    npvs = {project_id: row.npv_sek for project_id, row in values.items()
            if row.is_frozen and row.npv_sek is not None}
    unvalued = [project_id for project_id in values if project_id not in npvs]
    if unvalued:
        versions = queries.baseline_versions(sa.select(Project.id).where(Project.id.in_(unvalued)))
        npvs.update({project_id: benefit_services.npv_of(version, programme)
                     for project_id, version in versions.items()})
    return npvs


@without_collector
def programme_dashboard(programme: Programme, filters: Filters,
                        today: date | None = None) -> Dashboard:
    """Build every chart of the programme dashboard in a fixed number of queries."""
    as_of = dashboard_on(programme, filters, today)
    labels = chart_labels()
    scope = _project_scope(programme, filters, as_of)
    dashboard = Dashboard(as_of=as_of)
    envelope = envelope_positions([programme.id], as_of)[programme.id]
    dashboard.add("envelope", figures.envelope_waterfall(
        envelope.reserved_sek, envelope.committed_sek, envelope.spent_sek,
        envelope.remaining_sek, labels=labels))
    project_frame = queries.projects(scope)
    dashboard.add("pipeline", _funnel(scope, project_frame, labels))
    dashboard.add("areas", _areas(programme, scope, project_frame, as_of, labels))
    reports = queries.report_statuses(scope.project_ids(), as_of,
                                      period_ends_from=_windows(as_of)[0][0])
    dashboard.add("status", _heatmap(project_frame, reports, as_of,
                                     programme.report_due_after_days, labels))
    dashboard.add("adherence", _adherence(programme, filters, scope, as_of, labels))
    realised = queries.realised_sums(programme.id, scope.project_ids(), as_of,
                                     savings_owner_id=filters.organisation_id)
    dashboard.add("benefits", _benefits(scope.project_ids(), filters.year, labels, as_of,
                                        realised=realised.by_year))
    dashboard.add("budget_cuts", _budget_cuts(programme, filters.organisation_id,
                                              filters.year, labels, as_of,
                                              realised.savings_by_owner))
    dashboard.add("portfolio", _portfolio(programme, scope, project_frame, labels))
    return dashboard


def filter_choices(programme: Programme, programme_ids=None) -> dict[str, list[tuple[int, str]]]:
    """Programmes (those in `programme_ids`, None: all), areas and the programme's project
    organisations for the filter form, as (id, name) pairs."""
    programmes = sa.select(Programme.id, Programme.name).order_by(Programme.starts_on)
    if programme_ids is not None:
        programmes = programmes.where(Programme.id.in_(sorted(programme_ids)))
    organisations = (sa.select(Organisation.id, Organisation.name)
                     .where(Organisation.id.in_(sa.select(Project.organisation_id)
                                                .where(Project.programme_id == programme.id)))
                     .order_by(Organisation.name))
    return {
        "programmes": db.session.execute(programmes).all(),
        "areas": db.session.execute(sa.select(Area.id, Area.name)
                                    .order_by(Area.name)).all(),
        "organisations": db.session.execute(organisations).all(),
    }


# ---- an organisation ------------------------------------------------------------------------

def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("There is no such organisation."))
    return organisation


@without_collector
def organisation_dashboard(organisation: Organisation, programme: Programme, filters: Filters,
                           today: date | None = None) -> Dashboard:
    """Its projects, reports due, benefits and budget cuts, in a fixed number of queries."""
    as_of = dashboard_on(programme, filters, today)
    labels = chart_labels()
    scope = queries.Scope(programme.id, as_of, organisation_id=organisation.id,
                          state=filters.state)
    dashboard = Dashboard(as_of=as_of)
    project_frame = queries.projects(scope)
    reports = queries.submitted_reports(scope.project_ids(), as_of)
    dashboard.add("status", _heatmap(project_frame, reports, as_of,
                                     programme.report_due_after_days, labels))
    everything = queries.Scope(programme.id, as_of).project_ids()
    realised = queries.realised_sums(programme.id, everything, as_of,
                                     realised_owner_id=organisation.id,
                                     savings_owner_id=organisation.id)
    dashboard.add("benefits", _benefits(everything, filters.year, labels, as_of,
                                        owner_organisation_id=organisation.id,
                                        realised=realised.by_year))
    dashboard.add("budget_cuts", _budget_cuts(programme, organisation.id, filters.year,
                                              labels, as_of, realised.savings_by_owner))
    latest = (reports.sort_values(["project_id", "period_number"])
              .drop_duplicates("project_id", keep="last") if not reports.empty else reports)
    latest_of = {int(row.project_id): row for row in latest.itertuples(index=False)}
    dashboard.extras["projects"] = [
        {"id": int(p.project_id), "title": p.title, "area": p.area if pd.notna(p.area) else None,
         "state": ProjectState(p.state),
         "granted_sek": int(p.granted_sek),
         "actual_cost_sek": _int_or_none(latest_of, p.project_id, "actual_cost_to_date_sek"),
         "overall": getattr(latest_of.get(int(p.project_id)), "overall", None)}
        for p in project_frame.itertuples(index=False)]
    active = list(db.session.scalars(sa.select(Project).where(
        Project.id.in_(queries.Scope(programme.id, as_of, organisation_id=organisation.id,
                                     state=ProjectState.ACTIVE).project_ids()))
        .order_by(Project.title, Project.id)))
    dashboard.extras["reports_due"] = project_read.reports_due(active, as_of)
    return dashboard


def _int_or_none(rows: Mapping[int, Any], project_id, column: str) -> int | None:
    row = rows.get(int(project_id))
    value = getattr(row, column, None) if row is not None else None
    return None if value is None or pd.isna(value) else int(value)


# ---- a project ------------------------------------------------------------------------------

def project_dashboard(project: Project, today: date | None = None) -> Dashboard:
    """Cost burn-up against the grant, the status timeline and the benefit realisation, as they
    stood on `today` (a project without reports draws empty charts)."""
    on = today or clock.today()
    labels = chart_labels()
    dashboard = Dashboard(as_of=on)
    only_this = sa.select(Project.id).where(Project.id == project.id)
    granted = project_queries.granted_by_project(only_this, on).get(project.id, 0)
    history = project_queries.current_versions(only_this, on)
    burn = [{"period": r.period_number, "ends_on": r.period_ends_on,
             "actual_to_date_sek": r.actual_cost_to_date_sek or 0,
             "forecast_sek": r.forecast_cost_sek} for r in history]
    dashboard.add("burn_up", figures.cost_burn_up(burn, granted, labels=labels))
    timeline = [{"period": r.period_number, "ends_on": r.period_ends_on,
                 **{aspect: None if getattr(r, f"{aspect}_status") is None
                    else RagStatus(getattr(r, f"{aspect}_status")).value
                    for aspect in figures.ASPECT_KEYS}} for r in history]
    dashboard.add("timeline", figures.status_timeline(timeline, labels=labels))
    dashboard.add("benefits", _benefits(only_this, None, labels, on))
    dashboard.extras["granted_sek"] = granted
    return dashboard


# ---- a tertial report -----------------------------------------------------------------------

TERTIAL_KINDS = {"envelope": "envelope", "by_area": "by_area", "status": "status_counts",
                 "adherence": "tertial_adherence"}


def tertial_dashboard(snapshot: Mapping[str, Any]) -> Dashboard:
    """The charts of a tertial report, from its frozen snapshot only."""
    dashboard = Dashboard(as_of=date.fromisoformat(snapshot.get("as_of") or
                                                   snapshot["period_ends_on"]))
    for name, chart in tertial_figures.tertial_charts(snapshot, labels=chart_labels()).items():
        dashboard.add(name, chart, TERTIAL_KINDS[name])
    return dashboard


# ---- downloads ------------------------------------------------------------------------------

def chart_workbook(view: ChartView) -> bytes:
    """The chart's table as a typed Excel workbook (money as numbers, dates as dates)."""
    return write_table_workbook([SheetSpec(title=view.title, columns=view.chart.columns,
                                           rows=view.chart.rows, print_header=view.title)])
