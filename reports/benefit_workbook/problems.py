"""Problems found in an uploaded workbook, each with its sheet and cells."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from .layout import MAX_PROBLEMS, SHEET_BENEFITS, SHEET_COSTS, SHEET_SETTINGS


@dataclass(frozen=True)
class WorkbookProblem:
    """One problem in an uploaded workbook: the sheet, the cell(s) and what to do, in Swedish."""

    sheet: str | None
    cell: str | None
    message: str
    order: tuple[int, int, int] = field(default=(-1, 0, 0), compare=False, repr=False)

    def __str__(self) -> str:
        """Render "Blad Nyttor, cell D7: 'tolv' är inget tal – skriv t.ex. 12"."""
        if self.sheet and self.cell:
            word = "cellerna" if ":" in self.cell or "," in self.cell else "cell"
            return f"Blad {self.sheet}, {word} {self.cell}: {self.message}"
        if self.sheet:
            return f"Blad {self.sheet}: {self.message}"
        return self.message


class WorkbookError(Exception):
    """Report every problem in an uploaded workbook at once; nothing is imported."""

    def __init__(self, errors: Sequence[WorkbookProblem]):
        """Keep the problems in sheet and cell order and their Swedish sentences."""
        if not errors:
            raise ValueError("WorkbookError needs at least one problem")
        self.errors: list[WorkbookProblem] = list(errors)
        self.messages: list[str] = [str(problem) for problem in self.errors]
        super().__init__("\n".join(self.messages))


_SHEET_ORDER = {SHEET_SETTINGS: 0, SHEET_BENEFITS: 1, SHEET_COSTS: 2}


def _cell_ref(cells: Sequence[tuple[int, int]]) -> str | None:
    """Spell cells as "D7", a row range "G3:K3", or a list "B8, B9"."""
    if not cells:
        return None
    names = [f"{get_column_letter(col)}{row}" for row, col in cells]
    if len(cells) == 1:
        return names[0]
    rows = sorted({row for row, _ in cells})
    columns = sorted({col for _, col in cells})
    if len(rows) * len(columns) == len(cells) and (len(rows) == 1 or len(columns) == 1):
        runs = rows if len(columns) == 1 else columns
        if runs == list(range(runs[0], runs[0] + len(runs))):
            return f"{names[0]}:{names[-1]}"
    return ", ".join(names)


class _Problems:
    """Collect problems and remember which cells already have one."""

    def __init__(self) -> None:
        """Start empty."""
        self.items: list[WorkbookProblem] = []
        self.flagged: set[tuple[str, int, int]] = set()

    def add(self, sheet: str | None, cells: Sequence[tuple[int, int]], message: str) -> None:
        """Record one problem at the given cells (none for a sheet- or file-level problem)."""
        cells = sorted(cells)
        first = cells[0] if cells else (0, 0)
        order = (_SHEET_ORDER.get(sheet or "", -1), first[0], first[1])
        self.items.append(WorkbookProblem(sheet, _cell_ref(cells), message, order))
        self.flagged.update((sheet or "", row, col) for row, col in cells)

    def covers(self, sheet: str, cells: Iterable[tuple[int, int]]) -> bool:
        """Tell whether any of these cells already has a problem, to avoid double reports."""
        return any((sheet, row, col) in self.flagged for row, col in cells)

    def raise_if_any(self) -> None:
        """Raise a `WorkbookError` with the problems sorted by sheet, row and column."""
        if not self.items:
            return
        items = sorted(self.items, key=lambda problem: problem.order)
        if len(items) > MAX_PROBLEMS:
            more = len(items) - MAX_PROBLEMS
            items = items[:MAX_PROBLEMS] + [WorkbookProblem(
                None, None, f"… och {more} fel till – rätta dem ovan och läs in filen igen."
            )]
        raise WorkbookError(items)


def _refuse(message: str, sheet: str | None = None) -> WorkbookError:
    """Build a `WorkbookError` for a problem with the whole file or sheet."""
    return WorkbookError([WorkbookProblem(sheet, None, message)])
