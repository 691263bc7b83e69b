"""The budget-cut explanation as a one-sheet workbook, and the what-if bar chart's geometry.

Pure: standard library and `reports.xlsx` only. The workbook goes through the one safe
writer. The chart is plain geometry (rectangles, ticks, legend) that a template draws as
SVG with attributes only, so it needs no script and no inline style (CSP), and the page
shows the same numbers in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.xlsx import Column, SheetSpec, write_table_workbook

SERIES_COLOURS = ("#0b5394", "#b45f06", "#38761d", "#741b47")
TICKS = 5


def explanation_workbook(title: str, headers: Sequence[tuple[str, str]],
                         rows: Sequence[Sequence], print_header: str | None = None) -> bytes:
    """Write the explanation's (header, kind) columns and rows as one typed sheet."""
    columns = [Column(header, kind) for header, kind in headers]
    return write_table_workbook([SheetSpec(title=title, columns=columns, rows=rows,
                                           autofilter=False, print_header=print_header)])


@dataclass(frozen=True)
class Bar:
    """One bar: its rectangle, the series and category it belongs to, and its value."""

    x: float
    y: float
    width: float
    height: float
    series: int
    category: str
    value: int
    label: str
    colour: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    x: float
    label: str
    colour: str


@dataclass(frozen=True)
class BarChart:
    """A grouped bar chart laid out in a `width` × `height` box."""

    width: int
    height: int
    left: float
    top: float
    bottom: float
    right: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    categories: tuple[tuple[float, str], ...]
    legend: tuple[LegendItem, ...]


def nice_step(maximum: float, ticks: int = TICKS) -> float:
    """Return a round step (1, 2 or 5 × 10^k) that covers `maximum` in about `ticks` steps."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def grouped_bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *,
                      width: int = 720, height: int = 320,
                      format_value: Callable[[int], str] = str) -> BarChart:
    """Lay out one group of bars per category, one bar per series; negative values show as 0."""
    left, right, top, bottom = 90.0, width - 10.0, 40.0, height - 40.0
    maximum = max((max(values, default=0) for _label, values in series), default=0)
    step = nice_step(maximum)
    top_value = step * max(1, math.ceil(maximum / step))
    scale = (bottom - top) / top_value
    group = (right - left) / max(len(categories), 1)
    bar_width = group * 0.8 / max(len(series), 1)
    bars = []
    for c, category in enumerate(categories):
        for s, (label, values) in enumerate(series):
            value = values[c]
            bar_height = max(value, 0) * scale
            bars.append(Bar(
                x=round(left + c * group + group * 0.1 + s * bar_width, 2),
                y=round(bottom - bar_height, 2), width=round(bar_width, 2),
                height=round(bar_height, 2), series=s, category=category, value=value,
                label=label, colour=SERIES_COLOURS[s % len(SERIES_COLOURS)]))
    ticks = tuple(Tick(round(bottom - i * step * scale, 2), format_value(int(i * step)))
                  for i in range(int(round(top_value / step)) + 1))
    legend = tuple(LegendItem(left + i * 170, label, SERIES_COLOURS[i % len(SERIES_COLOURS)])
                   for i, (label, _values) in enumerate(series))
    return BarChart(width, height, left, top, bottom, right, tuple(bars), ticks,
                    tuple((round(left + (c + 0.5) * group, 2), category)
                          for c, category in enumerate(categories)), legend)
