"""The benefits dependency network drawn as a layered graph, left to right, as a plotly figure.

Pure: standard library only. Callers hand over plain nodes (id, kind, label, column, at_risk,
state, due date) and edges, with the translated words; the figure is a JSON-ready dict for
`Plotly.newPlot` (drawn by app/static/js/dashboards.js). Columns run enablers → enabling
changes → business changes → benefits → goals; a node at risk is drawn with a thick red ring
and named so in its hover text, so colour is never the only cue.
"""

from collections.abc import Mapping, Sequence
from typing import Any

KIND_ORDER = ("enabler", "enabling_change", "business_change", "benefit", "goal")
# Okabe–Ito colours and distinct symbols per kind (shape and legend carry the kind too).
KIND_STYLE: Mapping[str, tuple[str, str]] = {
    "enabler": ("#0072B2", "square"),
    "enabling_change": ("#E69F00", "diamond"),
    "business_change": ("#CC79A7", "triangle-up"),
    "benefit": ("#009E73", "circle"),
    "goal": ("#000000", "star"),
}
RISK_COLOUR = "#D55E00"
ROW_HEIGHT = 64
WRAP_AT = 22


def wrapped(label: str, width: int = WRAP_AT) -> str:
    """Break a long label over lines at spaces so the columns stay readable."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + len(word) + 1 <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def positions(nodes: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, float]]:
    """Place each node: x its column, y its place in the column (top first)."""
    columns: dict[int, list[str]] = {}
    for node in nodes:
        columns.setdefault(node["column"], []).append(node["id"])
    tallest = max((len(ids) for ids in columns.values()), default=1)
    placed: dict[str, tuple[int, float]] = {}
    for column, ids in columns.items():
        offset = (tallest - len(ids)) / 2
        for index, key in enumerate(ids):
            placed[key] = (column, -(index + offset))
    return placed


def network_figure(nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str]],
                   words: Mapping[str, str]) -> dict[str, Any]:
    """Build the layered figure; `words` holds the translated kind names, "at_risk" and "due"."""
    placed = positions(nodes)
    data: list[dict[str, Any]] = []
    xs: list[float | None] = []
    ys: list[float | None] = []
    for source, target in edges:
        if source in placed and target in placed:
            xs += [placed[source][0], placed[target][0], None]
            ys += [placed[source][1], placed[target][1], None]
    data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "hoverinfo": "skip",
                 "showlegend": False, "line": {"color": "#767676", "width": 1}})
    for kind in KIND_ORDER:
        members = [n for n in nodes if n["kind"] == kind]
        if not members:
            continue
        colour, symbol = KIND_STYLE[kind]
        hover = []
        for node in members:
            text = [node["label"], words[kind]]
            if node.get("state_label"):
                text.append(node["state_label"])
            if node.get("due_on"):
                text.append(f"{words['due']} {node['due_on']}")
            if node.get("at_risk"):
                text.append(words["at_risk"])
            hover.append("<br>".join(text))
        data.append({
            "type": "scatter", "mode": "markers+text", "name": words[kind],
            "x": [placed[n["id"]][0] for n in members],
            "y": [placed[n["id"]][1] for n in members],
            "text": [wrapped(n["label"]) for n in members], "textposition": "bottom center",
            "textfont": {"size": 11},
            "hovertext": hover, "hoverinfo": "text",
            "marker": {"size": 16, "color": colour, "symbol": symbol,
                       "line": {"color": [RISK_COLOUR if n.get("at_risk") else "#FFFFFF"
                                          for n in members],
                                "width": [4 if n.get("at_risk") else 1 for n in members]}},
        })
    at_risk = [n for n in nodes if n.get("at_risk")]
    if at_risk:
        data.append({"type": "scatter", "mode": "markers", "name": words["at_risk"],
                     "x": [placed[n["id"]][0] for n in at_risk],
                     "y": [placed[n["id"]][1] for n in at_risk], "hoverinfo": "skip",
                     "marker": {"size": 26, "color": "rgba(0,0,0,0)", "symbol": "circle-open",
                                "line": {"color": RISK_COLOUR, "width": 2}}})
    column_kinds: dict[int, str] = {}
    for node in nodes:
        column_kinds.setdefault(node["column"], node["kind"])
    tallest = max((sum(1 for n in nodes if n["column"] == c) for c in column_kinds), default=1)
    return {"data": data, "layout": {
        "height": max(320, tallest * ROW_HEIGHT + 140),
        "margin": {"l": 40, "r": 40, "t": 40, "b": 40},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"tickvals": sorted(column_kinds),
                  "ticktext": [words[column_kinds[c]] for c in sorted(column_kinds)],
                  "side": "top", "zeroline": False, "showgrid": False, "fixedrange": False,
                  "range": [-0.6, max(column_kinds, default=0) + 0.6]},
        "yaxis": {"visible": False, "zeroline": False, "showgrid": False},
        "hovermode": "closest",
    }}
