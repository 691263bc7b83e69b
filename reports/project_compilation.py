"""The council's appendix 1, "Sammanställning av e-projekt": every project on one sheet.

Pure: standard library and `reports.xlsx` only. Rows come in as plain `CompilationRow`s
(the service loads them in a fixed number of queries); the sheet is typed (dates as dates,
SEK as numbers in kr, the spent share as a percentage), has a frozen, filtered header, a
totals row of SUM formulas and prints landscape with the report's name and date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reports.xlsx import DATE, PERCENT, SEK, Column, SheetSpec, write_table_workbook

__all__ = [
    "COLUMNS",
    "CompilationRow",
    "DEFAULT_TITLE",
    "build_project_compilation",
    "compilation_filename",
    "compilation_table",
]

DEFAULT_TITLE = "Sammanställning av e-projekt"
STATE_LABELS = {"active": "Pågående", "closed": "Avslutat"}
RAG_LABELS = {"green": "Grön", "amber": "Gul", "red": "Röd"}
NOT_REPORTED = "Ej rapporterat"
NO_AREA = "–"

COLUMNS = (
    Column("Förvaltning"),
    Column("Område"),
    Column("Projekt"),
    Column("Diarienummer"),
    Column("Beviljat", SEK),
    Column("Förbrukat", SEK),
    Column("Förbrukat av beviljat", PERCENT),
    Column("Status"),
    Column("Läge"),
    Column("Planerad start", DATE),
    Column("Planerat slut", DATE),
    Column("Driftstart", DATE),
)


@dataclass(frozen=True)
class CompilationRow:
    """One project as the compilation shows it; `status` is the latest reported overall RAG."""

    project_id: int
    title: str
    organisation: str
    area: str | None
    decision_references: tuple[str, ...]
    granted_sek: int
    spent_sek: int | None
    status: str | None
    state: str
    baseline_start_on: date
    baseline_end_on: date
    go_live_on: date | None


def _share(part: int | None, whole: int) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def compilation_table(rows: Iterable[CompilationRow]) -> list[list[object]]:
    """Turn the rows into the sheet's typed cells, in the order given."""
    return [
        [
            row.organisation,
            row.area or NO_AREA,
            row.title,
            "; ".join(row.decision_references),
            row.granted_sek,
            row.spent_sek,
            _share(row.spent_sek, row.granted_sek),
            RAG_LABELS.get(row.status, NOT_REPORTED) if row.status else NOT_REPORTED,
            STATE_LABELS.get(row.state, row.state),
            row.baseline_start_on,
            row.baseline_end_on,
            row.go_live_on,
        ]
        for row in rows
    ]


def compilation_filename(as_of: date, title: str = DEFAULT_TITLE) -> str:
    return f"{title} {as_of.isoformat()}.xlsx"


def build_project_compilation(rows: Sequence[CompilationRow], *, as_of: date,
                              title: str = DEFAULT_TITLE, programme: str = "") -> bytes:
    """Build the compilation workbook: one row per project, totals as SUM formulas."""
    heading = f"{title} – {programme}" if programme else title
    return write_table_workbook([SheetSpec(
        title="Projekt", columns=COLUMNS, rows=compilation_table(rows), totals=True,
        print_header=f"{heading}, per {as_of.isoformat()}",
        print_footer=f"{title} {as_of.isoformat()}")])
