"""The charts of a tertial report, built from its frozen snapshot (INTERFACES.md, schema 1).

Pure: the snapshot is plain JSON, so the finance committee sees exactly the figures that were
presented, however the ledgers have moved since. Each builder returns a dashboard `Chart`.
The envelope's spending is what the programme's ledger has booked; the projects' money is the
cost they reported themselves, so the two are labelled apart (booked against reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from app.core.money import format_share
from reports.dashboard_figures import (
    HOVER_SEK_ACROSS,
    SERIES_COLOURS,
    STATUS_COLOURS,
    Chart,
    _as_dict,
    _bar_height,
    _category_ticks,
    _layout,
    _text,
    envelope_waterfall,
)
from reports.xlsx import INT, PERCENT, SEK, Column

STATUS_ORDER = ("green", "amber", "red", "missing")
TERTIAL_LABELS: Mapping[str, str] = {
    "granted": "Granted",
    "booked_spent": "Booked spending in the ledger",
    "reported_in_period": "Reported cost in the period",
    "reported_to_date": "Reported cost to date",
    "projects": "Projects",
    "not_kept": "Not kept",
    "measure": "Measure",
    "no_report": "No report",
}


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return _text({**TERTIAL_LABELS, **(labels or {})})


def snapshot_envelope(snapshot: Mapping[str, Any], *, labels: Mapping[str, str] | None = None,
                      title: str = "") -> Chart:
    """Draw the envelope as it stood at the report's date, its spending named as booked."""
    envelope = snapshot["envelope"]
    text = _labels(labels)
    return envelope_waterfall(envelope["reserved_sek"], envelope["committed_sek"],
                              envelope["spent_sek"], envelope["left_sek"],
                              labels={**text, "spent": text["booked_spent"]}, title=title)


def spending_by_area(snapshot: Mapping[str, Any], *, labels: Mapping[str, str] | None = None,
                     title: str = "") -> Chart:
    """Group each area's granted money and the cost its projects reported, to date and in the
    tertial."""
    text = _labels(labels)
    rows = tuple((str(item["area"]), int(item["projects"]), int(item["granted_sek"]),
                  int(item["spent_to_date_sek"]), int(item["spent_in_period_sek"]))
                 for item in snapshot.get("by_area", []))
    areas = [row[0] for row in rows]
    figure = go.Figure(layout=_layout(x_title=text["kr"], title=title, barmode="group",
                                      across=True, height=_bar_height(len(areas), 3)))
    figure.update_yaxes(type="category", **_category_ticks(areas))
    series = (("granted", "granted", SERIES_COLOURS[5]),
              ("spent_to_date", "reported_to_date", SERIES_COLOURS[0]),
              ("spent_in_period", "reported_in_period", SERIES_COLOURS[1]))
    for index, (key, label, colour) in enumerate(series, start=2):
        figure.add_trace(go.Bar(y=areas, x=[row[index] for row in rows], name=text[label],
                                meta=key, orientation="h", marker={"color": colour},
                                hovertemplate=HOVER_SEK_ACROSS))
    columns = (Column(text["area"]), Column(text["projects"], INT), Column(text["granted"], SEK),
               Column(text["reported_to_date"], SEK), Column(text["reported_in_period"], SEK))
    return Chart(_as_dict(figure), columns, rows)


def status_counts(snapshot: Mapping[str, Any], *, labels: Mapping[str, str] | None = None,
                  title: str = "") -> Chart:
    """Count the projects by overall status in their latest report; no report counts apart."""
    text = _labels(labels)
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for project in snapshot.get("projects", []):
        counts[project.get("overall_status") or "missing"] += 1
    names = [text["no_report"] if status == "missing" else text[status]
             for status in STATUS_ORDER]
    values = [counts[status] for status in STATUS_ORDER]
    figure = go.Figure(layout=_layout(y_title=text["projects"], title=title, money_axis=False))
    figure.update_xaxes(type="category")
    figure.update_yaxes(rangemode="tozero", tickformat=",d")
    figure.add_trace(go.Bar(x=names, y=values, meta="status", text=values,
                            textposition="outside", cliponaxis=False,
                            marker={"color": [STATUS_COLOURS[s] for s in STATUS_ORDER]},
                            showlegend=False, hovertemplate="%{x}: %{y}<extra></extra>"))
    columns = (Column(text["status"]), Column(text["projects"], INT))
    return Chart(_as_dict(figure), columns, tuple(zip(names, values, strict=True)))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _percent_text(share: Decimal | None) -> str:
    """A share written the Swedish way, as the tables write it: 30,8 % (empty when unknown)."""
    return "" if share is None else format_share(share, 1)


def adherence_shares(snapshot: Mapping[str, Any], *, labels: Mapping[str, str] | None = None,
                     title: str = "") -> Chart:
    """Show the shares of assessed projects not keeping their budget and their schedule."""
    text = _labels(labels)
    figures = snapshot.get("adherence") or {}
    rows = (
        (text["not_kept_budget"], int(figures.get("not_kept_budget", 0)),
         int(figures.get("assessed", 0)), _decimal(figures.get("not_kept_budget_share"))),
        (text["not_kept_schedule"], int(figures.get("not_kept_schedule", 0)),
         int(figures.get("assessed", 0)), _decimal(figures.get("not_kept_schedule_share"))),
    )
    figure = go.Figure(layout=_layout(y_title=text["share"], title=title, money_axis=False))
    figure.update_xaxes(type="category")
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.add_trace(go.Bar(
        x=[row[0] for row in rows], y=[None if row[3] is None else float(row[3]) for row in rows],
        meta="adherence", marker={"color": [SERIES_COLOURS[2], SERIES_COLOURS[0]]},
        text=[_percent_text(row[3]) for row in rows], textposition="outside", cliponaxis=False,
        showlegend=False, hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    columns = (Column(text["measure"]), Column(text["not_kept"], INT, total=False),
               Column(text["assessed"], INT, total=False), Column(text["share"], PERCENT))
    return Chart(_as_dict(figure), columns, rows)


def tertial_charts(snapshot: Mapping[str, Any], *, labels: Mapping[str, str] | None = None
                   ) -> dict[str, Chart]:
    """Every chart of a tertial report, by name, in the order the page shows them."""
    return {
        "envelope": snapshot_envelope(snapshot, labels=labels),
        "by_area": spending_by_area(snapshot, labels=labels),
        "status": status_counts(snapshot, labels=labels),
        "adherence": adherence_shares(snapshot, labels=labels),
    }
