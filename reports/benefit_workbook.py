"""Round-trip a benefit calculation (nyttokalkyl) through Excel: template, import and audit export.

Pure: standard library, openpyxl and `app.benefits.calculation` only. Every text or number
cell is written through `reports.xlsx.set_safe_value`; the only formulas written are built
here from cell references, never from anything a user typed.

Template (`template_workbook`); sheet names and each table's row 2 are the file's contract,
the same in both languages ("sv" or "en", or a locale such as "en_GB"), which only change
headers, list entries and which instructions come first.

* Instruktioner: what each sheet is for, units, adoption, an example (Swedish and English).
* Inställningar: from row 2 one row per setting: A name, B value (yellow, default filled
  in), C unit, D explanation, E the JSON field it becomes (`discount_rate`,
  `adoption.target`, ...). The reader finds a setting by column E, not by its row.
* Nyttor: row 1 headers with units, row 2 the JSON field of each column, from row 3 one
  benefit line per row (at most 200). Input columns are yellow and number-formatted as
  column styles, with drop-down lists and number checks on rows 3-202. For N years the
  columns are: A kind, B name, C recipient, D owner organisation id, E cash releasing
  (ja/nej), F cash-releasing share, N volume columns `volume_per_year[t]`, the baseline
  channel shares phone, email, letter, visit, minutes saved per case, hourly cost, salary,
  own on-cost rate, N committed-FTE columns, value per hour, amount per case, N fixed-amount
  columns `by_year_sek[t]`, goal and indicator (N = 5: G-K volume, L-O shares, P minutes,
  Q hourly cost, R salary, S on-cost, T-X FTE, Y value per hour, Z amount, AA-AE fixed,
  AF goal, AG indicator). A column the line's kind does not use must stay empty.
* Kostnader: the same two header rows; from row 3 A name, B kind (Investering/Drift),
  then N columns of SEK per year (an empty year is 0).

Import (`read_workbook`) checks size, zip, sheets, column fields and every cell, then the
engine's own validation, and raises one `WorkbookError` listing every problem in Swedish
with sheet and cell. It returns exactly the public JSON contract of `parse_calculation`.

Export (`export_workbook`) writes one sheet "Kalkyl": the results at the top (column C the
Excel formula, D the engine's figure "Beräknat av systemet"; `EXPORT_RESULT_CELLS` names
them), then settings and channel indices (inputs in column C), the year rows from column E
(year, t, adoption a_t, DF_t = 1/(1+r)^t), one block per benefit line whose yearly values
are formulas over its inputs, the cost lines and the yearly totals with payback helpers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.benefits.calculation import (
    BASELINE_CHANNELS,
    CHANNEL_INDEX,
    DEMO_DEFAULTS,
    LINE_KEYS,
    MAX_START_YEAR,
    MAX_YEARS,
    MIN_START_YEAR,
    BenefitKind,
    BenefitLine,
    CalculationDefaults,
    CalculationInput,
    CalculationInputError,
    CostKind,
    Recipient,
    parse_calculation,
)
from app.core.uploads import UploadLimits, UploadRefused, check_office_file
from reports.xlsx import (
    INT_FORMAT,
    PERCENT_FORMAT,
    SEK_FORMAT,
    set_safe_value,
    workbook_bytes,
)

__all__ = [
    "EXPORT_ENGINE_CELLS",
    "EXPORT_RESULT_CELLS",
    "MAX_LINES",
    "MAX_UPLOAD_BYTES",
    "WorkbookError",
    "WorkbookProblem",
    "export_workbook",
    "read_workbook",
    "template_workbook",
]

SHEET_INSTRUCTIONS = "Instruktioner"
SHEET_SETTINGS = "Inställningar"
SHEET_BENEFITS = "Nyttor"
SHEET_COSTS = "Kostnader"
SHEET_EXPORT = "Kalkyl"
REQUIRED_SHEETS = (SHEET_SETTINGS, SHEET_BENEFITS, SHEET_COSTS)
LANGUAGES = ("sv", "en")

FIELD_ROW = 2
FIRST_LINE_ROW = 3
MAX_LINES = 200
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_SCANNED_COLUMNS = 250
MAX_SETTINGS_ROWS = 100
MAX_PROBLEMS = 100
NOT_XLSX = ("Filen är ingen Excel-arbetsbok (.xlsx) – ladda ner mallen, fyll i den och spara "
            "som .xlsx.")
DAMAGED = ("Filen är skadad eller ingen riktig Excel-arbetsbok (.xlsx) – öppna den i Excel, "
           "spara som .xlsx och försök igen.")
SETTING_VALUE_COLUMN = 2
SETTING_KEY_COLUMN = 5

VOLUME_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
HOURS_FORMAT = "#,##0.0"
RATIO_FORMAT = "0.0000"

KIND, RECIPIENT, COST_KIND, FLAG, TEXT, NUMBER, SHARE, CHANGE, INTEGER = (
    "kind", "recipient", "cost_kind", "flag", "text", "number", "share", "change", "integer"
)

KIND_LABELS: Mapping[str, tuple[str, str]] = {
    BenefitKind.CHANNEL_SHIFT: ("Kanalbyte", "Channel shift"),
    BenefitKind.STAFF_TIME: ("Personaltid", "Staff time"),
    BenefitKind.CITIZEN_TIME: ("Medborgartid", "Citizen time"),
    BenefitKind.PER_CASE: ("Per ärende", "Per case"),
    BenefitKind.FIXED: ("Fast belopp", "Fixed amount"),
    BenefitKind.QUALITATIVE: ("Kvalitativ", "Qualitative"),
}
RECIPIENT_LABELS: Mapping[str, tuple[str, str]] = {
    Recipient.ORGANISATION: ("Organisationen", "Organisation"),
    Recipient.CITIZENS: ("Medborgare", "Citizens"),
    Recipient.BUSINESSES: ("Företag", "Businesses"),
}
COST_KIND_LABELS: Mapping[str, tuple[str, str]] = {
    CostKind.INVESTMENT: ("Investering", "Investment"),
    CostKind.RUNNING: ("Drift", "Running"),
}
FLAG_LABELS: Mapping[bool, tuple[str, str]] = {True: ("ja", "yes"), False: ("nej", "no")}
CHANNEL_LABELS: Mapping[str, tuple[str, str]] = {
    "e_service": ("e-tjänst", "e-service"),
    "phone": ("telefon", "phone"),
    "email": ("e-post", "email"),
    "letter": ("brev", "letter"),
    "visit": ("besök", "visit"),
}
KIND_DESCRIPTIONS: Mapping[str, tuple[str, str]] = {
    BenefitKind.CHANNEL_SHIFT: (
        "Ärenden flyttar från telefon, e-post, brev och besök till e-tjänst. Värde = volym · "
        "införandegrad · (Σ andel · kanalindex · u − 1 · u). Andelarna ska bli 100 %.",
        "Cases move from phone, email, letter and visit to the e-service. Value = volume · "
        "adoption · (Σ share · channel index · u − 1 · u). The shares must add up to 100 %.",
    ),
    BenefitKind.STAFF_TIME: (
        "Handläggarnas sparade tid. Timmar = volym · införandegrad · minuter / 60; värde = "
        "timmar · timkostnad (eller årslön · (1 + PO) / timmar per årsarbetare). "
        "Kostnadsfrigörande del från åtagna årsarbetare.",
        "Staff time saved. Hours = volume · adoption · minutes / 60; value = hours · hourly "
        "cost (or salary · (1 + on-cost) / hours per FTE). The cash-releasing part comes "
        "from the FTEs the benefit owner commits to remove.",
    ),
    BenefitKind.CITIZEN_TIME: (
        "Tid som medborgare eller företag sparar, värderad per timme. Aldrig "
        "kostnadsfrigörande.",
        "Time citizens or businesses save, valued per hour. Never cash releasing.",
    ),
    BenefitKind.PER_CASE: (
        "Kronor sparade per digitalt ärende (porto, tryck). Kostnadsfrigörande som standard "
        "för Organisationen.",
        "SEK saved per digital case (postage, printing). Cash releasing by default for the "
        "organisation.",
    ),
    BenefitKind.FIXED: (
        "Ett fast belopp per år, t.ex. en licens som sägs upp.",
        "A fixed amount per year, e.g. a licence switched off.",
    ),
    BenefitKind.QUALITATIVE: (
        "Värderas inte i kronor: ange målet nyttan stödjer och indikatorn som visar den.",
        "Not valued in SEK: give the goal it serves and the indicator that will show it.",
    ),
}

_YELLOW = PatternFill("solid", fgColor="FFF2A8")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_KEY_FONT = Font(italic=True, size=8, color="808080")
_NOTE_FONT = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class _Field:
    """One column of a line sheet: its JSON key, headers, unit, cell type and an example."""

    key: str
    sv: str
    en: str
    unit_sv: str = ""
    unit_en: str = ""
    type: str = NUMBER
    example: str = "12"
    per_year: bool = False
    number_format: str | None = None
    width: int = 14

    def header(self, language: str, year: int | None = None) -> str:
        """Return the column header with its unit, e.g. "Volym 2010 (ärenden)"."""
        name, unit = (self.sv, self.unit_sv) if language == "sv" else (self.en, self.unit_en)
        if year is not None:
            name = f"{name} {year}"
        return f"{name} ({unit})" if unit else name

    def label(self, t: int | None = None, start_year: int | None = None) -> str:
        """Return the short Swedish name used in error messages, e.g. "Volym 2012"."""
        if t is None:
            return self.sv
        return f"{self.sv} {start_year + t}" if start_year is not None else f"{self.sv} år {t}"

    def keys(self, years: int) -> list[str]:
        """Return the row-2 field keys of this column, one per year for yearly fields."""
        return [f"{self.key}[{t}]" for t in range(years)] if self.per_year else [self.key]


BENEFIT_FIELDS: tuple[_Field, ...] = (
    _Field("kind", "Typ", "Kind", type=KIND, example="Kanalbyte", width=16),
    _Field("name", "Namn", "Name", type=TEXT, example="Färre samtal", width=28),
    _Field("recipient", "Mottagare", "Recipient", type=RECIPIENT, example="Organisationen",
           width=16),
    _Field("owner_organisation_id", "Ägande organisation", "Owner organisation", "id", "id",
           INTEGER, "12", number_format=INT_FORMAT),
    _Field("cash_releasing", "Kostnadsfrigörande", "Cash releasing", "ja/nej", "yes/no",
           FLAG, "ja"),
    _Field("cash_releasing_share", "Kostnadsfrigörande andel", "Cash-releasing share",
           "0–1", "0–1", SHARE, "0,25", number_format=PERCENT_FORMAT),
    _Field("volume_per_year", "Volym", "Volume", "ärenden", "cases", NUMBER, "10000",
           per_year=True, number_format=VOLUME_FORMAT),
    *(
        _Field(f"channel_mix.{channel}", f"Andel {CHANNEL_LABELS[channel][0]}",
               f"Share {CHANNEL_LABELS[channel][1]}", "0–1", "0–1", SHARE, "0,5",
               number_format=PERCENT_FORMAT)
        for channel in BASELINE_CHANNELS
    ),
    _Field("minutes_saved_per_case", "Minuter sparade per ärende", "Minutes saved per case",
           "min", "min", NUMBER, "12", number_format=HOURS_FORMAT, width=16),
    _Field("hourly_cost_sek", "Timkostnad", "Hourly cost", "kr/timme", "SEK/hour", NUMBER,
           "450", number_format=SEK_FORMAT),
    _Field("salary_sek", "Årslön", "Annual salary", "kr/år", "SEK/year", NUMBER, "420000",
           number_format=SEK_FORMAT),
    _Field("oncost_rate", "Eget PO-pålägg", "Own on-cost rate", "0–1, valfritt",
           "0–1, optional", SHARE, "0,54", number_format=PERCENT_FORMAT),
    _Field("committed_fte_by_year", "Åtagna årsarbetare", "Committed FTE", "åa", "FTE",
           NUMBER, "0,5", per_year=True, number_format=DECIMAL_FORMAT),
    _Field("value_per_hour_sek", "Värde per timme", "Value per hour", "kr/timme", "SEK/hour",
           NUMBER, "150", number_format=SEK_FORMAT),
    _Field("amount_sek", "Belopp per ärende", "Amount per case", "kr", "SEK", NUMBER, "12",
           number_format=SEK_FORMAT),
    _Field("by_year_sek", "Fast belopp", "Fixed amount", "kr", "SEK", NUMBER, "50000",
           per_year=True, number_format=SEK_FORMAT),
    _Field("goal", "Mål", "Goal", "nr", "no.", INTEGER, "1", number_format=INT_FORMAT),
    _Field("indicator", "Indikator", "Indicator", type=TEXT, example="Nöjd-kund-index",
           width=24),
)
COST_FIELDS: tuple[_Field, ...] = (
    _Field("name", "Namn", "Name", type=TEXT, example="Utveckling", width=28),
    _Field("kind", "Typ", "Kind", type=COST_KIND, example="Investering", width=14),
    _Field("by_year_sek", "Kostnad", "Cost", "kr", "SEK", NUMBER, "150000", per_year=True,
           number_format=SEK_FORMAT, width=16),
)


@dataclass(frozen=True)
class _Setting:
    """One row of the settings sheet: JSON key, name, unit, explanation, type and example."""

    key: str
    sv: str
    en: str
    unit_sv: str
    unit_en: str
    help_sv: str
    help_en: str
    type: str
    example: str
    number_format: str | None = None


SETTINGS: tuple[_Setting, ...] = (
    _Setting("start_year", "Startår", "Start year", "år", "year",
             "År 0, beslutsåret; diskonteras inte. Bestämmer årskolumnerna: ladda ner en ny "
             "mall om du vill byta.",
             "Year 0, the decision year; not discounted. Sets the year columns: download a "
             "new template to change it.", INTEGER, "2010", INT_FORMAT),
    _Setting("years", "Antal år (N)", "Number of years (N)", "år", "years",
             "Kalkylperiodens längd; måste stämma med mallens årskolumner.",
             "Length of the calculation; must match the template's year columns.",
             INTEGER, "5", INT_FORMAT),
    _Setting("discount_rate", "Kalkylränta (r)", "Discount rate (r)", "andel per år",
             "share per year", "Real ränta; 3,5 % skrivs 0,035 eller 3,5 %.",
             "Real rate; 3.5 % is written 0.035 or 3.5 %.", SHARE, "0,035",
             PERCENT_FORMAT),
    _Setting("channel_unit_sek", "Kanalenhet (u)", "Channel unit (u)", "kr per indexpoäng",
             "SEK per index point",
             "Kronor per kanalindexpoäng (e-tjänst 1, telefon 50, e-post 70, brev 90, "
             "besök 110).",
             "SEK per channel index point (e-service 1, phone 50, email 70, letter 90, "
             "visit 110).", NUMBER, "2", SEK_FORMAT),
    _Setting("hours_per_fte", "Timmar per årsarbetare", "Hours per FTE", "timmar/år",
             "hours/year", "Arbetade timmar per årsarbetare och år.",
             "Hours worked per full-time equivalent and year.", NUMBER, "1700",
             VOLUME_FORMAT),
    _Setting("oncost_rate", "PO-pålägg", "On-cost rate", "andel av lönen", "share of salary",
             "Personalomkostnader ovanpå lönen; används när en rad anger årslön.",
             "Payroll on-costs on top of salary; used when a line gives a salary.",
             SHARE, "0,54", PERCENT_FORMAT),
    _Setting("adoption.target", "Införandegrad, mål (A)", "Adoption target (A)", "andel",
             "share", "Andelen ärenden som till slut går via e-tjänsten.",
             "The share of cases that finally go through the e-service.", SHARE, "0,6",
             PERCENT_FORMAT),
    _Setting("adoption.ramp_years", "Upptrappningstid (R)", "Ramp length (R)", "år", "years",
             "Antal år från driftstart tills målet nås.",
             "Years from go-live until the target is reached.", INTEGER, "3", INT_FORMAT),
    _Setting("adoption.go_live_index", "Driftstart (g)", "Go-live index (g)",
             "år efter startåret", "years after the start year",
             "0 = startåret, 1 = året efter, …", "0 = the start year, 1 = the year after, …",
             INTEGER, "1", INT_FORMAT),
    _Setting("sensitivity.benefits_change", "Känslighet: ändring av nyttor",
             "Sensitivity: change in benefits", "andel", "share",
             "Känslighetsscenario; −20 % skrivs −0,2 eller −20 %.",
             "Sensitivity scenario; −20 % is written −0.2 or −20 %.", CHANGE, "-0,2",
             PERCENT_FORMAT),
    _Setting("sensitivity.costs_change", "Känslighet: ändring av kostnader",
             "Sensitivity: change in costs", "andel", "share",
             "Känslighetsscenario; +20 % skrivs 0,2 eller 20 %.",
             "Sensitivity scenario; +20 % is written 0.2 or 20 %.", CHANGE, "0,2",
             PERCENT_FORMAT),
)
SETTINGS_BY_KEY: Mapping[str, _Setting] = {setting.key: setting for setting in SETTINGS}


# ---------------------------------------------------------------- problems


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


# ---------------------------------------------------------------- template


def _label(labels: Mapping[Any, tuple[str, str]], key: Any, language: str) -> str:
    """Return a label in the template's language."""
    return labels[key][0 if language == "sv" else 1]


def _list_validation(values: Iterable[str], title: str, message: str) -> DataValidation:
    """Build a drop-down list that refuses other entries."""
    return DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle=title, error=message)


def _number_validation(kind: str, language: str) -> DataValidation | None:
    """Build Excel's own number check for a cell type, as a first help before the import."""
    sv = language == "sv"
    if kind == SHARE:
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                              allow_blank=True, showErrorMessage=True,
                              error="Skriv en andel mellan 0 och 1 (t.ex. 50 %)." if sv
                              else "Enter a share from 0 to 1 (e.g. 50 %).")
    if kind == CHANGE:
        return DataValidation(type="decimal", operator="between", formula1="-1", formula2="1",
                              allow_blank=True, showErrorMessage=True,
                              error="Skriv en andel mellan −1 och 1 (t.ex. −20 %)." if sv
                              else "Enter a share from −1 to 1 (e.g. −20 %).")
    if kind == NUMBER:
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True, showErrorMessage=True,
                              error="Skriv ett tal, 0 eller mer." if sv
                              else "Enter a number, 0 or more.")
    if kind == INTEGER:
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True, showErrorMessage=True,
                              error="Skriv ett heltal." if sv else "Enter a whole number.")
    return None


def _validation_for(kind: str, language: str) -> DataValidation | None:
    """Return the drop-down list or number check for a cell type."""
    sv = language == "sv"
    if kind == KIND:
        return _list_validation(
            (_label(KIND_LABELS, k, language) for k in BenefitKind),
            "Typ" if sv else "Kind",
            "Välj en typ i listan." if sv else "Pick a kind from the list.",
        )
    if kind == RECIPIENT:
        return _list_validation(
            (_label(RECIPIENT_LABELS, r, language) for r in Recipient),
            "Mottagare" if sv else "Recipient",
            "Välj mottagare i listan." if sv else "Pick a recipient from the list.",
        )
    if kind == COST_KIND:
        return _list_validation(
            (_label(COST_KIND_LABELS, k, language) for k in CostKind),
            "Typ" if sv else "Kind",
            "Välj Investering eller Drift." if sv else "Pick Investment or Running.",
        )
    if kind == FLAG:
        return _list_validation(
            (_label(FLAG_LABELS, flag, language) for flag in (True, False)),
            "Kostnadsfrigörande" if sv else "Cash releasing",
            "Välj ja eller nej." if sv else "Pick yes or no.",
        )
    return _number_validation(kind, language)


def _header(cell: Any, text: str) -> None:
    """Write a bold, wrapped header."""
    set_safe_value(cell, text)
    cell.font = _BOLD
    cell.alignment = _WRAP


def _field_key_cell(cell: Any, key: str) -> None:
    """Write a small grey JSON field key, the import's column map."""
    set_safe_value(cell, key)
    cell.font = _KEY_FONT


def _line_sheet(workbook: Workbook, title: str, fields: Sequence[_Field], years: int,
                start_year: int, language: str) -> Worksheet:
    """Add a line sheet: headers, field keys, yellow formatted input columns, validations."""
    ws = workbook.create_sheet(title)
    column = 1
    last_row = FIRST_LINE_ROW + MAX_LINES - 1
    for spec in fields:
        validation = _validation_for(spec.type, language)
        first_column = column
        for t, key in enumerate(spec.keys(years)):
            year = start_year + t if spec.per_year else None
            _header(ws.cell(row=1, column=column), spec.header(language, year))
            _field_key_cell(ws.cell(row=FIELD_ROW, column=column), key)
            dimension = ws.column_dimensions[get_column_letter(column)]
            dimension.width = spec.width
            dimension.fill = _YELLOW
            if spec.number_format:
                dimension.number_format = spec.number_format
            column += 1
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{get_column_letter(first_column)}{FIRST_LINE_ROW}:"
                           f"{get_column_letter(column - 1)}{last_row}")
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = ws.cell(row=FIRST_LINE_ROW, column=3)
    return ws


def _settings_sheet(workbook: Workbook, values: Mapping[str, Any], language: str) -> None:
    """Add the settings sheet: one row per setting with its default filled in."""
    ws = workbook.create_sheet(SHEET_SETTINGS)
    sv = language == "sv"
    headers = (("Inställning", "Värde", "Enhet", "Förklaring", "Fält (API)") if sv
               else ("Setting", "Value", "Unit", "Explanation", "Field (API)"))
    for column, text in enumerate(headers, start=1):
        _header(ws.cell(row=1, column=column), text)
    for row, setting in enumerate(SETTINGS, start=2):
        set_safe_value(ws.cell(row=row, column=1), setting.sv if sv else setting.en)
        value_cell = ws.cell(row=row, column=SETTING_VALUE_COLUMN)
        set_safe_value(value_cell, values.get(setting.key))
        if setting.number_format:
            value_cell.number_format = setting.number_format
        value_cell.fill = _YELLOW
        set_safe_value(ws.cell(row=row, column=3), setting.unit_sv if sv else setting.unit_en)
        help_cell = ws.cell(row=row, column=4)
        set_safe_value(help_cell, setting.help_sv if sv else setting.help_en)
        help_cell.alignment = _WRAP
        _field_key_cell(ws.cell(row=row, column=SETTING_KEY_COLUMN), setting.key)
        validation = _validation_for(setting.type, language)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(value_cell.coordinate)
    for letter, width in zip("ABCDE", (34, 14, 24, 70, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


_OPTIONAL_KEYS = frozenset({"owner_organisation_id", "cash_releasing", "cash_releasing_share",
                            "oncost_rate", "committed_fte_by_year"})
_NEVER_CASH = frozenset({"cash_releasing", "cash_releasing_share"})


def _kind_columns(kind: BenefitKind, language: str) -> str:
    """List the Nyttor columns a kind uses, optional ones marked, for the instructions."""
    allowed = LINE_KEYS[kind] - (_NEVER_CASH if kind is BenefitKind.CITIZEN_TIME else set())
    optional = " (valfri)" if language == "sv" else " (optional)"
    optional_keys = _OPTIONAL_KEYS | ({"recipient"} if kind is BenefitKind.QUALITATIVE
                                      else set())
    names = []
    for spec in BENEFIT_FIELDS:
        base = spec.key.split(".")[0]
        if base not in allowed or base in ("kind", "salary_sek"):
            continue
        name = spec.sv if language == "sv" else spec.en
        if base == "hourly_cost_sek":
            name = "Timkostnad eller Årslön" if language == "sv" else "Hourly cost or Salary"
        names.append(name + optional if base in optional_keys else name)
    return ", ".join(names)


def _instruction_lines(language: str, years: int, start_year: int) -> list[tuple[str, ...]]:
    """Return the instruction rows in one language: text, or a kind with its columns."""
    last = start_year + years - 1
    if language == "sv":
        return [
            ("Nyttokalkyl – mall för import",),
            ("Fyll bara i de gula cellerna. Byt inte namn på bladen och ändra inte rad 2 "
             "(fältnamnen) på bladen Nyttor och Kostnader – de används när filen läses in.",),
            (f"Inställningar: en rad per inställning, standardvärdet är ifyllt. Mallen gäller "
             f"{years} år, {start_year}–{last}; vill du ändra startår eller antal år, ladda "
             "ner en ny mall.",),
            ("Nyttor: en rad per nytta från rad 3 (högst 200). Välj typ i listan och fyll i "
             "de kolumner typen använder (tabellen nedan); lämna övriga tomma.",),
            ("Kostnader: en rad per kostnad från rad 3 (högst 200): namn, typ (Investering "
             "eller Drift) och kronor per år; en tom årscell räknas som 0.",),
            ("Enheter: belopp i kronor (kr), volym i ärenden per år, tid i minuter per "
             "ärende, andelar som decimaltal (0,5) eller procent (50 %). Skriv tal, inte "
             "formler.",),
            ("Införande: andelen ärenden som går digitalt år t är 0 före driftstart g och "
             "därefter A · min((t − g + 1) / R; 1). Exempel: A = 60 %, R = 3, g = 1 ger "
             "0 %, 20 %, 40 %, 60 %, 60 %.",),
            ("Kalkylen: år 0 (startåret) diskonteras inte; nettonuvärde = Σ (nyttor − "
             "kostnader) / (1 + r)^t.",),
            ("Exempel: Kanalbyte 'Färre samtal', Organisationen, 10 000 ärenden per år, "
             "telefon 50 %, brev 30 %, besök 20 %, kanalenhet 2 kr; införande A 60 %, R 3, "
             "g 1; kostnader Utveckling 1 200 000 kr år 0 och Drift 150 000 kr per år "
             "därefter: nettonuvärdet blir 629 819 kr.",),
            ("Typ", "Kolumner att fylla i", "Beskrivning"),
            *((KIND_LABELS[kind][0], _kind_columns(kind, "sv"), KIND_DESCRIPTIONS[kind][0])
              for kind in BenefitKind),
        ]
    return [
        ("Benefit calculation – import template",),
        ("Only fill in the yellow cells. Do not rename the sheets or change row 2 (the field "
         "names) of the Nyttor and Kostnader sheets – the import reads them.",),
        (f"Inställningar (settings): one row per setting, defaults filled in. The template "
         f"covers {years} years, {start_year}–{last}; to change the start year or the number "
         "of years, download a new template.",),
        ("Nyttor (benefits): one line per row from row 3 (at most 200). Pick the kind from "
         "the list and fill in the columns the kind uses (table below); leave the rest "
         "empty.",),
        ("Kostnader (costs): one line per row from row 3 (at most 200): name, kind "
         "(Investment or Running) and SEK per year; an empty year counts as 0.",),
        ("Units: amounts in SEK (kr), volume in cases per year, time in minutes per case, "
         "shares as decimals (0.5) or percent (50 %). Type numbers, not formulas.",),
        ("Adoption: the share of cases going digital in year t is 0 before go-live g and "
         "then A · min((t − g + 1) / R, 1). Example: A = 60 %, R = 3, g = 1 gives 0 %, "
         "20 %, 40 %, 60 %, 60 %.",),
        ("The calculation: year 0 (the start year) is not discounted; net present value = "
         "Σ (benefits − costs) / (1 + r)^t.",),
        ("Example: Channel shift 'Färre samtal', Organisation, 10 000 cases a year, phone "
         "50 %, letter 30 %, visit 20 %, channel unit 2 SEK; adoption A 60 %, R 3, g 1; costs "
         "Development 1 200 000 SEK in year 0 and Running 150 000 SEK a year after: the net "
         "present value is 629 819 SEK.",),
        ("Kind", "Columns to fill in", "Description"),
        *((KIND_LABELS[kind][1], _kind_columns(kind, "en"), KIND_DESCRIPTIONS[kind][1])
          for kind in BenefitKind),
    ]


def _instructions_sheet(workbook: Workbook, language: str, years: int,
                        start_year: int) -> None:
    """Add the instructions, the template's language first and then the other."""
    ws = workbook.create_sheet(SHEET_INSTRUCTIONS, 0)
    other = "en" if language == "sv" else "sv"
    row = 1
    for lang in (language, other):
        lines = _instruction_lines(lang, years, start_year)
        for index, line in enumerate(lines):
            for column, text in enumerate(line, start=1):
                cell = ws.cell(row=row, column=column)
                set_safe_value(cell, text)
                cell.alignment = _WRAP
                if index == 0:
                    cell.font = _TITLE
                elif len(line) == 3 and line[0] in ("Typ", "Kind"):
                    cell.font = _BOLD
            row += 1
        row += 1
    for letter, width in zip("ABC", (110, 60, 80), strict=True):
        ws.column_dimensions[letter].width = width


def template_workbook(defaults: CalculationDefaults | None = None,
                      start_year: int | None = None, years: int | None = None,
                      language: str = "sv") -> bytes:
    """Build the downloadable .xlsx template with the programme's defaults filled in."""
    defaults = defaults or DEMO_DEFAULTS
    start_year = date.today().year if start_year is None else start_year
    years = defaults.years if years is None else years
    language = str(language).replace("-", "_").split("_")[0].lower()
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be from 1 to {MAX_YEARS}, got {years}")
    if not MIN_START_YEAR <= start_year <= MAX_START_YEAR:
        raise ValueError(f"start_year must be from {MIN_START_YEAR} to {MAX_START_YEAR}")
    values = {
        "start_year": start_year,
        "years": years,
        "discount_rate": defaults.discount_rate,
        "channel_unit_sek": defaults.channel_unit_sek,
        "hours_per_fte": defaults.hours_per_fte,
        "oncost_rate": defaults.oncost_rate,
        "sensitivity.benefits_change": defaults.sensitivity_benefits_change,
        "sensitivity.costs_change": defaults.sensitivity_costs_change,
    }
    workbook = Workbook()
    workbook.remove(workbook.active)
    _settings_sheet(workbook, values, language)
    _line_sheet(workbook, SHEET_BENEFITS, BENEFIT_FIELDS, years, start_year, language)
    _line_sheet(workbook, SHEET_COSTS, COST_FIELDS, years, start_year, language)
    _instructions_sheet(workbook, language, years, start_year)
    workbook.active = 0
    return workbook_bytes(workbook)


# ---------------------------------------------------------------- reading cells


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


# ---------------------------------------------------------------- opening the upload


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


# ---------------------------------------------------------------- engine errors in Swedish


def _sv_number(text: str) -> str:
    """Write decimal points in numbers as Swedish decimal commas."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)


def _kind_label(code: str) -> str:
    """Return a kind's Swedish label, or the code if unknown."""
    return KIND_LABELS[code][0] if code in KIND_LABELS else code


_SHARE_HINT = {
    SHARE: " – skriv andelen som decimaltal (0,5) eller i procent (50 %)",
    CHANGE: " – skriv ändringen som decimaltal (−0,2) eller i procent (−20 %)",
}
_TRANSLATIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], str]], ...] = tuple(
    (re.compile(pattern), render) for pattern, render in (
        (r"^must be a number", lambda m, t: "är inget tal"),
        (r"^must be a whole number, e\.g\.", lambda m, t: "måste vara ett heltal, t.ex. 3"),
        (r"^must be a whole number from (\S+) to (\S+) \(got (.*)\)$",
         lambda m, t: f"måste vara ett heltal från {m[1]} till {m[2]} "
                      f"(nu {_sv_number(m[3])})"),
        (r"^must not be negative \(got (.*)\)$",
         lambda m, t: f"får inte vara negativ (nu {_sv_number(m[1])}) – skriv 0 eller mer"),
        (r"^must be between (\S+) and (\S+) \(got (.*)\)$",
         lambda m, t: f"måste ligga mellan {_sv_number(m[1])} och {_sv_number(m[2])} "
                      f"(nu {_sv_number(m[3])}){_SHARE_HINT.get(t, '')}"),
        (r"^must be greater than (\S+) \(got (.*)\)$",
         lambda m, t: f"måste vara större än {_sv_number(m[1])} (nu {_sv_number(m[2])})"),
        (r"^must be at least (\S+) \(got (.*)\)$",
         lambda m, t: f"måste vara minst {_sv_number(m[1])} (nu {_sv_number(m[2])})"),
        (r"^must be at most (\S+) \(got (.*)\)$",
         lambda m, t: f"får vara högst {_sv_number(m[1])} (nu {_sv_number(m[2])})"),
        (r"^shares must add up to 1 \(they add up to (.*)\)$",
         lambda m, t: "för telefon, e-post, brev och besök måste tillsammans bli 1 (100 %) – "
                      f"nu blir de {_sv_number(m[1])}"),
        (r"^must be an object of shares",
         lambda m, t: "saknas – fyll i andelar för telefon, e-post, brev och besök som "
                      "tillsammans blir 100 %"),
        (r"^is required for a cost line",
         lambda m, t: "saknas – fyll i den för varje kostnadsrad"),
        (r"^is required for a (\w+) line",
         lambda m, t: f"saknas – den behövs för typen {_kind_label(m[1])}"),
        (r"^is required: organisation, citizens or businesses",
         lambda m, t: "saknas – " + _CHOICE_HELP[RECIPIENT]),
        (r"^must be citizens or businesses for citizen_time",
         lambda m, t: "måste vara Medborgare eller Företag för Medborgartid – använd "
                      "Personaltid för organisationens egen tid"),
        (r"^must be organisation for staff_time",
         lambda m, t: "måste vara Organisationen för Personaltid – använd Medborgartid för "
                      "medborgares eller företags tid"),
        (r"^can only be given when the recipient is organisation",
         lambda m, t: "får bara fyllas i när mottagaren är Organisationen – töm cellen"),
        (r"^give either hourly_cost_sek or salary_sek, not both",
         lambda m, t: "och Årslön är båda ifyllda – fyll i bara den ena"),
        (r"^is required for staff_time unless salary_sek is given",
         lambda m, t: "saknas – fyll i timkostnad (kr/timme) eller årslön (kr/år)"),
        (r"^only applies with salary_sek",
         lambda m, t: "gäller bara tillsammans med årslön; timkostnaden innehåller redan PO – "
                      "töm cellen"),
        (r"^cannot be set on citizen_time",
         lambda m, t: "kan inte anges för Medborgartid: tid som medborgare eller företag "
                      "sparar frigör aldrig pengar – töm cellen"),
        (r"^must be false unless the recipient is organisation",
         lambda m, t: "kan bara vara ja när mottagaren är Organisationen – välj nej"),
        (r"^must be 0 unless the recipient is organisation",
         lambda m, t: "måste vara 0 när mottagaren inte är Organisationen"),
        (r"^must be a non-empty text", lambda m, t: "saknas – fyll i en text"),
        (r"^is required: the calendar year",
         lambda m, t: "saknas – skriv beslutsåret, t.ex. 2010"),
        (r"^is required for an adoption ramp",
         lambda m, t: "saknas – införandegrad, upptrappningstid och driftstart hör ihop"),
        (r"^is required: \{target",
         lambda m, t: "saknas – fyll i införandegrad (A), upptrappningstid (R) och "
                      "driftstart (g)"),
    )
)


def _translate(message: str, where: _Where | None) -> str:
    """Say an engine message in Swedish, led by the field's name."""
    kind = where.type if where else NUMBER
    for pattern, render in _TRANSLATIONS:
        match = pattern.search(message)
        if match:
            text = render(match, kind)
            break
    else:
        text = f"kontrollera värdet ({message})"
    return f"{where.label} {text}." if where else f"Kalkylen: {text}."


def _engine_problems(error: CalculationInputError, locator: _Locator,
                     problems: _Problems) -> None:
    """Add the engine's errors at their sheet and cell, skipping cells already reported."""
    for path, message in error.errors:
        where = locator.find(path)
        if where is None:
            problems.add(None, [], _translate(message, None))
            continue
        if problems.covers(where.sheet, where.cells):
            continue
        problems.add(where.sheet, list(where.cells), _translate(message, where))


# ---------------------------------------------------------------- import


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


# ---------------------------------------------------------------- export


@dataclass(frozen=True)
class _ResultRow:
    """One row of the export's result block: result key, label, unit and number format."""

    key: str
    label: str
    unit: str
    number_format: str


RESULT_ROWS: tuple[_ResultRow, ...] = (
    _ResultRow("pv_benefits_sek", "Nuvärde nyttor PV(B)", "kr", SEK_FORMAT),
    _ResultRow("pv_costs_sek", "Nuvärde kostnader PV(C)", "kr", SEK_FORMAT),
    _ResultRow("npv_sek", "Nettonuvärde NPV = Σ (B_t − C_t) · DF_t", "kr", SEK_FORMAT),
    _ResultRow("bcr", "Nyttokostnadskvot BCR = PV(B) / PV(C)", "kvot", RATIO_FORMAT),
    _ResultRow("sensitivity_npv_sek", "Nettonuvärde i känslighetsscenariot", "kr",
               SEK_FORMAT),
    _ResultRow("pv_by_colour_sek.green", "Nuvärde kostnadsfrigörande nyttor (grön)", "kr",
               SEK_FORMAT),
    _ResultRow("pv_by_colour_sek.yellow", "Nuvärde övriga värderade nyttor (gul)", "kr",
               SEK_FORMAT),
    _ResultRow("payback_year", "Återbetalningsår (ackumulerat netto ≥ 0)", "år", INT_FORMAT),
    _ResultRow("payback_years", "Återbetalningstid", "år", "0.00"),
    _ResultRow("discounted_payback_year", "Återbetalningsår, diskonterat", "år", INT_FORMAT),
    _ResultRow("switching_adoption_target", "Brytpunkt: införandegrad A där NPV = 0", "andel",
               PERCENT_FORMAT),
    _ResultRow("qualitative_count", "Kvalitativa nyttor (räknas, värderas inte)", "st",
               INT_FORMAT),
)
RESULT_HEADER_ROW = 5
FIRST_RESULT_ROW = RESULT_HEADER_ROW + 1
EXPORT_RESULT_CELLS: Mapping[str, str] = {
    row.key: f"C{FIRST_RESULT_ROW + index}" for index, row in enumerate(RESULT_ROWS)
}
EXPORT_ENGINE_CELLS: Mapping[str, str] = {
    row.key: f"D{FIRST_RESULT_ROW + index}" for index, row in enumerate(RESULT_ROWS)
}
FIRST_BODY_ROW = FIRST_RESULT_ROW + len(RESULT_ROWS) + 1
LABEL_COL, UNIT_COL, VALUE_COL, ENGINE_COL, FIRST_YEAR_COL = 1, 2, 3, 4, 5
ENGINE_LABEL = "Beräknat av systemet"
MAX_SUM_ARGUMENTS = 200


def _engine_series(result: Mapping[str, Any] | None, key: str) -> Sequence[Any] | None:
    """Return one of the engine's per-year series, or None when no result was given."""
    return None if result is None else result.get(key)


def _engine_value(result: Mapping[str, Any], key: str) -> Any:
    """Look up `a.b` in the engine's result dict."""
    value: Any = result
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


class _ExportSheet:
    """Write the audit sheet top to bottom, remembering where each input and row went."""

    def __init__(self, ws: Worksheet, calc: CalculationInput):
        """Start below the reserved result block."""
        self.ws = ws
        self.calc = calc
        self.row = FIRST_BODY_ROW
        self.refs: dict[str, str] = {}

    def col(self, t: int) -> str:
        """Return the column letter of year index `t`."""
        return get_column_letter(FIRST_YEAR_COL + t)

    def span(self, row: int) -> str:
        """Return the year range of a row, e.g. "E40:I40"."""
        return f"{self.col(0)}{row}:{self.col(self.calc.years - 1)}{row}"

    def next_row(self) -> int:
        """Take the next row."""
        row = self.row
        self.row += 1
        return row

    def section(self, title: str, *, with_years: bool = False) -> None:
        """Write a bold section heading after a blank row, with the years repeated if asked."""
        self.row += 1
        row = self.next_row()
        cell = self.ws.cell(row=row, column=LABEL_COL)
        set_safe_value(cell, title)
        cell.font = _BOLD
        if with_years:
            for t in range(self.calc.years):
                self.formula(row, FIRST_YEAR_COL + t, f"={self.col(t)}${self.refs['year_row']}",
                             INT_FORMAT)
                self.ws.cell(row=row, column=FIRST_YEAR_COL + t).font = _BOLD

    def label(self, row: int, text: str, unit: str = "", *, bold: bool = False) -> None:
        """Write a row's label and unit."""
        cell = set_safe_value(self.ws.cell(row=row, column=LABEL_COL), text)
        if bold:
            cell.font = _BOLD
        if unit:
            set_safe_value(self.ws.cell(row=row, column=UNIT_COL), unit)

    def value(self, row: int, col: int, value: Any, number_format: str | None,
              *, is_input: bool = True) -> str:
        """Write a plain value (yellow when it is an input) and return its absolute address."""
        cell = self.ws.cell(row=row, column=col)
        set_safe_value(cell, value, number_format)
        if is_input:
            cell.fill = _YELLOW
        return f"${get_column_letter(col)}${row}"

    def formula(self, row: int, col: int, text: str, number_format: str | None) -> str:
        """Write a formula built here from cell references and return its absolute address."""
        cell = self.ws.cell(row=row, column=col)
        cell.value = text
        if number_format:
            cell.number_format = number_format
        return f"${get_column_letter(col)}${row}"

    def scalar(self, text: str, unit: str, value: Any, number_format: str | None,
               *, is_input: bool = True) -> str:
        """Write a labelled value in column C and return its absolute address."""
        row = self.next_row()
        self.label(row, text, unit)
        return self.value(row, VALUE_COL, value, number_format, is_input=is_input)

    def scalar_formula(self, text: str, unit: str, formula: str,
                       number_format: str | None) -> str:
        """Write a labelled formula in column C and return its absolute address."""
        row = self.next_row()
        self.label(row, text, unit)
        return self.formula(row, VALUE_COL, formula, number_format)

    def yearly_values(self, text: str, unit: str, values: Sequence[Any],
                      number_format: str | None, *, is_input: bool = True) -> int:
        """Write one value per year and return the row."""
        row = self.next_row()
        self.label(row, text, unit)
        for t, value in enumerate(values):
            self.value(row, FIRST_YEAR_COL + t, value, number_format, is_input=is_input)
        return row

    def yearly_formula(self, text: str, unit: str, build: Callable[[int, str], str],
                       number_format: str | None) -> int:
        """Write a formula per year, `build(t, column_letter)`, and return the row."""
        row = self.next_row()
        self.label(row, text, unit)
        for t in range(self.calc.years):
            self.formula(row, FIRST_YEAR_COL + t, build(t, self.col(t)), number_format)
        return row

    def engine_row(self, text: str, values: Sequence[Any] | None) -> None:
        """Write the engine's own figures for a row as plain grey values, for comparison."""
        if values is None:
            return
        row = self.yearly_values(f"{text} – {ENGINE_LABEL}", "kr", values, SEK_FORMAT,
                                 is_input=False)
        for col in range(LABEL_COL, FIRST_YEAR_COL + self.calc.years):
            self.ws.cell(row=row, column=col).font = _NOTE_FONT


def _adoption_formula(t_row: int, col: str, target: str, ramp: str, go_live: str) -> str:
    """Build a_t = 0 before go-live, else A · min((t − g + 1) / R, 1)."""
    t = f"{col}${t_row}"
    return f"=IF({t}<{go_live},0,{target}*MIN(({t}-{go_live}+1)/{ramp},1))"


def _sum_of(cells: Sequence[str]) -> str:
    """Add cells in SUMs of at most 200 arguments, inside Excel's 255-argument limit."""
    if not cells:
        return "=0"
    chunks = [cells[i:i + MAX_SUM_ARGUMENTS] for i in range(0, len(cells), MAX_SUM_ARGUMENTS)]
    return "=" + "+".join("SUM(" + ",".join(chunk) + ")" for chunk in chunks)


def _write_settings(sheet: _ExportSheet) -> None:
    """Write the calculation's settings, channel indices and the year rows."""
    calc = sheet.calc
    refs = sheet.refs
    sheet.section("Inställningar (gula celler är indata)")
    refs["start"] = sheet.scalar("Startår (år 0, diskonteras inte)", "år", calc.start_year,
                                 INT_FORMAT)
    sheet.scalar("Antal år (N)", "år", calc.years, INT_FORMAT, is_input=False)
    refs["rate"] = sheet.scalar("Kalkylränta (r)", "andel per år", calc.discount_rate,
                                PERCENT_FORMAT)
    refs["unit"] = sheet.scalar("Kanalenhet (u)", "kr per indexpoäng", calc.channel_unit_sek,
                                SEK_FORMAT)
    refs["hours"] = sheet.scalar("Timmar per årsarbetare", "timmar/år", calc.hours_per_fte,
                                 VOLUME_FORMAT)
    refs["oncost"] = sheet.scalar("PO-pålägg", "andel av lönen", calc.oncost_rate,
                                  PERCENT_FORMAT)
    adoption = calc.adoption
    if not adoption.is_explicit:
        refs["target"] = sheet.scalar("Införandegrad, mål (A)", "andel", adoption.target,
                                      PERCENT_FORMAT)
        refs["ramp"] = sheet.scalar("Upptrappningstid (R)", "år", adoption.ramp_years,
                                    INT_FORMAT)
        refs["go_live"] = sheet.scalar("Driftstart (g)", "år efter startåret",
                                       adoption.go_live_index, INT_FORMAT)
    refs["benefits_change"] = sheet.scalar("Känslighet: ändring av nyttor", "andel",
                                           calc.sensitivity.benefits_change, PERCENT_FORMAT)
    refs["costs_change"] = sheet.scalar("Känslighet: ändring av kostnader", "andel",
                                        calc.sensitivity.costs_change, PERCENT_FORMAT)
    sheet.section("Kanalindex (metodens konstanter)")
    for channel, index in CHANNEL_INDEX.items():
        refs[f"index.{channel}"] = sheet.scalar(f"Kanalindex {CHANNEL_LABELS[channel][0]}",
                                                "indexpoäng", index, INT_FORMAT, is_input=False)
    sheet.section("Tidslinje och diskontering")
    year_row = sheet.next_row()
    sheet.label(year_row, "År", "år", bold=True)
    for t in range(calc.years):
        text = f"={refs['start']}" if t == 0 else f"={sheet.col(t - 1)}{year_row}+1"
        sheet.formula(year_row, FIRST_YEAR_COL + t, text, INT_FORMAT)
        sheet.ws.cell(row=year_row, column=FIRST_YEAR_COL + t).font = _BOLD
    refs["year_row"] = str(year_row)
    t_row = sheet.yearly_formula("t (år efter startåret)", "år",
                                 lambda t, c: f"={c}${year_row}-{refs['start']}", INT_FORMAT)
    refs["t_row"] = str(t_row)
    if adoption.is_explicit:
        adoption_row = sheet.yearly_values("Införandegrad a_t (angiven per år)", "andel",
                                           list(adoption.by_year or ()), PERCENT_FORMAT)
    else:
        adoption_row = sheet.yearly_formula(
            "Införandegrad a_t = 0 före g, sedan A · min((t − g + 1) / R; 1)", "andel",
            lambda t, c: _adoption_formula(t_row, c, refs["target"], refs["ramp"],
                                           refs["go_live"]),
            PERCENT_FORMAT,
        )
    refs["adoption_row"] = str(adoption_row)
    refs["df_row"] = str(sheet.yearly_formula(
        "Diskonteringsfaktor DF_t = 1 / (1 + r)^t", "faktor",
        lambda t, c: f"=1/(1+{refs['rate']})^{c}${t_row}", RATIO_FORMAT,
    ))


def _line_adoption_row(sheet: _ExportSheet, line: BenefitLine) -> int:
    """Write the line's adoption row: the calculation's, or the line's own ramp or values."""
    refs = sheet.refs
    own = line.adoption
    if own is None:
        return sheet.yearly_formula("Införandegrad (kalkylens)", "andel",
                                    lambda t, c: f"={c}${refs['adoption_row']}", PERCENT_FORMAT)
    if own.is_explicit:
        return sheet.yearly_values("Införandegrad (radens egen, per år)", "andel",
                                   list(own.by_year or ()), PERCENT_FORMAT)
    target = sheet.scalar("Radens införandegrad, mål (A)", "andel", own.target, PERCENT_FORMAT)
    ramp = sheet.scalar("Radens upptrappningstid (R)", "år", own.ramp_years, INT_FORMAT)
    go_live = sheet.scalar("Radens driftstart (g)", "år efter startåret", own.go_live_index,
                           INT_FORMAT)
    t_row = int(refs["t_row"])
    return sheet.yearly_formula(
        "Införandegrad (radens egen ramp)", "andel",
        lambda t, c: _adoption_formula(t_row, c, target, ramp, go_live), PERCENT_FORMAT,
    )


def _volume_and_adoption(sheet: _ExportSheet, line: BenefitLine) -> tuple[int, int]:
    """Write the volume and adoption rows an adoption-dependent line starts with."""
    volume = sheet.yearly_values("Volym V_t", "ärenden/år",
                                 list(line.volume_by_year or (0,) * sheet.calc.years),
                                 VOLUME_FORMAT)
    return volume, _line_adoption_row(sheet, line)


def _write_line(sheet: _ExportSheet, index: int, line: BenefitLine,
                engine_line: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """Write one benefit line's block; return its value and cash-releasing rows if valued."""
    kind = line.kind
    sheet.row += 1
    head = sheet.next_row()
    name_cell = sheet.ws.cell(row=head, column=LABEL_COL)
    set_safe_value(name_cell, line.name)
    name_cell.font = _BOLD
    recipient = RECIPIENT_LABELS[line.recipient][0] if line.recipient else "–"
    set_safe_value(sheet.ws.cell(row=head, column=UNIT_COL),
                   f"Nytta {index + 1}: {KIND_LABELS[kind][0]}, {recipient}")
    if line.owner_organisation_id is not None:
        sheet.scalar("Ägande organisation (id)", "id", line.owner_organisation_id, INT_FORMAT)
    if kind is BenefitKind.QUALITATIVE:
        sheet.scalar("Mål", "nr", line.goal, INT_FORMAT)
        sheet.scalar("Indikator", "", line.indicator, None)
        sheet.label(sheet.next_row(), "Räknas men värderas inte i kronor (röd).")
        return None
    if kind is BenefitKind.FIXED:
        amounts = sheet.yearly_values("Fast belopp", "kr", list(line.by_year_sek or ()),
                                      SEK_FORMAT)
        flag = sheet.scalar("Kostnadsfrigörande (1 = ja, 0 = nej)", "1/0",
                            int(line.cash_releasing), INT_FORMAT)
        value = sheet.yearly_formula("Värde", "kr", lambda t, c: f"={c}{amounts}", SEK_FORMAT)
        cash = sheet.yearly_formula("Varav kostnadsfrigörande", "kr",
                                    lambda t, c: f"={c}{value}*{flag}", SEK_FORMAT)
    else:
        volume, adoption = _volume_and_adoption(sheet, line)
        cases = f"{{c}}{volume}*{{c}}{adoption}"
        if kind is BenefitKind.CHANNEL_SHIFT:
            value, cash = _write_channel_shift(sheet, line, cases)
        elif kind is BenefitKind.STAFF_TIME:
            value, cash = _write_staff_time(sheet, line, cases)
        elif kind is BenefitKind.CITIZEN_TIME:
            minutes = sheet.scalar("Minuter sparade per ärende m", "min",
                                   line.minutes_saved_per_case, HOURS_FORMAT)
            per_hour = sheet.scalar("Värde per timme", "kr/timme", line.value_per_hour_sek,
                                    SEK_FORMAT)
            value = sheet.yearly_formula(
                "Värde = V_t · a_t · m / 60 · värde per timme", "kr",
                lambda t, c: "=" + cases.format(c=c) + f"*{minutes}/60*{per_hour}", SEK_FORMAT,
            )
            cash = sheet.yearly_formula("Varav kostnadsfrigörande (aldrig för medborgartid)",
                                        "kr", lambda t, c: "=0", SEK_FORMAT)
        else:
            amount = sheet.scalar("Belopp per ärende", "kr", line.amount_sek, SEK_FORMAT)
            flag = sheet.scalar("Kostnadsfrigörande (1 = ja, 0 = nej)", "1/0",
                                int(line.cash_releasing), INT_FORMAT)
            value = sheet.yearly_formula(
                "Värde = V_t · a_t · belopp", "kr",
                lambda t, c: "=" + cases.format(c=c) + f"*{amount}", SEK_FORMAT,
            )
            cash = sheet.yearly_formula("Varav kostnadsfrigörande", "kr",
                                        lambda t, c: f"={c}{value}*{flag}", SEK_FORMAT)
    if engine_line is not None:
        sheet.engine_row("Värde", engine_line.get("by_year_sek"))
    return value, cash


def _write_channel_shift(sheet: _ExportSheet, line: BenefitLine, cases: str) -> tuple[int, int]:
    """Write the channel mix, the saving per case and the channel-shift value rows."""
    refs = sheet.refs
    mix = dict(line.channel_mix)
    terms = []
    for channel in BASELINE_CHANNELS:
        share = sheet.scalar(f"Andel {CHANNEL_LABELS[channel][0]} s_c", "andel",
                             mix.get(channel, 0), PERCENT_FORMAT)
        terms.append(f"{share}*{refs[f'index.{channel}']}")
    saving = sheet.scalar_formula(
        "Besparing per ärende = Σ s_c · k_c · u − k_e-tjänst · u", "kr/ärende",
        f"=({'+'.join(terms)})*{refs['unit']}-{refs['index.e_service']}*{refs['unit']}",
        SEK_FORMAT,
    )
    share = sheet.scalar("Kostnadsfrigörande andel", "andel", line.cash_releasing_share,
                         PERCENT_FORMAT)
    value = sheet.yearly_formula("Värde = V_t · a_t · besparing per ärende", "kr",
                                 lambda t, c: "=" + cases.format(c=c) + f"*{saving}",
                                 SEK_FORMAT)
    cash = sheet.yearly_formula("Varav kostnadsfrigörande", "kr",
                                lambda t, c: f"={c}{value}*{share}", SEK_FORMAT)
    return value, cash


def _write_staff_time(sheet: _ExportSheet, line: BenefitLine, cases: str) -> tuple[int, int]:
    """Write minutes, hourly cost, hours, committed FTEs and the staff-time value rows."""
    refs = sheet.refs
    minutes = sheet.scalar("Minuter sparade per ärende m", "min", line.minutes_saved_per_case,
                           HOURS_FORMAT)
    if line.hourly_cost_sek is not None:
        hourly = sheet.scalar("Timkostnad h", "kr/timme", line.hourly_cost_sek, SEK_FORMAT)
    else:
        salary = sheet.scalar("Årslön", "kr/år", line.salary_sek, SEK_FORMAT)
        if line.oncost_rate is None:
            oncost = sheet.scalar_formula("PO-pålägg (kalkylens)", "andel",
                                          f"={refs['oncost']}", PERCENT_FORMAT)
        else:
            oncost = sheet.scalar("PO-pålägg (radens eget)", "andel", line.oncost_rate,
                                  PERCENT_FORMAT)
        hourly = sheet.scalar_formula(
            "Timkostnad h = årslön · (1 + PO) / timmar per årsarbetare", "kr/timme",
            f"={salary}*(1+{oncost})/{refs['hours']}", SEK_FORMAT,
        )
    hours = sheet.yearly_formula("Sparade timmar = V_t · a_t · m / 60", "timmar",
                                 lambda t, c: "=" + cases.format(c=c) + f"*{minutes}/60",
                                 HOURS_FORMAT)
    fte = sheet.yearly_values("Åtagna årsarbetare", "åa",
                              list(line.committed_fte_by_year or (0,) * sheet.calc.years),
                              DECIMAL_FORMAT)
    value = sheet.yearly_formula("Värde = timmar · h", "kr",
                                 lambda t, c: f"={c}{hours}*{hourly}", SEK_FORMAT)
    cash = sheet.yearly_formula(
        "Varav kostnadsfrigörande = min(åa · timmar per åa; timmar) · h", "kr",
        lambda t, c: f"=MIN({c}{fte}*{refs['hours']},{c}{hours})*{hourly}", SEK_FORMAT,
    )
    return value, cash


def _write_totals(sheet: _ExportSheet, value_rows: Sequence[int], cash_rows: Sequence[int],
                  cost_rows: Sequence[int], result: Mapping[str, Any] | None) -> dict[str, int]:
    """Write the yearly totals, cumulative and discounted net and the payback helpers."""
    sheet.section("Summering per år", with_years=True)
    df = sheet.refs["df_row"]
    rows: dict[str, int] = {}
    rows["benefits"] = sheet.yearly_formula(
        "Nyttor B_t", "kr", lambda t, c: _sum_of([f"{c}{r}" for r in value_rows]), SEK_FORMAT)
    sheet.engine_row("Nyttor", _engine_series(result, "benefits_by_year_sek"))
    if cost_rows:
        first, last = min(cost_rows), max(cost_rows)
        rows["costs"] = sheet.yearly_formula("Kostnader C_t", "kr",
                                             lambda t, c: f"=SUM({c}{first}:{c}{last})",
                                             SEK_FORMAT)
    else:
        rows["costs"] = sheet.yearly_formula("Kostnader C_t", "kr", lambda t, c: "=0",
                                             SEK_FORMAT)
    sheet.engine_row("Kostnader", _engine_series(result, "costs_by_year_sek"))
    rows["net"] = sheet.yearly_formula(
        "Netto B_t − C_t", "kr", lambda t, c: f"={c}{rows['benefits']}-{c}{rows['costs']}",
        SEK_FORMAT)
    sheet.engine_row("Netto", _engine_series(result, "net_by_year_sek"))
    rows["cash"] = sheet.yearly_formula(
        "Kostnadsfrigörande nyttor", "kr", lambda t, c: _sum_of([f"{c}{r}" for r in cash_rows]),
        SEK_FORMAT)
    sheet.engine_row("Kostnadsfrigörande", _engine_series(result, "cash_releasing_by_year_sek"))
    rows["discounted"] = sheet.yearly_formula(
        "Diskonterat netto (B_t − C_t) · DF_t", "kr",
        lambda t, c: f"={c}{rows['net']}*{c}{df}", SEK_FORMAT)
    for name, source, text in (("cum", "net", "Ackumulerat netto"),
                               ("dcum", "discounted", "Ackumulerat diskonterat netto")):
        own, added = sheet.row, rows[source]
        rows[name] = sheet.yearly_formula(
            text, "kr",
            lambda t, c, own=own, added=added: (f"={c}{added}" if t == 0 else
                                                f"={sheet.col(t - 1)}{own}+{c}{added}"),
            SEK_FORMAT)
    for name, source, text in (("paid", "cum", "Återbetald (1 = ackumulerat netto ≥ 0)"),
                               ("dpaid", "dcum", "Återbetald diskonterat (1 = ja)")):
        rows[name] = sheet.yearly_formula(
            text, "1/0", lambda t, c, s=source: f"=IF({c}{rows[s]}>=0,1,0)", INT_FORMAT)
    return rows


def _write_results(sheet: _ExportSheet, rows: Mapping[str, int],
                   result: Mapping[str, Any] | None) -> None:
    """Fill the reserved result block: formulas in C, the engine's figures in D."""
    ws, span, refs = sheet.ws, sheet.span, sheet.refs
    df = span(int(refs["df_row"]))
    cell = {row.key: f"${EXPORT_RESULT_CELLS[row.key][0]}${EXPORT_RESULT_CELLS[row.key][1:]}"
            for row in RESULT_ROWS}
    years = span(int(refs["year_row"]))

    def payback(flags: str, cum: str, net: str) -> tuple[str, str]:
        """Build the payback year and fractional payback formulas from 1/0 flags."""
        m = f"MATCH(1,{flags},0)"
        year = f'=IFERROR(INDEX({years},{m}),"aldrig")'
        fraction = (f'=IFERROR(IF({m}=1,0,{m}-2+ABS(INDEX({cum},{m}-1))/INDEX({net},{m})),'
                    '"aldrig")')
        return year, fraction

    payback_year, payback_years = payback(span(rows["paid"]), span(rows["cum"]),
                                          span(rows["net"]))
    discounted_year, _ = payback(span(rows["dpaid"]), span(rows["dcum"]),
                                 span(rows["discounted"]))
    formulas = {
        "pv_benefits_sek": f"=SUMPRODUCT({span(rows['benefits'])},{df})",
        "pv_costs_sek": f"=SUMPRODUCT({span(rows['costs'])},{df})",
        "npv_sek": f"=SUMPRODUCT({span(rows['benefits'])}-{span(rows['costs'])},{df})",
        "bcr": f'=IF({cell["pv_costs_sek"]}=0,"–",{cell["pv_benefits_sek"]}'
               f'/{cell["pv_costs_sek"]})',
        "sensitivity_npv_sek": f"=(1+{refs['benefits_change']})*{cell['pv_benefits_sek']}"
                               f"-(1+{refs['costs_change']})*{cell['pv_costs_sek']}",
        "pv_by_colour_sek.green": f"=SUMPRODUCT({span(rows['cash'])},{df})",
        "pv_by_colour_sek.yellow": f"={cell['pv_benefits_sek']}"
                                   f"-{cell['pv_by_colour_sek.green']}",
        "payback_year": payback_year,
        "payback_years": payback_years,
        "discounted_payback_year": discounted_year,
    }
    for header, col in (("Resultat", LABEL_COL), ("Enhet", UNIT_COL),
                        ("Formel i arbetsboken", VALUE_COL), (ENGINE_LABEL, ENGINE_COL)):
        if col == ENGINE_COL and result is None:
            continue
        _header(ws.cell(row=RESULT_HEADER_ROW, column=col), header)
    for index, spec in enumerate(RESULT_ROWS):
        row = FIRST_RESULT_ROW + index
        sheet.label(row, spec.label, spec.unit)
        if spec.key in formulas:
            sheet.formula(row, VALUE_COL, formulas[spec.key], spec.number_format)
            ws.cell(row=row, column=VALUE_COL).font = _BOLD
        elif spec.key == "qualitative_count":
            count = sum(1 for line in sheet.calc.benefits
                        if line.kind is BenefitKind.QUALITATIVE)
            sheet.value(row, VALUE_COL, count, spec.number_format, is_input=False)
        else:
            set_safe_value(ws.cell(row=row, column=VALUE_COL), "beräknas av systemet")
        if result is not None:
            engine = _engine_value(result, spec.key)
            set_safe_value(ws.cell(row=row, column=ENGINE_COL),
                           "–" if engine is None else engine, spec.number_format)
    note = ws.cell(row=FIRST_RESULT_ROW + len(RESULT_ROWS), column=LABEL_COL)
    set_safe_value(note, "Obs: år 0 (startåret) diskonteras inte, så NPV räknas som "
                         "SUMPRODUCT((B_t − C_t); DF_t) med DF_t = 1/(1 + r)^t. Excels "
                         "NPV()-funktion diskonterar även första året och ger för lågt värde – "
                         "den klassiska missen; använd den inte här.")
    note.font = _NOTE_FONT


def export_workbook(payload: Mapping[str, Any], result: Mapping[str, Any] | None = None,
                    title: str = "Nyttokalkyl",
                    defaults: CalculationDefaults | None = None) -> bytes:
    """Export a calculation whose results are Excel formulas over its inputs, for auditing."""
    calc = parse_calculation(dict(payload), defaults)
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_EXPORT
    title_cell = set_safe_value(ws.cell(row=1, column=LABEL_COL), title)
    title_cell.font = _TITLE
    intro_text = ("Gula celler är indata; övriga tal är formler över dem, så kalkylen kan "
                  "granskas och räknas om.")
    if result is not None:
        intro_text += f" Kolumnen och raderna '{ENGINE_LABEL}' visar systemets egna, avrundade "
        intro_text += "värden att jämföra med."
    intro = set_safe_value(ws.cell(row=2, column=LABEL_COL), intro_text)
    intro.font = _NOTE_FONT
    sheet = _ExportSheet(ws, calc)
    _write_settings(sheet)
    sheet.section("Nyttor", with_years=True)
    engine_lines = list(result.get("lines", [])) if result is not None else []
    value_rows, cash_rows = [], []
    for index, line in enumerate(calc.benefits):
        engine_line = engine_lines[index] if index < len(engine_lines) else None
        rows = _write_line(sheet, index, line, engine_line)
        if rows is not None:
            value_rows.append(rows[0])
            cash_rows.append(rows[1])
    sheet.section("Kostnader", with_years=True)
    cost_rows = []
    for line in calc.costs:
        row = sheet.next_row()
        sheet.label(row, line.name, COST_KIND_LABELS[line.kind][0])
        for t, amount in enumerate(line.by_year_sek):
            sheet.value(row, FIRST_YEAR_COL + t, amount, SEK_FORMAT)
        cost_rows.append(row)
    rows = _write_totals(sheet, value_rows, cash_rows, cost_rows, result)
    _write_results(sheet, rows, result)
    for letter, width in zip("ABCD", (58, 26, 18, 22), strict=True):
        ws.column_dimensions[letter].width = width
    for t in range(calc.years):
        ws.column_dimensions[sheet.col(t)].width = 15
    return workbook_bytes(workbook)
