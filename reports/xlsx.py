"""The one safe workbook writer every Excel export uses.

Pure: standard library, openpyxl and XlsxWriter only, no Flask and no database. Domains
hand over typed rows (dates as dates, SEK as numbers); this module types the cells, formats
them, and neutralises text so that nothing a user typed can run as a formula (CWE-1236).
Workbooks built in memory use openpyxl; one-sheet tables are streamed with XlsxWriter's
constant-memory writer, several times faster per cell.

Every string is written as a string (data type "s"), never through openpyxl's or
XlsxWriter's own inference, which turns text starting with "=" into a formula and "#N/A"
into an error. Text starting with = + - @ tab, CR or LF also gets Excel's quote prefix, so
editing the cell in Excel keeps it text. Characters XML cannot carry are removed, and CR line
ends become LF, which is what any XML reader returns for them anyway (XML 1.0, 2.11).

Column kinds: text (any value, typed by itself), int, sek (integer kronor shown as kr),
msek (SEK in; an Excel number format cannot divide by a million in a locale-free way,
so the cell stores SEK / 1 000 000 and shows it as mnkr), percent (a share: 0.31 shows
31.0%), date and datetime. An aware datetime is stored in UTC: Excel has no time zones.
"""

from __future__ import annotations

import math
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from functools import partial
from io import BytesIO
from itertools import chain, islice
from typing import IO, Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.exceptions import FileCreateError

__all__ = [
    "DATE",
    "DATE_FORMAT",
    "DATETIME",
    "DATETIME_FORMAT",
    "INT",
    "INT_FORMAT",
    "MSEK",
    "MSEK_FORMAT",
    "PERCENT",
    "PERCENT_FORMAT",
    "SEK",
    "SEK_FORMAT",
    "TEXT",
    "Column",
    "SheetSpec",
    "add_table_sheet",
    "clean_text",
    "content_disposition",
    "safe_cell_value",
    "safe_filename",
    "safe_sheet_title",
    "set_safe_value",
    "set_up_printing",
    "stream_table_workbook",
    "stream_table_workbook_to",
    "workbook_bytes",
    "write_table_workbook",
]

TEXT = "text"
INT = "int"
SEK = "sek"
MSEK = "msek"
PERCENT = "percent"
DATE = "date"
DATETIME = "datetime"

# Format codes are stored locale-free: "," is the thousands separator, which Swedish
# Excel shows as a space ("1 234 567 kr"), "." the decimal sign it shows as a comma.
INT_FORMAT = "0"
SEK_FORMAT = '#,##0 "kr"'
MSEK_FORMAT = '#,##0.0 "mnkr"'
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"

NUMBER_FORMATS = {
    TEXT: None,
    INT: INT_FORMAT,
    SEK: SEK_FORMAT,
    MSEK: MSEK_FORMAT,
    PERCENT: PERCENT_FORMAT,
    DATE: DATE_FORMAT,
    DATETIME: DATETIME_FORMAT,
}
KINDS = tuple(NUMBER_FORMATS)
NUMERIC_KINDS = frozenset({INT, SEK, MSEK, PERCENT})
SUMMED_KINDS = frozenset({INT, SEK, MSEK})

# CR is written as LF (see clean_text), so a leading LF is as suspect as a leading CR.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_TEXT = 32_767
MAX_SHEET_TITLE = 31
MIN_COLUMN_WIDTH = 8
MAX_COLUMN_WIDTH = 60
STREAM_SAMPLE_ROWS = 100
SEK_PER_MSEK = 1_000_000
DEFAULT_SHEET_TITLE = "Blad"
_MAX_SHEET_ROWS = 1_048_576
_MAX_HEADER_FOOTER = 255
_PAGE_NUMBERS = "&P / &N"
# Calibri 11's widest digit in pixels: Excel measures column widths in these digits.
_PIXELS_PER_CHARACTER = 7
# XlsxWriter takes a string that starts and ends so for its own rich-text markup.
_RICH_TEXT_START, _RICH_TEXT_END = "<r>", "</r>"
_TEXT_NEEDING_CARE = (*FORMULA_PREFIXES, _RICH_TEXT_START)
DEFAULT_FILENAME = "export.xlsx"
MAX_FILENAME = 150

# Characters XML 1.0 cannot carry (tab and LF stay), plus lone surrogates and U+FFFE/FFFF.
_ILLEGAL_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_SUBSTITUTES = str.maketrans(
    {"[": "(", "]": ")", ":": "-", "/": "-", "\\": "-", "*": None, "?": None}
)
_RFC5987_SAFE = "!#$&+-.^_`|~"
_HEADER_FONT = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """Describe an exported column; msek cells hold SEK / 1 000 000, `total` None sums numbers."""

    header: str
    kind: str = TEXT
    width: int | None = None
    total: bool | None = None

    def __post_init__(self) -> None:
        """Refuse an unknown kind or a width that is not positive."""
        if self.kind not in NUMBER_FORMATS:
            raise ValueError(
                f"column {self.header!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}"
            )
        if self.width is not None and self.width <= 0:
            raise ValueError(f"column {self.header!r}: width must be positive, got {self.width}")

    @property
    def number_format(self) -> str | None:
        """Return the Excel number format of this column's cells, None for General."""
        return NUMBER_FORMATS[self.kind]

    @property
    def summed(self) -> bool:
        """Tell whether a totals row sums this column."""
        return self.kind in SUMMED_KINDS if self.total is None else self.total


@dataclass(frozen=True)
class SheetSpec:
    """Describe a table sheet; `print_header` (report name and date) tops each printed page."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    totals: bool = False
    freeze_header: bool = True
    autofilter: bool = True
    totals_label: str = "Summa"
    print_header: str | None = None
    print_footer: str | None = None


def clean_text(text: str) -> str:
    """Remove characters XML cannot hold and turn CR line ends into LF, capped at 32 767."""
    text = _ILLEGAL_XML_RE.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return text[:MAX_CELL_TEXT]


def safe_cell_value(value: Any) -> Any:
    """Clean `value` for a cell, keeping its type; store it with `set_safe_value`, not `.value`."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Enum):
        return safe_cell_value(value.value)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float | Decimal):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise TypeError(f"cannot store a time with a time zone in Excel: {value!r}")
        return value
    raise TypeError(
        "a cell holds text, a number, a bool, a date, a datetime, a time or None, "
        f"got {type(value).__name__}"
    )


def _default_format(value: Any) -> str | None:
    """Pick the date format a date or time needs when its column does not say."""
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, time):
        return TIME_FORMAT
    return None


def set_safe_value(cell: Cell, value: Any, number_format: str | None = None) -> Cell:
    """Store `value` in a worksheet or write-only cell, forcing text to stay text (CWE-1236)."""
    value = safe_cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    number_format = number_format or _default_format(value)
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _column_value(value: Any, column: Column, where: str) -> Any:
    """Check `value` suits its column's kind and convert SEK to millions for msek columns."""
    value = safe_cell_value(value)
    if value is None or column.kind == TEXT:
        return value
    numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if column.kind in NUMERIC_KINDS and not numeric:
        expected = "a number"
    elif column.kind in (DATE, DATETIME) and not isinstance(value, date):
        expected = "a date"
    elif column.kind == MSEK:
        return value / SEK_PER_MSEK if isinstance(value, float) else Decimal(value) / SEK_PER_MSEK
    else:
        return value
    raise TypeError(
        f"{where}, column {column.header!r} ({column.kind}): expected {expected}, "
        f"got {type(value).__name__}"
    )


def _row_values(row: Iterable[Any], columns: Sequence[Column], where: str) -> list[Any]:
    """Check one row against the columns, so no column is left empty or shifted, and type it."""
    if isinstance(row, str | bytes) or not isinstance(row, Iterable):
        raise TypeError(f"{where}: a row is a sequence of values, got {type(row).__name__}")
    values = list(row)
    if len(values) != len(columns):
        raise ValueError(f"{where}: {len(values)} values for {len(columns)} columns")
    return [
        _column_value(value, column, where) for value, column in zip(values, columns, strict=True)
    ]


def _display_width(value: Any, kind: str) -> int:
    """Estimate how many characters Excel needs to show `value` in a column of `kind`."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, bool):
        return 5
    if isinstance(value, datetime):
        return len("2012-12-31 23:59")
    if isinstance(value, date):
        return len("2012-12-31")
    if isinstance(value, time):
        return len("23:59")
    if kind == SEK:
        return len(f"{round(value):,} kr")
    if kind == MSEK:
        return len(f"{value:,.1f} mnkr")
    if kind == PERCENT:
        return len(f"{value * 100:.1f}%")
    if kind == INT:
        return len(str(round(value)))
    return min(len(str(value)), 15)


def _column_widths(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> list[int]:
    """Size columns to header and typed values, between MIN and MAX; a given width wins."""
    widest = [len(column.header) + 1 for column in columns]
    for row in rows:
        for i, (value, column) in enumerate(zip(row, columns, strict=True)):
            widest[i] = max(widest[i], _display_width(value, column.kind))
    return [
        column.width or max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, width + 2))
        for column, width in zip(columns, widest, strict=True)
    ]


def safe_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """Make `title` a legal sheet name (no []:*?/\\, <= 31 chars), unique among `taken`."""
    text = _without_controls(str(title)).translate(_SHEET_TITLE_SUBSTITUTES)
    text = " ".join(text.split()).strip("' ")
    if not text or text.casefold() == "history":
        text = f"{text} {DEFAULT_SHEET_TITLE}".strip()
    text = text[:MAX_SHEET_TITLE].rstrip("' ")
    used = {t.casefold() for t in taken}
    candidate, n = text, 1
    while candidate.casefold() in used:
        n += 1
        suffix = f" ({n})"
        candidate = text[: MAX_SHEET_TITLE - len(suffix)].rstrip("' ") + suffix
    return candidate


def _without_controls(text: str) -> str:
    """Drop control characters from a one-line name; line breaks and tabs become spaces."""
    text = _CONTROL_RE.sub(lambda match: " " if match.group().isspace() else "", text)
    return " ".join(text.split())


def _check_columns(title: str, columns: Sequence[Column]) -> list[Column]:
    """Refuse a sheet without columns: Excel would get an empty, unfilterable table."""
    columns = list(columns)
    if not columns:
        raise ValueError(f"sheet {title!r}: a table sheet needs at least one column")
    return columns


def _header_footer_text(text: str) -> str:
    """Make `text` literal in an Excel header or footer, where & starts a code."""
    return _without_controls(text).replace("&", "&&")


def set_up_printing(
    ws: Any,
    *,
    print_header: str | None = None,
    print_footer: str | None = None,
    title_rows: str | None = "1:1",
) -> None:
    """Print landscape, fit to one page wide, `title_rows` repeated, header/footer on each page."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
        ws.print_title_rows = title_rows
    if print_header:
        ws.oddHeader.center.text = _header_footer_text(print_header)
    if print_footer:
        ws.oddFooter.left.text = _header_footer_text(print_footer)
    ws.oddFooter.right.text = _PAGE_NUMBERS


def _set_up_sheet(
    ws: Any,
    widths: list[int],
    *,
    freeze_header: bool,
    print_header: str | None,
    print_footer: str | None = None,
) -> None:
    """Set widths, freeze the header, print landscape fit to width with the header on each page."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if freeze_header:
        ws.freeze_panes = "A2"
    set_up_printing(ws, print_header=print_header, print_footer=print_footer)


def _header_cell(cell: Cell, header: str) -> Cell:
    """Write a bold header."""
    set_safe_value(cell, header).font = _HEADER_FONT
    return cell


def add_table_sheet(workbook: Workbook, spec: SheetSpec) -> Worksheet:
    """Add `spec` as a typed, formatted sheet to `workbook`, for exports that add more."""
    columns = _check_columns(spec.title, spec.columns)
    ws = workbook.create_sheet(safe_sheet_title(spec.title, workbook.sheetnames))
    rows = [
        _row_values(row, columns, f"sheet {ws.title!r}, row {n}")
        for n, row in enumerate(spec.rows, start=1)
    ]
    for c, column in enumerate(columns, start=1):
        _header_cell(ws.cell(row=1, column=c), column.header)
    for r, row in enumerate(rows, start=2):
        for c, (value, column) in enumerate(zip(row, columns, strict=True), start=1):
            if value is not None:
                set_safe_value(ws.cell(row=r, column=c), value, column.number_format)
    last_row = len(rows) + 1
    if spec.totals:
        ws.append(_totals_cells(ws, columns, last_row, spec.totals_label))
    if spec.autofilter:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    _set_up_sheet(
        ws,
        _column_widths(columns, rows),
        freeze_header=spec.freeze_header,
        print_header=spec.print_header,
        print_footer=spec.print_footer,
    )
    return ws


def _totals_cells(ws: Any, columns: Sequence[Column], last_row: int,
                  label: str) -> list[Cell | None]:
    """Build a bold totals row of SUM formulas, so edits in Excel recompute; `label` first."""
    cells: list[Cell | None] = []
    for c, column in enumerate(columns, start=1):
        if not column.summed:
            cells.append(_header_cell(WriteOnlyCell(ws), label) if c == 1 else None)
            continue
        letter = get_column_letter(c)
        cell = WriteOnlyCell(ws, f"=SUM({letter}2:{letter}{last_row})" if last_row >= 2 else 0)
        cell.font = _HEADER_FONT
        if column.number_format:
            cell.number_format = column.number_format
        cells.append(cell)
    return cells


def workbook_bytes(workbook: Workbook) -> bytes:
    """Serialise `workbook` to .xlsx bytes."""
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table_workbook(sheets: Sequence[SheetSpec]) -> bytes:
    """Build an .xlsx with one typed, filtered, frozen-header table sheet per spec."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        add_table_sheet(workbook, spec)
    return workbook_bytes(workbook)


class _StreamedSheet:
    """An XlsxWriter constant-memory worksheet that stores cleaned values, text always as text.

    Strings go through `write_string` only, so nothing is read as a formula, a number or a
    URL; XlsxWriter writes them as inline strings, and keeps control characters and
    "_xHHHH_" literal by escaping them as Excel does.
    """

    def __init__(self, workbook: Any, worksheet: Any) -> None:
        self.workbook = workbook
        self.worksheet = worksheet
        self._formats: dict[tuple[str | None, bool, bool], Any] = {}

    def format(self, number_format: str | None = None, *, bold: bool = False,
               quote_prefix: bool = False) -> Any:
        """Return the shared cell format for this combination, None for the default style."""
        key = (number_format, bold, quote_prefix)
        if key not in self._formats:
            properties = {"num_format": number_format, "bold": bold, "quote_prefix": quote_prefix}
            properties = {name: value for name, value in properties.items() if value}
            self._formats[key] = self.workbook.add_format(properties) if properties else None
        return self._formats[key]

    def text(self, row: int, column: int, text: str, *, bold: bool = False) -> None:
        """Write cleaned text as text; text that looks like a formula gets the quote prefix."""
        cell_format = self.format(bold=bold, quote_prefix=text.startswith(FORMULA_PREFIXES))
        if text.startswith(_RICH_TEXT_START) and text.endswith(_RICH_TEXT_END):
            text = _literal_rich_text(text)
        self.worksheet.write_string(row, column, text, cell_format)

    def value(self, row: int, column: int, value: Any, number_format: str | None = None, *,
              bold: bool = False) -> None:
        """Write a value `safe_cell_value` cleaned, typed by itself; None leaves the cell empty."""
        if value is None:
            return
        if isinstance(value, str):
            self.text(row, column, value, bold=bold)
        elif isinstance(value, bool):
            self.worksheet.write_boolean(row, column, value, self.format(bold=bold))
        elif isinstance(value, date | time):
            cell_format = self.format(number_format or _default_format(value), bold=bold)
            self.worksheet.write_datetime(row, column, value, cell_format)
        else:
            self.worksheet.write_number(row, column, value, self.format(number_format, bold=bold))

    def cell_writers(self, columns: Sequence[Column]) -> list[Callable[[int, int, Any], Any]]:
        """Return, per column, the writer of its typed values (never None): numbers and dates
        of a typed column go straight to XlsxWriter, text columns type each value."""
        writers: list[Callable[[int, int, Any], Any]] = []
        for column in columns:
            cell_format = self.format(column.number_format)
            if column.kind in NUMERIC_KINDS:
                writers.append(partial(_write_with_format, self.worksheet.write_number,
                                       cell_format))
            elif column.kind in (DATE, DATETIME):
                writers.append(partial(_write_with_format, self.worksheet.write_datetime,
                                       cell_format))
            else:
                writers.append(self.text_column_value)
        return writers

    def text_column_value(self, row: int, column: int, value: Any) -> None:
        """Write a text column's value: plain text straight away, the rest as `value` does."""
        if value.__class__ is str and not value.startswith(_TEXT_NEEDING_CARE):
            self.worksheet.write_string(row, column, value)
        else:
            self.value(row, column, value)


def _write_with_format(write: Callable[..., Any], cell_format: Any, row: int, column: int,
                       value: Any) -> Any:
    return write(row, column, value, cell_format)


def _literal_rich_text(text: str) -> str:
    """Wrap text that starts with "<r>" and ends with "</r>" in one escaped rich-text run.

    XlsxWriter copies such a string into the sheet XML unescaped, taking it for its own
    rich-string markup, so user text could inject XML (a formula cell, say). As one run of
    escaped text it reads back unchanged. Text too long to wrap loses its final ">" instead
    and is written as plain text.
    """
    wrapped = f'<r><t xml:space="preserve">{xml_escape(text)}</t></r>'
    if _utf16_length(wrapped) <= MAX_CELL_TEXT:
        return wrapped
    return text[:-1]


def _utf16_length(text: str) -> int:
    """Count the UTF-16 code units Excel's length limits are counted in."""
    return len(text.encode("utf-16-le")) // 2


def _header_footer_section(code: str, text: str, room: int) -> str:
    """Return `code` and `text` made literal, cut to Excel's `room` without splitting "&&"."""
    text = _header_footer_text(text)
    excess = _utf16_length(code + text) - room
    if excess > 0:
        text = text[:-excess]
    if (len(text) - len(text.rstrip("&"))) % 2:
        text = text[:-1]
    return f"{code}{text}"


def _set_up_streamed_sheet(
    worksheet: Any,
    widths: list[int],
    *,
    freeze_header: bool,
    print_header: str | None,
    print_footer: str | None,
) -> None:
    """Set what `_set_up_sheet` sets, on an XlsxWriter worksheet: widths, frozen header, and
    printing landscape, one page wide, the header row on each page, header and footer text."""
    for column, width in enumerate(widths):
        # In pixels: Excel stores width / max digit width, so the file holds `width` itself.
        worksheet.set_column_pixels(column, column, width * _PIXELS_PER_CHARACTER)
    if freeze_header:
        worksheet.freeze_panes(1, 0)
    worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0)
    header = (_header_footer_section("&C", print_header, _MAX_HEADER_FOOTER)
              if print_header else "")
    page_numbers = f"&R{_PAGE_NUMBERS}"
    footer = (_header_footer_section("&L", print_footer, _MAX_HEADER_FOOTER - len(page_numbers))
              if print_footer else "")
    # set_header would read the "&G" of a literal "&&G" as an image placeholder and drop the
    # header, so it only sets the margins here and the text made literal above is stored.
    worksheet.set_header("")
    worksheet.set_footer("")
    worksheet.header = header
    worksheet.footer = footer + page_numbers


def stream_table_workbook_to(
    target: IO[bytes],
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Iterable[Any]],
    *,
    freeze_header: bool = True,
    autofilter: bool = True,
    print_header: str | None = None,
    print_footer: str | None = None,
    totals: bool = False,
    totals_label: str = "Summa",
) -> int:
    """Stream a table sheet into `target` with XlsxWriter's constant-memory writer; count rows.

    Each row is written out as soon as the next begins, and the sheet's and workbook's parts
    go through temporary files, so memory stays flat. With `totals`, a row of SUM formulas
    under the data totals the summed columns. `target` is only written once every row is
    typed: a refused row leaves it untouched.
    """
    columns = _check_columns(title, columns)
    sheet_title = safe_sheet_title(title)
    where = f"sheet {sheet_title!r}, row"
    remaining = iter(rows)
    sample = [
        _row_values(row, columns, f"{where} {n}")
        for n, row in enumerate(islice(remaining, STREAM_SAMPLE_ROWS), start=1)
    ]
    typed_rows = chain(
        sample,
        (
            _row_values(row, columns, f"{where} {n}")
            for n, row in enumerate(remaining, start=len(sample) + 1)
        ),
    )
    with tempfile.TemporaryDirectory(prefix="xlsx-", ignore_cleanup_errors=True) as scratch:
        workbook = xlsxwriter.Workbook(
            target, {"constant_memory": True, "in_memory": False, "tmpdir": scratch}
        )
        try:
            sheet = _StreamedSheet(workbook, workbook.add_worksheet(sheet_title))
            _set_up_streamed_sheet(
                sheet.worksheet,
                _column_widths(columns, sample),
                freeze_header=freeze_header,
                print_header=print_header,
                print_footer=print_footer,
            )
            count = _write_streamed_table(sheet, columns, typed_rows, totals=totals,
                                          totals_label=totals_label, autofilter=autofilter)
        except BaseException:
            # XlsxWriter cannot abandon a workbook: close its row files, write nothing.
            for worksheet in workbook.worksheets():
                worksheet._opt_close()
            raise
        try:
            workbook.close()
        except FileCreateError as error:
            raise error.args[0] from None
    return count


def _write_streamed_table(sheet: _StreamedSheet, columns: Sequence[Column],
                          typed_rows: Iterable[list[Any]], *, totals: bool, totals_label: str,
                          autofilter: bool) -> int:
    """Write the bold header, the typed rows in order, totals and filter; count the rows."""
    for c, column in enumerate(columns):
        sheet.value(0, c, safe_cell_value(column.header), bold=True)
    summed = [c for c, column in enumerate(columns)
              if totals and column.summed and column.kind in NUMERIC_KINDS]
    sums: dict[int, float] = dict.fromkeys(summed, 0)
    writers = sheet.cell_writers(columns)
    count = 0
    for count, values in enumerate(typed_rows, start=1):
        for c, (value, write) in enumerate(zip(values, writers, strict=True)):
            if value is not None:
                write(count, c, value)
        for c in summed:
            value = values[c]
            if value is not None:
                sums[c] += value if isinstance(value, int) else float(value)
    last_row = count + 1
    if last_row + totals > _MAX_SHEET_ROWS:
        raise ValueError(
            f"sheet {sheet.worksheet.name!r}: {count} rows, the header"
            f"{' and the totals' if totals else ''} do not fit in {_MAX_SHEET_ROWS} rows"
        )
    if totals:
        _write_streamed_totals(sheet, columns, last_row, totals_label, sums)
    if autofilter:
        sheet.worksheet.autofilter(0, 0, count, len(columns) - 1)
    return count


def _write_streamed_totals(sheet: _StreamedSheet, columns: Sequence[Column], last_row: int,
                           label: str, sums: dict[int, float]) -> None:
    """Write `_totals_cells`' row: bold SUM formulas, `label` first unless that column is summed.

    The formula's stored result is the sum of the column's numbers, for readers that do not
    recalculate (Excel does on opening); a summed text or date column stores none.
    """
    for c, column in enumerate(columns):
        if not column.summed:
            if c == 0:
                sheet.value(last_row, c, safe_cell_value(label), bold=True)
            continue
        cell_format = sheet.format(column.number_format, bold=True)
        if last_row < 2:
            sheet.worksheet.write_number(last_row, c, 0, cell_format)
            continue
        letter = get_column_letter(c + 1)
        sheet.worksheet.write_formula(last_row, c, f"=SUM({letter}2:{letter}{last_row})",
                                      cell_format, sums.get(c, ""))


def stream_table_workbook(
    title: str,
    columns: Sequence[Column],
    rows_iterable: Iterable[Iterable[Any]],
    *,
    print_header: str | None = None,
    print_footer: str | None = None,
) -> bytes:
    """Stream a one-sheet table workbook in write-only mode and return its .xlsx bytes."""
    buffer = BytesIO()
    stream_table_workbook_to(
        buffer,
        title,
        columns,
        rows_iterable,
        print_header=print_header,
        print_footer=print_footer,
    )
    return buffer.getvalue()


def _ascii_fallback(name: str) -> str:
    """Spell `name` in printable ASCII for old clients: drop accents, other characters become _."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch if " " <= ch <= "~" and ch not in '%"\\' else "_" for ch in stripped)


def safe_filename(filename: str) -> str:
    """Reduce `filename` to one segment without quotes or control characters, extension kept."""
    name = _without_controls(unicodedata.normalize("NFC", str(filename)))
    name = re.split(r"[/\\]", name)[-1].replace('"', "")
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = f"{stem[: MAX_FILENAME - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            name = name[:MAX_FILENAME].rstrip(" .")
    return name or DEFAULT_FILENAME


def content_disposition(filename: str) -> str:
    """Build an attachment Content-Disposition value with ASCII and UTF-8 names (RFC 6266)."""
    name = safe_filename(filename)
    encoded = quote(name, safe=_RFC5987_SAFE)
    return f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
