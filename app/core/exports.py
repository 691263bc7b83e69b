"""Excel exports of lists: the list's own query and columns in, a streamed .xlsx response out.

A list page (or API list endpoint) builds its query exactly as for the screen and hands the
items with its `ExportColumn`s to `xlsx_response`; the same filters and sort therefore give
the same rows in the same order. Cells stay typed (dates, SEK, shares) and every string
goes through the safe writer in `reports/xlsx.py`. The workbook is streamed by XlsxWriter's
constant-memory writer into a temporary file, so memory does not grow with the number of rows.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Response, request, send_file
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_babel.speaklater import LazyString

from app.core import clock
from app.core.errors import InvalidInput
from app.extensions import db
from reports.xlsx import (
    DATETIME,
    Column,
    SheetSpec,
    content_disposition,
    stream_table_workbook_to,
    write_table_workbook,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "html", "xlsx")
SPOOL_BYTES = 1024 * 1024
STREAM_BATCH = 1000


@dataclass(frozen=True)
class ExportColumn:
    """One exported column: a (lazy) header, the writer's kind, how to read the value, and
    whether a totals row sums it (None: numbers are summed)."""

    header: Any
    value: Callable[[Any], Any]
    kind: str = "text"
    total: bool | None = None

    def column(self) -> Column:
        return Column(str(self.header), self.kind, total=self.total)


def wants_xlsx() -> bool:
    """Tell whether the request asks for the list as Excel (`format=xlsx`); refuse unknown."""
    requested = request.args.get("format") or None
    if requested is None:
        return False
    if requested not in FORMATS:
        raise InvalidInput(_("The format must be one of %(formats)s.",
                             formats=", ".join(FORMATS)), field="format")
    return requested == "xlsx"


def local_time(value: datetime | None) -> datetime | None:
    """Show an aware datetime in the user's time zone, as the page does (Excel has no zones)."""
    if value is None or value.tzinfo is None:
        return value
    return to_user_timezone(value).replace(tzinfo=None)


def _cell(column: ExportColumn, item: Any) -> Any:
    value = column.value(item)
    if column.kind == DATETIME:
        return local_time(value)
    if isinstance(value, LazyString):
        return str(value)
    return value


def table(columns: Sequence[ExportColumn], items: Iterable[Any]
          ) -> tuple[list[Column], Iterator[list[Any]]]:
    """Turn a list's items into the writer's columns and lazily produced typed rows."""
    rows = ([_cell(column, item) for column in columns] for item in items)
    return [column.column() for column in columns], rows


def export_filename(name: Any) -> str:
    """Name a download after the list and today's business date."""
    return f"{name} {clock.today().isoformat()}.xlsx"


def xlsx_response(name: Any, columns: Sequence[ExportColumn], items: Iterable[Any], *,
                  print_header: str | None = None, totals_label: Any = None) -> Response:
    """Stream the items as a one-sheet workbook named after the list, sent as a download.

    With `totals_label` a row of SUM formulas under the data totals the summed columns, as the
    page's own totals row does.
    """
    headers, rows = table(columns, items)
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    stream_table_workbook_to(target, str(name), headers, rows,
                             print_header=print_header or str(name),
                             print_footer=clock.today().isoformat(),
                             totals=totals_label is not None, totals_label=str(totals_label))
    target.seek(0)
    response = send_file(target, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = content_disposition(export_filename(name))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def query_xlsx_response(name: Any, columns: Sequence[ExportColumn], query: sa.Select
                        ) -> Response:
    """Export every row of a list's own query (its filters and order), loaded in batches: the
    objects of a query of one entity, else the plain rows of a query of columns."""
    result = db.session.execute(query.execution_options(yield_per=STREAM_BATCH))
    described = query.column_descriptions
    if len(described) == 1 and isinstance(described[0]["type"], type):
        result = result.scalars()
    return xlsx_response(name, columns, result)


def workbook_response(data: bytes, filename: str) -> Response:
    """Send ready-made workbook bytes (a multi-sheet export) as a download."""
    return Response(data, mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "private, no-store"})


def export_url(endpoint_args: dict[str, Any] | None = None) -> str:
    """Return the current list's URL with `format=xlsx` added to its query string."""
    args = request.args.to_dict(flat=False)
    args.update(endpoint_args or {})
    args["format"] = ["xlsx"]
    args.pop("page", None)
    return f"{request.path}?{urlencode(args, doseq=True)}"


def sheets_response(name: Any, sheets: Sequence[tuple[Any, Sequence[ExportColumn], Iterable[Any]]]
                    ) -> Response:
    """Send a page of several tables as one workbook with a sheet per table, in page order."""
    specs = []
    for title, columns, items in sheets:
        headers, rows = table(columns, items)
        specs.append(SheetSpec(str(title), headers, list(rows), print_header=str(name),
                               print_footer=clock.today().isoformat()))
    return workbook_response(write_table_workbook(specs), export_filename(name))
