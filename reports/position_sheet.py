"""The programme's position ("Programmets läge") as a one-sheet workbook.

Pure: standard library and `reports.xlsx` only. Each line is a figure with its amount in
kronor, its number or its share, in typed columns (kr, whole numbers, per cent), so the sheet
shows the same figures as the page and the API, to the krona.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.xlsx import INT, PERCENT, SEK, TEXT, Column, SheetSpec, write_table_workbook


@dataclass(frozen=True)
class PositionLine:
    """One figure: its label and at most one of an amount (SEK), a number and a share (0–1)."""

    label: str
    amount_sek: int | None = None
    count: int | None = None
    share: float | None = None


def position_workbook(title: str, headers: Sequence[str], lines: Sequence[PositionLine],
                      print_header: str | None = None, print_footer: str | None = None
                      ) -> bytes:
    """Write the lines under the four headers (figure, kronor, number, share) as one sheet."""
    figure, amount, number, share = headers
    columns = [Column(figure, TEXT, width=48), Column(amount, SEK, total=False),
               Column(number, INT, total=False), Column(share, PERCENT, total=False)]
    rows = [[line.label, line.amount_sek, line.count, line.share] for line in lines]
    return write_table_workbook([SheetSpec(title=title, columns=columns, rows=rows,
                                           autofilter=False, print_header=print_header,
                                           print_footer=print_footer)])
