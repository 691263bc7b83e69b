"""Dashboard charts as plotly figure dicts, each with the same figures as a table.

Pure: standard library, pandas and plotly only; no Flask, no database. Callers hand over plain
numbers (lists, mappings or DataFrames) and the translated labels; every builder returns a
`Chart`: a JSON-ready figure for `Plotly.newPlot` (app/static/js/dashboards.js) and a table
(typed columns of reports.xlsx, rows of plain values) that the page shows as the chart's
screen-reader alternative and the Excel download writes. Figure and table come from the same
numbers, so what is drawn is what is listed and downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from reports.xlsx import DATE, INT, PERCENT, SEK, Column

SWEDISH_SEPARATORS = ", "
HOVER_SEK = "%{y:,.0f} kr<extra>%{fullData.name}</extra>"
HOVER_SEK_ACROSS = "%{y}: %{x:,.0f} kr<extra>%{fullData.name}</extra>"
HOVER_DAY = "%Y-%m-%d"
# The legend sits above the plot, clear of the axis titles and tick labels below it.
LEGEND_ABOVE: Mapping[str, Any] = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02,
                                   "yanchor": "bottom", "traceorder": "normal"}
WRAP_AT = 24

# Okabe–Ito colours, distinguishable with the common colour-vision deficiencies; every status
# cell also carries its name as text, so colour is never the only cue.
STATUS_COLOURS: Mapping[str, str] = {
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    "missing": "#BBBBBB",
}
STATUS_CODES: Mapping[str, int] = {"missing": 0, "green": 1, "amber": 2, "red": 3}
SERIES_COLOURS = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                  "#F0E442")
BUDGET_COLOUR = "#000000"
# Black text keeps at least 4.5:1 contrast on every status colour; white on green does not.
STATUS_TEXT_COLOUR = "#000000"

LABELS: Mapping[str, str] = {
    "reserved": "Reserved",
    "committed": "Committed",
    "spent": "Spent",
    "committed_unspent": "Committed, not yet spent",
    "left": "Left to commit",
    "item": "Item",
    "amount": "Amount",
    "kr": "kr",
    "stage": "Stage",
    "count": "Number",
    "area": "Area",
    "estimate": "First-stage estimate",
    "project": "Project",
    "period": "Period",
    "status": "Status",
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "missing": "Missing",
    "on": "Date",
    "assessed": "Projects assessed",
    "not_kept_budget": "Share not keeping the budget",
    "not_kept_schedule": "Share not keeping the schedule",
    "share": "Share",
    "year": "Year",
    "planned": "Planned",
    "realised": "Realised",
    "organisation": "Organisation",
    "proposed": "Proposed",
    "adopted": "Adopted",
    "realised_savings": "Realised savings",
    "cost": "Granted",
    "npv": "Net present value",
    "users": "Expected users",
    "no_area": "No area",
    "period_ends": "Period ends",
    "actual_to_date": "Spent to date",
    "spent_in_period": "Spent in the period",
    "forecast": "Forecast cost",
    "budget": "Granted budget",
    "aspect": "Aspect",
    "overall": "Overall",
    "cost_status": "Cost",
    "schedule": "Schedule",
    "scope": "Scope",
    "benefit": "Benefits",
}


@dataclass(frozen=True)
class Chart:
    """A chart's figure (plain JSON data) and the same figures as typed table rows."""

    figure: dict
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def json_rows(self) -> list[list[Any]]:
        """Return the rows as JSON-ready lists (dates ISO, decimals as text); only columns
        holding something else than JSON values are converted (a national heatmap and
        portfolio have 70 000 cells, nearly all text and whole numbers)."""
        columns = [list(values) for values in zip(*self.rows, strict=True)]
        for index, values in enumerate(columns):
            if not {type(value) for value in values} <= JSON_AS_IS:
                columns[index] = [_json_value(value) for value in values]
        return [list(row) for row in zip(*columns, strict=True)]

    def as_records(self) -> list[dict[str, Any]]:
        """Return the rows as JSON-ready dicts keyed by header."""
        return [dict(zip(self.headers, row, strict=True)) for row in self.json_rows()]


JSON_AS_IS = frozenset({str, int, float, bool, type(None)})


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _text(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {**LABELS, **(labels or {})}


def _layout(*, y_title: str = "", x_title: str = "", title: str = "", barmode: str | None = None,
            height: int | None = None, money_axis: bool = True, across: bool = False) -> dict:
    """Share one sober, print-friendly layout with Swedish number separators.

    `across` lays bars along the x axis (the money axis) with their names on the y axis, which
    keeps long names horizontal and readable.
    """
    layout: dict[str, Any] = {
        "template": "none",
        "separators": SWEDISH_SEPARATORS,
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "legend": dict(LEGEND_ABOVE),
        "margin": {"l": 80, "r": 30, "t": 40 if title else 30, "b": 50},
        "font": {"family": "system-ui, sans-serif", "size": 13},
    }
    if money_axis:
        layout["xaxis" if across else "yaxis"].update({"tickformat": ",.0f",
                                                       "rangemode": "tozero"})
    if across:
        layout["yaxis"].update({"autorange": "reversed", "ticklabelstandoff": 6})
        # Long kronor tick labels side by side: few enough that they never touch.
        layout["xaxis"]["nticks"] = 6
    if title:
        layout["title"] = {"text": title}
    if barmode:
        layout["barmode"] = barmode
    if height:
        layout["height"] = height
    return layout


def _wrapped(label: str, width: int = WRAP_AT) -> str:
    """Break a long axis label over lines (at spaces and slashes) so it never needs rotating."""
    words = label.replace("/", "/ ").split(" ")
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) + 1 <= width:
            lines[-1] = f"{lines[-1]}{'' if lines[-1].endswith('/') else ' '}{word}"
        else:
            lines.append(word)
    return "<br>".join(line for line in lines if line)


def _category_ticks(names: Sequence[str]) -> dict[str, list[str]]:
    """Axis settings showing each category under its wrapped name (the data keep the name)."""
    return {"tickmode": "array", "tickvals": list(names),
            "ticktext": [_wrapped(name) for name in names]}


def _bar_height(categories: int, bars: int) -> int:
    """Give every bar of a horizontal chart room for its name, whatever the number of rows."""
    return max(320, 110 + categories * max(40, 16 * bars))


def _as_dict(figure: go.Figure, trace_arrays: Sequence[Mapping[str, list]] | None = None
             ) -> dict:
    """Return the figure as plain JSON data (lists, dicts, numbers, strings).

    `trace_arrays` gives, per trace, its long per-point lists by dotted key ("marker.size"),
    set after conversion: plotly checks a list element by element, which over 30 000 projects
    took most of a dashboard's time, while these are already plain numbers and strings.
    """
    data = json.loads(figure.to_json())
    if trace_arrays is None:
        return data
    for trace, arrays in zip(data.get("data", []), trace_arrays, strict=True):
        for path, values in arrays.items():
            *parents, key = path.split(".")
            target = trace
            for parent in parents:
                target = target.setdefault(parent, {})
            target[key] = list(values)
    return data


def _ints(values) -> list[int]:
    return [int(value) for value in values]


def _optional_ints(values) -> list[int | None]:
    """Whole numbers, keeping missing values (None, NaN) as None."""
    return [None if _plain(value) is None else int(value) for value in values]


def _frame(data: pd.DataFrame | Sequence[Mapping[str, Any]], columns: Sequence[str]
           ) -> pd.DataFrame:
    """Accept a DataFrame or a list of dicts; insist on the columns a builder reads."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data), columns=columns)
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"the data lacks the column(s) {', '.join(missing)}")
    return frame


def _plain(value: Any) -> Any:
    """Turn numpy scalars and NaN from pandas back into Python values (None for missing)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and value != value:
            return None
    return value


# ---- programme ------------------------------------------------------------------------------

def envelope_waterfall(reserved_sek: int, committed_sek: int, spent_sek: int, left_sek: int, *,
                       labels: Mapping[str, str] | None = None, title: str = "") -> Chart:
    """Step from the reserved envelope down by what is spent and committed to what is left.

    The bars are reserved (absolute), spent and committed-but-unspent (both taken off) and left
    (the total, which plotly computes and which equals reserved minus committed).
    """
    text = _text(labels)
    unspent = committed_sek - spent_sek
    figure = go.Figure(layout=_layout(y_title=text["kr"], title=title))
    figure.add_trace(go.Waterfall(
        x=[text["reserved"], text["spent"], text["committed_unspent"], text["left"]],
        y=[int(reserved_sek), -int(spent_sek), -int(unspent), int(left_sek)],
        measure=["absolute", "relative", "relative", "total"],
        customdata=[int(reserved_sek), int(spent_sek), int(unspent), int(left_sek)],
        hovertemplate="%{x}: %{customdata:,.0f} kr<extra></extra>",
        texttemplate="%{customdata:,.0f}", textposition="outside",
        connector={"line": {"color": "#555555"}},
        increasing={"marker": {"color": SERIES_COLOURS[0]}},
        decreasing={"marker": {"color": SERIES_COLOURS[2]}},
        totals={"marker": {"color": SERIES_COLOURS[1]}},
        showlegend=False, meta="envelope"))
    rows = ((text["reserved"], int(reserved_sek)), (text["committed"], int(committed_sek)),
            (text["spent"], int(spent_sek)), (text["committed_unspent"], int(unspent)),
            (text["left"], int(left_sek)))
    return Chart(_as_dict(figure), (Column(text["item"]), Column(text["amount"], SEK, total=False)),
                 rows)


def pipeline_funnel(stages: Sequence[tuple[str, int]], *, labels: Mapping[str, str] | None = None,
                    title: str = "") -> Chart:
    """Show how many ideas become applications, decisions, projects and completed projects."""
    text = _text(labels)
    names = [name for name, _count in stages]
    counts = _ints(count for _name, count in stages)
    figure = go.Figure(layout=_layout(title=title, money_axis=False))
    figure.add_trace(go.Funnel(y=names, x=counts, textinfo="value", meta="pipeline",
                               marker={"color": SERIES_COLOURS[0]},
                               hovertemplate="%{y}: %{x}<extra></extra>"))
    return Chart(_as_dict(figure), (Column(text["stage"]), Column(text["count"], INT, total=False)),
                 tuple(zip(names, counts, strict=True)))


def commitments_by_area(data: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                        labels: Mapping[str, str] | None = None, title: str = "") -> Chart:
    """Put each area's net commitments next to its first-stage estimate.

    `data` has the columns area, estimate_sek and committed_sek (one row per area).
    """
    text = _text(labels)
    frame = _frame(data, ("area", "estimate_sek", "committed_sek"))
    areas = [str(area) for area in frame["area"]]
    estimates = _ints(frame["estimate_sek"].fillna(0))
    committed = _ints(frame["committed_sek"].fillna(0))
    figure = go.Figure(layout=_layout(x_title=text["kr"], title=title, barmode="group",
                                      across=True, height=_bar_height(len(areas), 2)))
    figure.update_yaxes(type="category", **_category_ticks(areas))
    figure.add_trace(go.Bar(y=areas, x=estimates, name=text["estimate"], meta="estimate",
                            orientation="h", marker={"color": SERIES_COLOURS[5]},
                            hovertemplate=HOVER_SEK_ACROSS))
    figure.add_trace(go.Bar(y=areas, x=committed, name=text["committed"], meta="committed",
                            orientation="h", marker={"color": SERIES_COLOURS[0]},
                            hovertemplate=HOVER_SEK_ACROSS))
    columns = (Column(text["area"]), Column(text["estimate"], SEK), Column(text["committed"], SEK))
    return Chart(_as_dict(figure), columns,
                 tuple(zip(areas, estimates, committed, strict=True)))


def status_heatmap(row_names: Sequence[str], column_names: Sequence[str],
                   statuses: Sequence[Sequence[str | None]], *,
                   labels: Mapping[str, str] | None = None, title: str = "",
                   row_header: str | None = None, column_ticks: Sequence[str] | None = None,
                   column_title: str = "") -> Chart:
    """Colour a grid of green/amber/red/missing statuses, with each cell's name written in it.

    `statuses[i][j]` is the status of row i in column j: "green", "amber", "red", "missing"
    (a report was due and is not in) or None (nothing was due: left blank). `column_ticks`
    gives short column labels for the axis when the column names are too long to fit.
    """
    text = _text(labels)
    if len(statuses) != len(row_names) or any(len(row) != len(column_names) for row in statuses):
        raise ValueError("statuses must have one row per row name and one value per column")
    for row in statuses:
        for status in row:
            if status is not None and status not in STATUS_CODES:
                raise ValueError(f"unknown status {status!r}")
    codes = [[None if s is None else STATUS_CODES[s] for s in row] for row in statuses]
    names = [["" if s is None else text[s] for s in row] for row in statuses]
    top = len(STATUS_CODES) - 1
    height = max(220, 110 + 34 * len(row_names))
    figure = go.Figure(layout=_layout(title=title, height=height, money_axis=False,
                                      x_title=column_title))
    figure.update_layout(margin={"b": 10})
    figure.update_yaxes(autorange="reversed", type="category", ticklabelstandoff=6,
                        showgrid=False)
    figure.update_xaxes(type="category", side="top", tickangle=0, showgrid=False)
    if column_ticks is not None:
        figure.update_xaxes(tickmode="array", tickvals=list(column_names),
                            ticktext=list(column_ticks))
    figure.add_trace(go.Heatmap(
        x=[], y=[], z=[], text=[], texttemplate="%{text}",
        textfont={"color": STATUS_TEXT_COLOUR},
        zmin=0, zmax=top, colorscale=_discrete_scale(), showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>", meta="status"))
    columns = (Column(row_header or text["project"]),
               *(Column(str(name)) for name in column_names))
    rows = tuple((str(name), *(cell for cell in row_labels))
                 for name, row_labels in zip(row_names, names, strict=True))
    return Chart(_as_dict(figure, [{"x": [str(name) for name in column_names],
                                    "y": [str(name) for name in row_names],
                                    "z": codes, "text": names}]), columns, rows)


def _discrete_scale() -> list[list]:
    """A stepped colour scale: each status code 0..3 gets exactly its own colour."""
    top = len(STATUS_CODES) - 1
    scale = []
    for status, code in STATUS_CODES.items():
        low = max(0.0, (code - 0.5) / top)
        high = min(1.0, (code + 0.5) / top)
        scale += [[low, STATUS_COLOURS[status]], [high, STATUS_COLOURS[status]]]
    return scale


def adherence_over_time(data: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                        labels: Mapping[str, str] | None = None, title: str = "") -> Chart:
    """Plot the shares of assessed projects not keeping budget and schedule at each date.

    `data` has the columns on (date), assessed, not_kept_budget_share and
    not_kept_schedule_share (Decimal or None when nothing was assessed).
    """
    text = _text(labels)
    frame = _frame(data, ("on", "assessed", "not_kept_budget_share", "not_kept_schedule_share"))
    days = [_day(value) for value in frame["on"]]
    assessed = _ints(frame["assessed"])
    budget = [_share(value) for value in frame["not_kept_budget_share"]]
    schedule = [_share(value) for value in frame["not_kept_schedule_share"]]
    figure = go.Figure(layout=_layout(y_title=text["share"], title=title, money_axis=False))
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(type="date", hoverformat=HOVER_DAY)
    x = [day.isoformat() for day in days]
    for key, values, colour in (("not_kept_budget", budget, SERIES_COLOURS[2]),
                                ("not_kept_schedule", schedule, SERIES_COLOURS[0])):
        figure.add_trace(go.Scatter(
            x=x, y=[None if v is None else float(v) for v in values], name=text[key], meta=key,
            mode="lines+markers", line={"color": colour},
            marker={"symbol": "circle" if key == "not_kept_budget" else "square"},
            hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>"))
    columns = (Column(text["on"], DATE), Column(text["assessed"], INT, total=False),
               Column(text["not_kept_budget"], PERCENT), Column(text["not_kept_schedule"], PERCENT))
    return Chart(_as_dict(figure), columns,
                 tuple(zip(days, assessed, budget, schedule, strict=True)))


def _day(value: Any) -> date:
    """Return a plain date whether pandas kept the date or made it a Timestamp."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _share(value: Any) -> Decimal | None:
    value = _plain(value)
    return None if value is None else Decimal(str(value))


def planned_vs_realised(data: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                        labels: Mapping[str, str] | None = None, title: str = "") -> Chart:
    """Group planned and realised benefit value per year (columns year, planned_sek, realised_sek).

    A year with nothing realised (None) has no realised bar and an empty cell.
    """
    text = _text(labels)
    frame = _frame(data, ("year", "planned_sek", "realised_sek"))
    years = _ints(frame["year"])
    planned = _ints(frame["planned_sek"].fillna(0))
    realised = _optional_ints(frame["realised_sek"])
    figure = go.Figure(layout=_layout(y_title=text["kr"], title=title, barmode="group"))
    figure.update_xaxes(type="category")
    figure.add_trace(go.Bar(x=[str(y) for y in years], y=planned, name=text["planned"],
                            meta="planned", marker={"color": SERIES_COLOURS[0]},
                            hovertemplate=HOVER_SEK))
    figure.add_trace(go.Bar(x=[str(y) for y in years], y=realised, name=text["realised"],
                            meta="realised", marker={"color": SERIES_COLOURS[1]},
                            hovertemplate=HOVER_SEK))
    columns = (Column(text["year"], INT, total=False), Column(text["planned"], SEK),
               Column(text["realised"], SEK))
    return Chart(_as_dict(figure), columns, tuple(zip(years, planned, realised, strict=True)))


def budget_cuts_by_organisation(data: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                                labels: Mapping[str, str] | None = None,
                                title: str = "") -> Chart:
    """Group each organisation's proposed and adopted cuts and realised savings by budget year.

    `data` has the columns organisation, year, proposed_sek, adopted_sek (None if not decided)
    and realised_sek; the bars lie across, named on two levels: year, then organisation.
    """
    text = _text(labels)
    frame = _frame(data, ("organisation", "year", "proposed_sek", "adopted_sek", "realised_sek"))
    frame = frame.sort_values(["year", "organisation"], kind="stable")
    organisations = [str(name) for name in frame["organisation"]]
    years = _ints(frame["year"])
    proposed = _optional_ints(frame["proposed_sek"])
    adopted = _optional_ints(frame["adopted_sek"])
    realised = _ints(frame["realised_sek"].fillna(0))
    figure = go.Figure(layout=_layout(x_title=text["kr"], title=title, barmode="group",
                                      across=True, height=_bar_height(len(organisations), 3)))
    figure.update_yaxes(type="multicategory")
    y = [[str(year) for year in years], organisations]
    for key, values, colour in (("proposed", proposed, SERIES_COLOURS[5]),
                                ("adopted", adopted, SERIES_COLOURS[0]),
                                ("realised_savings", realised, SERIES_COLOURS[1])):
        figure.add_trace(go.Bar(y=y, x=values, name=text[key], meta=key, orientation="h",
                                marker={"color": colour},
                                hovertemplate=("%{y}: %{x:,.0f} kr"
                                               "<extra>%{fullData.name}</extra>")))
    columns = (Column(text["organisation"]), Column(text["year"], INT, total=False),
               Column(text["proposed"], SEK), Column(text["adopted"], SEK),
               Column(text["realised_savings"], SEK))
    return Chart(_as_dict(figure), columns,
                 tuple(zip(organisations, years, proposed, adopted, realised, strict=True)))


def portfolio_bubbles(data: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                      labels: Mapping[str, str] | None = None, title: str = "",
                      max_bubble_px: int = 40) -> Chart:
    """Place each project by granted cost (x) and baseline NPV (y); size = users, colour = area.

    `data` has the columns project, area (None: no area), cost_sek, npv_sek (None: no baseline
    calculation, listed but not drawn) and users (None counts as 0).
    """
    text = _text(labels)
    frame = _frame(data, ("project", "area", "cost_sek", "npv_sek", "users"))
    # Column by column: a national portfolio has 6 000 projects, and row tuples cost more.
    records = list(zip(
        [str(project) for project in frame["project"]],
        [text["no_area"] if _plain(area) is None else str(area) for area in frame["area"]],
        [int(cost) for cost in frame["cost_sek"]],
        [None if _plain(npv) is None else int(npv) for npv in frame["npv_sek"]],
        [0 if _plain(users) is None else int(users) for users in frame["users"]], strict=True))
    most_users = max((users for *_rest, users in records), default=0)
    sizeref = 2.0 * most_users / max_bubble_px**2 if most_users else 1
    layout = _layout(y_title=text["npv"], x_title=text["cost"], title=title)
    layout["yaxis"]["rangemode"] = "normal"
    layout["xaxis"].update({"tickformat": ",.0f", "rangemode": "tozero"})
    layout["legend"]["itemsizing"] = "constant"
    figure = go.Figure(layout=layout)
    areas = sorted({area for _p, area, *_rest in records})
    # Areas with the biggest bubbles are drawn first, so smaller bubbles stay on top and
    # visible; the legend keeps the areas in alphabetical order.
    biggest = {area: max(r[4] for r in records if r[1] == area) for area in areas}
    points = []
    for index, area in sorted(enumerate(areas), key=lambda item: -biggest[item[1]]):
        drawn = [r for r in records if r[1] == area and r[3] is not None]
        if not drawn:
            continue
        figure.add_trace(go.Scatter(
            x=[], y=[], mode="markers", name=area, legendrank=index + 1, meta=area,
            marker={"sizemode": "area", "sizeref": sizeref,
                    "sizemin": 6, "opacity": 0.8,
                    "color": SERIES_COLOURS[index % len(SERIES_COLOURS)],
                    "line": {"width": 1, "color": "#333333"}},
            hovertemplate=("%{text}<br>%{x:,.0f} kr → %{y:,.0f} kr<br>%{customdata:,.0f}"
                           "<extra>%{fullData.name}</extra>")))
        points.append({"x": [r[2] for r in drawn], "y": [r[3] for r in drawn],
                       "text": [r[0] for r in drawn], "customdata": [r[4] for r in drawn],
                       "marker.size": [r[4] for r in drawn]})
    columns = (Column(text["project"]), Column(text["area"]), Column(text["cost"], SEK),
               Column(text["npv"], SEK), Column(text["users"], INT))
    return Chart(_as_dict(figure, points), columns, tuple(records))


# ---- project --------------------------------------------------------------------------------

def cost_burn_up(data: pd.DataFrame | Sequence[Mapping[str, Any]], budget_sek: int, *,
                 labels: Mapping[str, str] | None = None, title: str = "") -> Chart:
    """Climb the reported cost to date period by period against the granted budget line.

    `data` has the columns period (number), ends_on (date), actual_to_date_sek and
    forecast_sek (None where not reported).
    """
    text = _text(labels)
    frame = _frame(data, ("period", "ends_on", "actual_to_date_sek", "forecast_sek"))
    periods = _ints(frame["period"])
    ends = [_day(day) for day in frame["ends_on"]]
    actual = _ints(frame["actual_to_date_sek"].fillna(0))
    forecast = _optional_ints(frame["forecast_sek"])
    in_period = [value - previous for value, previous in zip(actual, [0, *actual][:len(actual)],
                                                              strict=True)]
    x = [day.isoformat() for day in ends]
    figure = go.Figure(layout=_layout(y_title=text["kr"], title=title))
    figure.update_xaxes(type="date", hoverformat=HOVER_DAY)
    figure.add_trace(go.Scatter(x=x, y=actual, name=text["actual_to_date"], meta="actual",
                                mode="lines+markers", line={"color": SERIES_COLOURS[0]},
                                hovertemplate=HOVER_SEK))
    figure.add_trace(go.Scatter(x=x, y=forecast, name=text["forecast"], meta="forecast",
                                mode="lines+markers",
                                line={"color": SERIES_COLOURS[2], "dash": "dot"},
                                marker={"symbol": "diamond"}, hovertemplate=HOVER_SEK))
    figure.add_trace(go.Scatter(x=x, y=[int(budget_sek)] * len(x), name=text["budget"],
                                meta="budget", mode="lines",
                                line={"color": BUDGET_COLOUR, "dash": "dash"},
                                hovertemplate=HOVER_SEK))
    columns = (Column(text["period"], INT, total=False), Column(text["period_ends"], DATE),
               Column(text["actual_to_date"], SEK, total=False),
               Column(text["spent_in_period"], SEK), Column(text["forecast"], SEK, total=False),
               Column(text["budget"], SEK, total=False))
    rows = tuple(zip(periods, ends, actual, in_period, forecast, [int(budget_sek)] * len(x),
                     strict=True))
    return Chart(_as_dict(figure), columns, rows)


ASPECT_KEYS = ("overall", "cost", "schedule", "scope", "benefit")


def status_timeline(data: pd.DataFrame | Sequence[Mapping[str, Any]], *,
                    labels: Mapping[str, str] | None = None, title: str = "") -> Chart:
    """Show a project's five statuses in every reported period (rows aspects, columns periods).

    `data` has the columns period (number), ends_on and overall/cost/schedule/scope/benefit
    (each "green", "amber", "red" or None: not reported).
    """
    text = _text(labels)
    frame = _frame(data, ("period", "ends_on", *ASPECT_KEYS))
    column_names = [f"{int(number)} ({_day(day).isoformat()})"
                    for number, day in zip(frame["period"], frame["ends_on"], strict=True)]
    aspect_labels = {"overall": text["overall"], "cost": text["cost_status"],
                     "schedule": text["schedule"], "scope": text["scope"],
                     "benefit": text["benefit"]}
    statuses = [[_plain(value) or "missing" for value in frame[key]] for key in ASPECT_KEYS]
    return status_heatmap([aspect_labels[key] for key in ASPECT_KEYS], column_names, statuses,
                          labels=labels, title=title, row_header=text["aspect"],
                          column_ticks=[str(int(number)) for number in frame["period"]],
                          column_title=text["period"])
