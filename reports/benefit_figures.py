"""Benefit figures as plotly figure dicts: the PENG-style present values and planned vs realised.

Pure: standard library and plotly only. Callers pass plain numbers and the (translated) labels;
the dicts returned are JSON-ready for `Plotly.newPlot` in `app/static/js/benefits.js`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

PENG_COLOURS: Mapping[str, str] = {
    "green": "#2e7d32",
    "yellow": "#e0b000",
    "red": "#c62828",
    "blue": "#1f5fa8",
}
BENEFIT_COLOURS = ("green", "yellow", "red")
PENG_LABELS: Mapping[str, str] = {
    "green": "Cash-releasing",
    "yellow": "Valued, not cash-releasing",
    "red": "Qualitative (counted, not valued)",
    "blue": "Costs",
    "benefits": "Benefits",
    "costs": "Costs",
    "axis": "Present value (kr)",
}
PLANNED_LABELS: Mapping[str, str] = {
    "planned": "Planned",
    "realised": "Realised",
    "axis": "kr",
}
PLANNED_COLOUR = "#1f5fa8"
REALISED_COLOUR = "#2e7d32"
SWEDISH_SEPARATORS = ", "
HOVER_SEK = "%{y:,.0f} kr<extra>%{fullData.name}</extra>"


def _layout(axis_title: str, *, barmode: str, title: str) -> dict:
    """Share one sober, print-friendly layout with Swedish number separators."""
    return {
        "template": "none",
        "barmode": barmode,
        "separators": SWEDISH_SEPARATORS,
        "title": {"text": title} if title else None,
        "yaxis": {"title": {"text": axis_title}, "tickformat": ",.0f", "rangemode": "tozero",
                  "automargin": True},
        "legend": {"orientation": "h", "y": -0.15, "traceorder": "normal"},
        "margin": {"l": 80, "r": 20, "t": 40 if title else 20, "b": 60},
        "font": {"family": "system-ui, sans-serif", "size": 13},
    }


def _as_dict(figure: go.Figure) -> dict:
    """Return the figure as plain JSON data (lists, dicts, numbers, strings)."""
    return json.loads(figure.to_json())


def peng_figure(pv_by_colour_sek: Mapping[str, int], qualitative_count: int = 0, *,
                labels: Mapping[str, str] | None = None, title: str = "") -> dict:
    """Stack the benefits' present values by PENG colour next to the costs' present value.

    Green is cash-releasing, yellow valued but not cash-releasing, red qualitative benefits that
    are counted but not valued (its bar is 0 kr; the count is in its legend name), blue costs.
    """
    text = {**PENG_LABELS, **(labels or {})}
    figure = go.Figure(layout=_layout(text["axis"], barmode="stack", title=title))
    for colour in BENEFIT_COLOURS:
        value = 0 if colour == "red" else int(pv_by_colour_sek.get(colour, 0))
        name = f"{text[colour]}: {qualitative_count}" if colour == "red" else text[colour]
        figure.add_trace(go.Bar(
            x=[text["benefits"]], y=[value], name=name, meta=colour,
            marker={"color": PENG_COLOURS[colour]}, hovertemplate=HOVER_SEK))
    figure.add_trace(go.Bar(
        x=[text["costs"]], y=[int(pv_by_colour_sek.get("blue", 0))], name=text["blue"],
        meta="blue", marker={"color": PENG_COLOURS["blue"]}, hovertemplate=HOVER_SEK))
    if not any(int(value or 0) for value in pv_by_colour_sek.values()):
        figure.update_yaxes(range=[0, 1], tickvals=[0])  # not plotly's -1..1 rounded to 1,1,0
    return _as_dict(figure)


def planned_vs_realised_figure(years: Sequence[int], planned_sek: Sequence[int],
                               realised_sek: Sequence[int | None], *,
                               labels: Mapping[str, str] | None = None,
                               title: str = "") -> dict:
    """Group planned and realised SEK per year; a year with nothing realised has no bar."""
    if not len(years) == len(planned_sek) == len(realised_sek):
        raise ValueError("years, planned_sek and realised_sek must have the same length")
    text = {**PLANNED_LABELS, **(labels or {})}
    categories = [str(year) for year in years]
    figure = go.Figure(layout=_layout(text["axis"], barmode="group", title=title))
    figure.update_xaxes(type="category")
    figure.add_trace(go.Bar(x=categories, y=[int(v) for v in planned_sek], name=text["planned"],
                            meta="planned", marker={"color": PLANNED_COLOUR},
                            hovertemplate=HOVER_SEK))
    figure.add_trace(go.Bar(x=categories, y=[None if v is None else int(v) for v in realised_sek],
                            name=text["realised"], meta="realised",
                            marker={"color": REALISED_COLOUR}, hovertemplate=HOVER_SEK))
    return _as_dict(figure)
