"""The efficient frontier as a plotly figure, with the same points as a table.

Pure: standard library and plotly only; no Flask, no database. The caller hands over the
frontier points (budget in kronor, best value), the scenario's selection and the remaining
envelope, and the translated labels. The figure is drawn by app/static/js/dashboards.js.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from reports.dashboard_figures import BUDGET_COLOUR, LEGEND_ABOVE, SERIES_COLOURS, Chart, _as_dict
from reports.dashboard_figures import _layout as dashboard_layout
from reports.xlsx import INT, SEK, Column

LABELS: Mapping[str, str] = {
    "budget": "Budget",
    "value": "Best value",
    "frontier": "Efficient frontier",
    "selection": "This scenario's selection",
    "envelope": "Left in the envelope",
    "count": "Candidates chosen",
}
SELECTION_COLOUR = SERIES_COLOURS[2]


def frontier_chart(points: Sequence[tuple[int, float, int]], *, selection: tuple[int, float],
                   envelope_sek: int, labels: Mapping[str, str] | None = None,
                   title: str = "") -> Chart:
    """Draw the best value against the budget as steps, the selection as a marker and the
    remaining envelope as a vertical line.

    `points` are (budget_sek, best value, number chosen) where the best value rises;
    `selection` is the scenario's (total cost, total value).
    """
    text = {**LABELS, **(labels or {})}
    layout = dashboard_layout(y_title=text["value"], x_title=text["budget"], title=title,
                              money_axis=False)
    layout["xaxis"].update({"tickformat": ",.0f", "rangemode": "tozero", "ticksuffix": " kr"})
    layout["yaxis"].update({"rangemode": "tozero"})
    layout["legend"] = dict(LEGEND_ABOVE)
    layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": envelope_sek,
                         "x1": envelope_sek, "y0": 0, "y1": 1,
                         "line": {"color": BUDGET_COLOUR, "width": 2, "dash": "dash"}}]
    layout["annotations"] = [{"x": envelope_sek, "xref": "x", "y": 1, "yref": "paper",
                              "text": text["envelope"], "showarrow": False,
                              "xanchor": "left", "yanchor": "bottom"}]
    figure = go.Figure(layout=layout)
    budgets = [int(budget) for budget, _value, _count in points]
    values = [round(float(value), 4) for _budget, value, _count in points]
    if points:
        top = max(envelope_sek, budgets[-1])
        figure.add_trace(go.Scatter(
            x=[*budgets, top], y=[*values, values[-1]], mode="lines+markers",
            line={"shape": "hv", "color": SERIES_COLOURS[0], "width": 2},
            marker={"size": 5}, name=text["frontier"],
            hovertemplate="%{x:,.0f} kr → %{y:,.2f}<extra></extra>"))
    figure.add_trace(go.Scatter(
        x=[int(selection[0])], y=[round(float(selection[1]), 4)], mode="markers",
        marker={"size": 14, "symbol": "diamond", "color": SELECTION_COLOUR,
                "line": {"width": 1, "color": "#000000"}},
        name=text["selection"], hovertemplate="%{x:,.0f} kr → %{y:,.2f}<extra></extra>"))
    figure.add_trace(go.Scatter(
        x=[envelope_sek, envelope_sek], y=[None, None], mode="lines",
        line={"color": BUDGET_COLOUR, "width": 2, "dash": "dash"}, name=text["envelope"],
        hoverinfo="skip"))
    columns = (Column(text["budget"], SEK), Column(text["value"]), Column(text["count"], INT))
    rows = tuple((int(budget), round(float(value), 2), int(count))
                 for budget, value, count in points)
    return Chart(_as_dict(figure), columns, rows)
