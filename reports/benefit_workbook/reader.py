"""Reading a filled template back into the engine's JSON payload, every problem at once."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook

from app.benefits.calculation import (
    LINE_KEYS,
    BenefitKind,
    CostKind,
    Recipient,
)
from app.core.uploads import UploadLimits, UploadRefused, check_office_file

from .layout import (
    BENEFIT_FIELDS,
    CHANGE,
    COST_FIELDS,
    COST_KIND,
    COST_KIND_LABELS,
    DAMAGED,
    FIELD_ROW,
    FIRST_LINE_ROW,
    FLAG,
    FLAG_LABELS,
    KIND,
    KIND_LABELS,
    MAX_LINES,
    MAX_SCANNED_COLUMNS,
    MAX_SETTINGS_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_ZIP_ENTRIES,
    NOT_XLSX,
    NUMBER,
    RECIPIENT,
    RECIPIENT_LABELS,
    SETTING_KEY_COLUMN,
    SETTING_VALUE_COLUMN,
    SETTINGS,
    SETTINGS_BY_KEY,
    SHARE,
    SHEET_BENEFITS,
    SHEET_COSTS,
    SHEET_SETTINGS,
    TEXT,
    _Field,
    _Setting,
)
from .problems import _Problems, _refuse

_BLANK = object()
_BAD = object()
_SPACES_RE = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_CHOICES: Mapping[str, Mapping[str, Any]] = {
    KIND: {name.casefold(): BenefitKind(kind).value
           for kind, names in KIND_LABELS.items() for name in names}
    | {kind.value: kind.value for kind in BenefitKind},
    RECIPIENT: {name.casefold(): Recipient(r).value
                for r, names in RECIPIENT_LABELS.items() for name in names}
    | {r.value: r.value for r in Recipient},
    COST_KIND: {name.casefold(): CostKind(k).value
                for k, names in COST_KIND_LABELS.items() for name in names}
    | {k.value: k.value for k in CostKind},
    FLAG: {name: flag for flag, names in FLAG_LABELS.items() for name in names}
    | {"true": True, "false": False, "sant": True, "falskt": False, "1": True, "0": False},
}
_CHOICE_HELP = {
    KIND: "välj en typ i listan: " + ", ".join(names[0] for names in KIND_LABELS.values()),
    RECIPIENT: "välj mottagare i listan: "
    + ", ".join(names[0] for names in RECIPIENT_LABELS.values()),
    COST_KIND: "välj Investering eller Drift i listan",
    FLAG: "välj ja eller nej i listan",
}
_CHOICE_WHAT = {KIND: "ingen känd typ", RECIPIENT: "ingen känd mottagare",
                COST_KIND: "ingen känd kostnadstyp", FLAG: "varken ja eller nej"}


def _show(value: Any) -> str:
    """Quote a rejected cell value briefly for a message."""
    text = " ".join(str(value).split())
    return "'" + (text if len(text) <= 40 else text[:37] + "...") + "'"


def _parse_number_text(text: str, allow_percent: bool) -> float | None:
    """Read "12", "12,5", "1 200 000", "−0,2" or (for shares) "50 %" written as text."""
    compact = _SPACES_RE.sub("", text).replace("\u2212", "-")
    percent = allow_percent and compact.endswith("%")
    if percent:
        compact = compact[:-1]
    if compact.count(",") == 1 and "." not in compact:
        compact = compact.replace(",", ".")
    if not _NUMBER_RE.fullmatch(compact):
        return None
    number = float(compact)
    if not math.isfinite(number):
        return None
    return number / 100 if percent else number


def _as_int_if_whole(number: float) -> int | float:
    """Keep whole numbers whole, so the payload carries 2010, not 2010.0."""
    return int(number) if float(number).is_integer() and abs(number) < 2**63 else number


def _read_cell(cell: Any, spec: _Field | _Setting, sheet: str, row: int, col: int,
               problems: _Problems) -> Any:
    """Turn one input cell into its payload value, `_BLANK`, or `_BAD` with a problem noted."""
    value, data_type = cell.value, getattr(cell, "data_type", "n")
    at = [(row, col)]
    if _is_blank(value):
        return _BLANK
    if data_type == "f" or (spec.type != TEXT and isinstance(value, str)
                            and value.lstrip().startswith("=")):
        shown = _show(value) if isinstance(value, str) else "en formel"
        problems.add(sheet, at, f"innehåller formeln {shown} – skriv in själva värdet i "
                                f"stället, t.ex. {spec.example}")
        return _BAD
    if data_type == "e":
        problems.add(sheet, at, f"innehåller felvärdet {_show(value)} – skriv t.ex. "
                                f"{spec.example}")
        return _BAD
    if spec.type == TEXT:
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        if isinstance(value, bool):
            return "ja" if value else "nej"
        if isinstance(value, int | float):
            return str(_as_int_if_whole(value))
        return str(value).strip()
    if spec.type in _CHOICES:
        if isinstance(value, bool) and spec.type == FLAG:
            return value
        key = str(_as_int_if_whole(value)) if isinstance(value, int | float) else str(value)
        choice = _CHOICES[spec.type].get(" ".join(key.split()).casefold())
        if choice is None:
            problems.add(sheet, at, f"{_show(value)} är {_CHOICE_WHAT[spec.type]} – "
                                    f"{_CHOICE_HELP[spec.type]}")
            return _BAD
        return choice
    if isinstance(value, datetime | date | time):
        problems.add(sheet, at, f"{_show(value)} är ett datum, inget tal – skriv t.ex. "
                                f"{spec.example}")
        return _BAD
    if isinstance(value, bool):
        number: float | None = None
    elif isinstance(value, int | float):
        number = float(value) if math.isfinite(value) else None
    else:
        number = _parse_number_text(str(value), allow_percent=spec.type in (SHARE, CHANGE))
    if number is None:
        problems.add(sheet, at, f"{_show(value)} är inget tal – skriv t.ex. {spec.example}")
        return _BAD
    return _as_int_if_whole(number)


MAX_SHEET_ROWS = 65_536  # the old .xls limit: a stray cell far down still reads in well under 1 s
WORKBOOK_REFUSALS = {
    "empty": "Filen är tom – välj den ifyllda Excel-filen (.xlsx) och försök igen.",
    "too_large": "Filen är {size} men får vara högst {limit} – använd mallen utan bilder och "
                 "extra blad.",
    "legacy_or_encrypted": "Filen är i det gamla .xls-formatet eller lösenordsskyddad – spara "
                           "den som Excel-arbetsbok (.xlsx) utan lösenord och försök igen.",
    "not_office": NOT_XLSX,
    "unreadable_zip": NOT_XLSX,
    "missing_parts": DAMAGED,
    "damaged": DAMAGED,
    "wrong_type": "Filen är en {actual}-fil med ändelsen .xlsx – ladda ner mallen, fyll i den "
                  "och spara som .xlsx.",
    "too_many_entries": "Filen har {count} delar men får ha högst {limit} – använd mallen utan "
                        "bilder och extra blad.",
    "unpacked_too_large": "Filen är för stor uppackad ({size}, högst {limit}) – använd mallen "
                          "utan bilder och extra blad.",
    "ratio": "Filen är packad mer än {limit} gånger om, vilket ingen vanlig arbetsbok är – den "
             "togs inte emot.",
    "macros": "Filen innehåller makron – spara den som Excel-arbetsbok (.xlsx) utan makron.",
    "dtd": "Filen innehåller en DTD-deklaration, som en arbetsbok inte behöver – den togs inte "
           "emot.",
    "xml_encoding": "Filens delar är inte UTF-8-kodade – spara den igen från Excel.",
    "too_many_rows": "Ett blad i filen har fler än {limit} rader – ta bort tomma rader eller "
                     "använd en ny mall.",
}


def workbook_limits(max_bytes: int = MAX_UPLOAD_BYTES) -> UploadLimits:
    """The bounds an uploaded calculation workbook must keep before openpyxl opens it."""
    return UploadLimits(max_bytes=max_bytes, max_entries=MAX_ZIP_ENTRIES,
                        max_unpacked_bytes=MAX_UNPACKED_BYTES, max_sheet_rows=MAX_SHEET_ROWS)


def _open_workbook(data: bytes, max_bytes: int, size_bytes: int | None) -> Workbook:
    """Open the upload read-only after `core.uploads` found it a sound, bounded .xlsx zip."""
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"read_workbook takes the uploaded bytes, got {type(data).__name__}")
    try:
        check_office_file(data, "xlsx", workbook_limits(max_bytes), size_bytes=size_bytes)
    except UploadRefused as refused:
        raise _refuse(WORKBOOK_REFUSALS[refused.code].format(**refused.params)) from None
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign zip
        raise _refuse(DAMAGED) from error


def _rows(ws: Any, max_col: int) -> Iterable[tuple[int, tuple[Any, ...]]]:
    """Stream a read-only sheet's rows with their numbers, ignoring a stale dimension tag."""
    ws.reset_dimensions()
    return enumerate(ws.iter_rows(min_row=1, max_col=max_col), start=1)


def _cell(row: tuple[Any, ...], col: int) -> Any:
    """Return the cell in 1-based column `col`, or an empty stand-in."""
    return row[col - 1] if col - 1 < len(row) else _EmptyCell


class _EmptyCell:
    """Stand in for a cell beyond the end of a short row."""

    value = None
    data_type = "n"


def _is_blank(value: Any) -> bool:
    """Tell whether a cell value is empty or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def _text_key(cell: Any) -> str | None:
    """Read a field key cell: a non-formula string, trimmed."""
    if getattr(cell, "data_type", "n") == "f" or not isinstance(cell.value, str):
        return None
    return cell.value.strip() or None


# ---------------------------------------------------------------- locations of fields


@dataclass(frozen=True)
class _Where:
    """Where a payload field lives: sheet, cells, its Swedish name and cell type."""

    sheet: str
    cells: tuple[tuple[int, int], ...]
    label: str
    type: str


class _Locator:
    """Map engine field paths (`benefits[1].volume_per_year`) back to sheet and cells."""

    def __init__(self) -> None:
        """Start empty."""
        self.places: dict[str, _Where] = {}

    def put(self, path: str, where: _Where) -> None:
        """Remember where one field path lives."""
        self.places[path] = where

    def find(self, path: str) -> _Where | None:
        """Find a path or its nearest parent: `a.b[2]` tries `a.b[2]`, `a.b`, then `a`."""
        while path:
            if path in self.places:
                return self.places[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                return None
            path = path[:cut]
        return None


# ---------------------------------------------------------------- reading the sheets


@dataclass
class _SheetData:
    """A line sheet as read: years found, non-blank rows counted, the first MAX_LINES kept."""

    years: int = 0
    count: int = 0
    lines: list[tuple[int, dict[str, Any], dict[str, int]]] = field(default_factory=list)


def _read_line_sheet(ws: Any, sheet: str, fields: Sequence[_Field], year_field: str,
                     problems: _Problems) -> _SheetData | None:
    """Read row 2's field map and every non-blank line row of the Nyttor or Kostnader sheet."""
    data = _SheetData()
    columns: dict[str, int] = {}
    for number, row in _rows(ws, MAX_SCANNED_COLUMNS):
        if number == FIELD_ROW:
            columns = _field_columns(row, sheet, fields, year_field, problems, data)
            if not columns:
                return None
            continue
        if number < FIRST_LINE_ROW:
            continue
        used = {key: _cell(row, col) for key, col in columns.items()
                if not _is_blank(_cell(row, col).value)}
        if used:
            data.count += 1
            if data.count <= MAX_LINES:
                data.lines.append((number, used, columns))
    if not columns:
        problems.add(sheet, [], "rad 2 med fältnamnen saknas – ladda ner en ny mall och flytta "
                                "över dina värden.")
        return None
    return data


def _field_columns(row: tuple[Any, ...], sheet: str, fields: Sequence[_Field], year_field: str,
                   problems: _Problems, data: _SheetData) -> dict[str, int]:
    """Map row 2's field keys to columns and check they are exactly the template's."""
    columns: dict[str, int] = {}
    for col in range(1, len(row) + 1):
        key = _text_key(_cell(row, col))
        if key is None:
            continue
        if key in columns:
            problems.add(sheet, [(FIELD_ROW, col)], f"fältnamnet {_show(key)} finns två gånger "
                                                    "– ladda ner en ny mall.")
            continue
        columns[key] = col
    years = sum(1 for key in columns if key.startswith(f"{year_field}["))
    data.years = years
    expected = {key for spec in fields for key in spec.keys(years)}
    missing = sorted(expected - set(columns), key=_key_order(fields))
    unknown = sorted(set(columns) - expected, key=columns.__getitem__)
    for key in unknown:
        problems.add(sheet, [(FIELD_ROW, columns[key])],
                     f"{_show(key)} är inget fältnamn i mallen – töm cellen eller ladda ner en "
                     "ny mall.")
    if years == 0 or missing:
        shown = ", ".join(missing) if years else f"{year_field}[0] …"
        problems.add(sheet, [], f"rad 2 saknar fältnamnen {shown} – ladda ner en ny mall och "
                                "flytta över dina värden; ändra inte rad 2.")
        return {}
    return {key: col for key, col in columns.items() if key in expected}


def _key_order(fields: Sequence[_Field]) -> Callable[[str], int]:
    """Sort field keys in template column order."""
    order = {spec.key: index for index, spec in enumerate(fields)}
    return lambda key: order.get(key.split("[")[0], len(order))


def _read_settings(ws: Any, problems: _Problems,
                   locator: _Locator) -> dict[str, tuple[Any, int]]:
    """Read each setting's value and row, found by its field key in column E."""
    found: dict[str, tuple[Any, int]] = {}
    for number, row in _rows(ws, SETTING_KEY_COLUMN):
        if number > MAX_SETTINGS_ROWS:
            break
        key = _text_key(_cell(row, SETTING_KEY_COLUMN))
        if key is None or number == 1:
            continue
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            problems.add(SHEET_SETTINGS, [(number, SETTING_KEY_COLUMN)],
                         f"{_show(key)} är ingen inställning i mallen – töm raden eller ladda "
                         "ner en ny mall.")
            continue
        if key in found:
            problems.add(SHEET_SETTINGS, [(number, SETTING_KEY_COLUMN)],
                         f"inställningen {key} finns två gånger – ta bort den ena raden.")
            continue
        value = _read_cell(_cell(row, SETTING_VALUE_COLUMN), setting, SHEET_SETTINGS, number,
                           SETTING_VALUE_COLUMN, problems)
        found[key] = (value, number)
        locator.put(key, _Where(SHEET_SETTINGS, ((number, SETTING_VALUE_COLUMN),), setting.sv,
                                setting.type))
    missing = [setting.sv for setting in SETTINGS if setting.key not in found]
    if missing:
        problems.add(SHEET_SETTINGS, [], "raderna för " + ", ".join(missing) + " saknas – "
                     "ladda ner en ny mall och flytta över dina värden.")
    for group, name in (("adoption", "Införandet"), ("sensitivity", "Känslighetsscenariot")):
        cells = tuple((row, SETTING_VALUE_COLUMN) for key, (_, row) in found.items()
                      if key.startswith(group + "."))
        if cells:
            locator.put(group, _Where(SHEET_SETTINGS, cells, name, NUMBER))
    return found


def _settings_payload(found: Mapping[str, tuple[Any, int]], years: int,
                      problems: _Problems) -> dict[str, Any]:
    """Build the top-level payload keys; empty settings fall back to the programme defaults."""
    payload: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    touched: set[str] = set()
    for key, (value, row) in found.items():
        if value is _BLANK:
            continue
        group, _, name = key.partition(".")
        if name:
            touched.add(group)
        if value is _BAD:
            continue
        if key == "years" and value != years:
            problems.add(SHEET_SETTINGS, [(row, SETTING_VALUE_COLUMN)],
                         f"antal år är {_show(value)} men mallen har {years} årskolumner – "
                         f"skriv {years} eller ladda ner en ny mall med rätt antal år.")
            continue
        if name:
            nested.setdefault(group, {})[name] = value
        else:
            payload[key] = value
    payload["years"] = years
    for group in ("adoption", "sensitivity"):
        if group in touched:
            payload[group] = nested.get(group, {})
    return payload


def _read_benefit_line(row: int, cells: Mapping[str, Any], columns: Mapping[str, int],
                       years: int, start_year: int | None, index: int, problems: _Problems,
                       locator: _Locator) -> dict[str, Any] | None:
    """Build one benefit line of the payload from its row, or None if it cannot be built."""
    sheet = SHEET_BENEFITS
    _locate_line(locator, f"benefits[{index}]", sheet, row, columns, BENEFIT_FIELDS, years,
                 start_year)
    kind_col = columns["kind"]
    kind: Any = _BAD
    if "kind" in cells:
        kind = _read_cell(cells["kind"], BENEFIT_FIELDS[0], sheet, row, kind_col, problems)
    else:
        problems.add(sheet, [(row, kind_col)], "Typ saknas – " + _CHOICE_HELP[KIND])
    line: dict[str, Any] = {}
    if kind is not _BAD:
        line["kind"] = kind
    for spec in BENEFIT_FIELDS[1:]:
        keys = spec.keys(years)
        raw = {key: _read_cell(cells[key], spec, sheet, row, columns[key], problems)
               for key in keys if key in cells}
        if not raw:
            continue
        base = spec.key.split(".")[0]
        if kind is not _BAD and base not in LINE_KEYS[BenefitKind(kind)]:
            problems.add(sheet, [(row, columns[key]) for key in raw],
                         f"{spec.sv} används inte för typen {KIND_LABELS[kind][0]} – töm "
                         "cellen eller byt typ.")
            continue
        if any(value is _BAD for value in raw.values()):
            continue
        if spec.per_year:
            series = [raw.get(key, _BLANK) for key in keys]
            if spec.key == "volume_per_year" and _BLANK in series:
                for t, value in enumerate(series):
                    if value is _BLANK:
                        problems.add(sheet, [(row, columns[keys[t]])],
                                     f"{spec.label(t, start_year)} saknas – skriv antalet "
                                     "ärenden det året (0 om inga).")
                continue
            line[spec.key] = [0 if value is _BLANK else value for value in series]
        elif base == "channel_mix":
            line.setdefault("channel_mix", {})[spec.key.split(".")[1]] = raw[spec.key]
        else:
            line[spec.key] = raw[spec.key]
    if kind is _BAD:
        return None
    if kind == BenefitKind.CITIZEN_TIME:
        if line.get("cash_releasing") is False:
            del line["cash_releasing"]
        if line.get("cash_releasing_share") == 0:
            del line["cash_releasing_share"]
    return line


def _read_cost_line(row: int, cells: Mapping[str, Any], columns: Mapping[str, int],
                    years: int, start_year: int | None, index: int, problems: _Problems,
                    locator: _Locator) -> dict[str, Any]:
    """Build one cost line of the payload from its row; an empty year is 0."""
    sheet = SHEET_COSTS
    _locate_line(locator, f"costs[{index}]", sheet, row, columns, COST_FIELDS, years,
                 start_year)
    line: dict[str, Any] = {}
    amounts: list[Any] = [0] * years
    bad_amount = False
    for spec in COST_FIELDS:
        for t, key in enumerate(spec.keys(years)):
            if key not in cells:
                continue
            value = _read_cell(cells[key], spec, sheet, row, columns[key], problems)
            if value is _BAD:
                bad_amount = bad_amount or spec.per_year
            elif spec.per_year:
                amounts[t] = value
            else:
                line[spec.key] = value
    if not bad_amount:
        line["by_year_sek"] = amounts
    return line


def _locate_line(locator: _Locator, path: str, sheet: str, row: int,
                 columns: Mapping[str, int], fields: Sequence[_Field], years: int,
                 start_year: int | None) -> None:
    """Remember the cells of every field of one line, for the engine's error paths."""
    every = tuple(sorted((row, col) for col in columns.values()))
    locator.put(path, _Where(sheet, every, "Raden", TEXT))
    mix_cells = []
    for spec in fields:
        keys = spec.keys(years)
        cells = tuple((row, columns[key]) for key in keys)
        if spec.key.startswith("channel_mix."):
            mix_cells.extend(cells)
        locator.put(f"{path}.{spec.key}", _Where(sheet, cells, spec.sv, spec.type))
        if spec.per_year:
            for t, cell in enumerate(cells):
                locator.put(f"{path}.{keys[t]}",
                            _Where(sheet, (cell,), spec.label(t, start_year), spec.type))
    if mix_cells:
        locator.put(f"{path}.channel_mix", _Where(sheet, tuple(mix_cells), "Kanalandelarna",
                                                  SHARE))
