"""`read_workbook`: the upload's sheets read, checked and handed to the engine."""

from __future__ import annotations

from typing import Any

from app.benefits.calculation import (
    CalculationDefaults,
    CalculationInputError,
    parse_calculation,
)

from .engine_messages import _engine_problems
from .layout import (
    BENEFIT_FIELDS,
    COST_FIELDS,
    DAMAGED,
    MAX_LINES,
    MAX_UPLOAD_BYTES,
    REQUIRED_SHEETS,
    SHEET_BENEFITS,
    SHEET_COSTS,
    SHEET_SETTINGS,
)
from .problems import WorkbookError, _Problems, _refuse
from .reader import (
    _Locator,
    _open_workbook,
    _read_benefit_line,
    _read_cost_line,
    _read_line_sheet,
    _read_settings,
    _settings_payload,
)


def read_workbook(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES,
                  defaults: CalculationDefaults | None = None,
                  size_bytes: int | None = None) -> dict[str, Any]:
    """Read a filled template into the engine's JSON payload, or raise every problem at once.

    `size_bytes` is the upload's real size when `data` holds only its first bytes.
    """
    problems = _Problems()
    locator = _Locator()
    workbook = _open_workbook(data, max_bytes, size_bytes)
    try:
        missing = [name for name in REQUIRED_SHEETS if name not in workbook.sheetnames]
        if missing:
            names = ", ".join(f"'{name}'" for name in missing)
            raise _refuse(f"Bladet {names} saknas – använd mallen och byt inte namn på bladen."
                          if len(missing) == 1 else
                          f"Bladen {names} saknas – använd mallen och byt inte namn på bladen.")
        settings = _read_settings(workbook[SHEET_SETTINGS], problems, locator)
        benefit_sheet = _read_line_sheet(workbook[SHEET_BENEFITS], SHEET_BENEFITS,
                                         BENEFIT_FIELDS, "volume_per_year", problems)
        cost_sheet = _read_line_sheet(workbook[SHEET_COSTS], SHEET_COSTS, COST_FIELDS,
                                      "by_year_sek", problems)
    except WorkbookError:
        raise
    except Exception as error:  # a damaged sheet only fails here, as read-only mode is lazy
        raise _refuse(DAMAGED) from error
    finally:
        workbook.close()
    if benefit_sheet is None or cost_sheet is None:
        problems.raise_if_any()
        raise AssertionError("a line sheet without field row must have recorded a problem")
    years = benefit_sheet.years
    if cost_sheet.years != years:
        problems.add(SHEET_COSTS, [], f"bladet har {cost_sheet.years} årskolumner men Nyttor "
                                      f"har {years} – ladda ner en ny mall.")
        problems.raise_if_any()
    start = settings.get("start_year", (None, 0))[0]
    start_year = start if isinstance(start, int) else None

    payload = _settings_payload(settings, years, problems)
    benefits = []
    for sheet_data, name, what in ((benefit_sheet, SHEET_BENEFITS, "nyttor"),
                                   (cost_sheet, SHEET_COSTS, "kostnader")):
        if sheet_data.count > MAX_LINES:
            problems.add(name, [], f"{sheet_data.count} rader är ifyllda men högst "
                                   f"{MAX_LINES} {what} går att läsa in – slå ihop eller ta "
                                   "bort rader.")
    for row, cells, columns in benefit_sheet.lines:
        line = _read_benefit_line(row, cells, columns, years, start_year, len(benefits),
                                  problems, locator)
        if line is not None:
            benefits.append(line)
    costs = [
        _read_cost_line(row, cells, columns, years, start_year, index, problems, locator)
        for index, (row, cells, columns) in enumerate(cost_sheet.lines)
    ]
    if not benefit_sheet.lines and not cost_sheet.lines:
        problems.add(None, [], "Mallen har varken nyttor eller kostnader ifyllda – fyll i "
                               "minst en rad på bladet Nyttor eller Kostnader från rad 3.")
    payload["benefits"] = benefits
    payload["costs"] = costs
    try:
        parse_calculation(payload, defaults)
    except CalculationInputError as error:
        _engine_problems(error, locator, problems)
    problems.raise_if_any()
    return payload
