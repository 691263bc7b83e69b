"""The empty template a benefit owner fills in, in Swedish or English."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.benefits.calculation import (
    DEMO_DEFAULTS,
    LINE_KEYS,
    MAX_START_YEAR,
    MAX_YEARS,
    MIN_START_YEAR,
    BenefitKind,
    CalculationDefaults,
    CostKind,
    Recipient,
)
from reports.xlsx import (
    set_safe_value,
    workbook_bytes,
)

from .layout import (
    _BOLD,
    _KEY_FONT,
    _TITLE,
    _WRAP,
    _YELLOW,
    BENEFIT_FIELDS,
    CHANGE,
    COST_FIELDS,
    COST_KIND,
    COST_KIND_LABELS,
    FIELD_ROW,
    FIRST_LINE_ROW,
    FLAG,
    FLAG_LABELS,
    INTEGER,
    KIND,
    KIND_DESCRIPTIONS,
    KIND_LABELS,
    LANGUAGES,
    MAX_LINES,
    NUMBER,
    RECIPIENT,
    RECIPIENT_LABELS,
    SETTING_KEY_COLUMN,
    SETTING_VALUE_COLUMN,
    SETTINGS,
    SHARE,
    SHEET_BENEFITS,
    SHEET_COSTS,
    SHEET_INSTRUCTIONS,
    SHEET_SETTINGS,
    _Field,
)


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
