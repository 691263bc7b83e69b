"""The nyttokalkyl in Excel: template, import with Swedish errors, and an export that recomputes."""

import functools
import io
import random
import re
import zipfile

import formulas
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import reports.benefit_workbook as benefit_workbook
from app.benefits.calculation import (
    COST_KEYS,
    LINE_KEYS,
    TOP_LEVEL_KEYS,
    CalculationInputError,
    evaluate,
    parse_calculation,
    result_to_dict,
)
from reports.benefit_workbook import (
    EXPORT_RESULT_CELLS,
    MAX_LINES,
    WorkbookError,
    export_workbook,
    read_workbook,
    template_workbook,
)
from reports.xlsx import PERCENT_FORMAT, SEK_FORMAT
from tests.unit.test_benefit_calculation import full_example, worked_example

LABELS = {
    "sv": {"channel_shift": "Kanalbyte", "staff_time": "Personaltid",
           "citizen_time": "Medborgartid", "per_case": "Per ärende", "fixed": "Fast belopp",
           "qualitative": "Kvalitativ", "organisation": "Organisationen",
           "citizens": "Medborgare", "businesses": "Företag", "investment": "Investering",
           "running": "Drift", True: "ja", False: "nej"},
    "en": {"channel_shift": "Channel shift", "staff_time": "Staff time",
           "citizen_time": "Citizen time", "per_case": "Per case", "fixed": "Fixed amount",
           "qualitative": "Qualitative", "organisation": "Organisation",
           "citizens": "Citizens", "businesses": "Businesses", "investment": "Investment",
           "running": "Running", True: "yes", False: "no"},
}
HOSTILE = ['=HYPERLINK("http://example.invalid","klick")', "+SUM(1,2)", "-2+3", "@cmd",
           "=1+1"]


def variants_example():
    """Build a payload with the rarer branches: own adoption, hourly cost, cash shares."""
    return {
        "start_year": 2020, "years": 4, "discount_rate": 0.04, "channel_unit_sek": 3,
        "hours_per_fte": 1600, "oncost_rate": 0.4,
        "adoption": {"by_year": [0, 0.3, 0.6, 0.9]},
        "benefits": [
            {"kind": "channel_shift", "name": "Webbformulär", "recipient": "organisation",
             "owner_organisation_id": 7, "volume_per_year": [100, 2000, 3000, 3000],
             "channel_mix": {"phone": 0.25, "email": 0.25, "letter": 0.25, "visit": 0.25},
             "cash_releasing_share": 0.4,
             "adoption": {"target": 0.8, "ramp_years": 2, "go_live_index": 1}},
            {"kind": "staff_time", "name": "Automatiskt beslut", "recipient": "organisation",
             "volume_per_year": 3400, "minutes_saved_per_case": 60, "hourly_cost_sek": 500,
             "committed_fte_by_year": [0.25, 2, 0.5, 0]},
            {"kind": "staff_time", "name": "Egen PO", "recipient": "organisation",
             "volume_per_year": 1000, "minutes_saved_per_case": 10, "salary_sek": 400000,
             "oncost_rate": 0.3, "adoption": {"by_year": [1, 1, 0.5, 0.5]}},
            {"kind": "citizen_time", "name": "Företagens tid", "recipient": "businesses",
             "volume_per_year": [10, 20, 30, 40], "minutes_saved_per_case": 45,
             "value_per_hour_sek": 400},
            {"kind": "per_case", "name": "Utskick", "recipient": "citizens",
             "volume_per_year": 500, "amount_sek": 8},
            {"kind": "fixed", "name": "Gammalt system", "recipient": "organisation",
             "by_year_sek": [0, 10000, 20000, 30000]},
        ],
        "costs": [],
    }


def no_payback_example():
    """Build a calculation that never pays back and has no benefits."""
    return {"start_year": 2015, "years": 3, "discount_rate": 0.05,
            "adoption": {"target": 0.5, "ramp_years": 1, "go_live_index": 0},
            "costs": [{"name": "Licens", "kind": "running", "by_year_sek": [100, 100, 100]}]}


EXAMPLES = {"worked": worked_example, "full": full_example, "variants": variants_example,
            "no_payback": no_payback_example}
TEMPLATE_EXAMPLES = ["worked", "full", "no_payback"]


def engine(payload):
    """Evaluate a payload and return the public result dict."""
    return result_to_dict(evaluate(parse_calculation(payload)))


def to_bytes(workbook):
    """Save an openpyxl workbook to .xlsx bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def columns(ws):
    """Map row 2's field keys to column numbers."""
    return {cell.value: cell.column for cell in ws[2] if cell.value}


def setting_rows(ws):
    """Map the settings sheet's field keys (column E) to rows."""
    return {ws.cell(row, 5).value: row for row in range(2, ws.max_row + 1)}


def line_cells(line, years, labels):
    """Yield (field key, cell value) for one payload line as a person would type it."""
    for key, value in line.items():
        if key in ("kind", "recipient", "cash_releasing"):
            yield key, labels[value]
        elif key == "channel_mix":
            for channel, share in value.items():
                yield f"channel_mix.{channel}", share
        elif isinstance(value, list):
            for t, item in enumerate(value):
                yield f"{key}[{t}]", item
        elif key == "volume_per_year":
            for t in range(years):
                yield f"{key}[{t}]", value
        else:
            yield key, value


@functools.cache
def template(start_year, years, language):
    """Build a template once per shape, as several tests fill the same one."""
    return template_workbook(start_year=start_year, years=years, language=language)


def fill(payload, language="sv"):
    """Write a payload into the template's yellow cells with openpyxl, as a user would."""
    data = template(payload["start_year"], payload["years"], language)
    workbook = load_workbook(io.BytesIO(data))
    settings = workbook["Inställningar"]
    rows = setting_rows(settings)
    for key, value in payload.items():
        if key in ("adoption", "sensitivity"):
            for name, item in value.items():
                settings.cell(rows[f"{key}.{name}"], 2).value = item
        elif key in rows:
            settings.cell(rows[key], 2).value = value
    for sheet, lines in (("Nyttor", payload.get("benefits", [])),
                         ("Kostnader", payload.get("costs", []))):
        ws = workbook[sheet]
        cols = columns(ws)
        for index, line in enumerate(lines):
            for key, value in line_cells(line, payload["years"], LABELS[language]):
                ws.cell(3 + index, cols[key]).value = value
    return workbook


def upload(edit=None):
    """Fill the worked example into the template, apply `edit(workbook)`, return the bytes."""
    workbook = fill(worked_example())
    if edit is not None:
        edit(workbook)
    return to_bytes(workbook)


def problems_of(data, **kwargs):
    """Read an upload that must fail and return its Swedish messages."""
    with pytest.raises(WorkbookError) as caught:
        read_workbook(data, **kwargs)
    assert caught.value.messages
    return caught.value.messages


def recompute(data, tmp_path):
    """Recompute an exported workbook with the `formulas` package; return a cell reader."""
    path = tmp_path / "kalkyl.xlsx"
    path.write_bytes(data)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()

    def value(cell):
        """Return the recomputed value of a cell on the Kalkyl sheet."""
        result = solution[f"'[kalkyl.xlsx]KALKYL'!{cell}"].value[0][0]
        return result if isinstance(result, str) else float(result)

    return value


# ---------------------------------------------------------------- template


def test_template_has_the_four_sheets_in_order():
    workbook = load_workbook(io.BytesIO(template_workbook(start_year=2010)))
    assert workbook.sheetnames == ["Instruktioner", "Inställningar", "Nyttor", "Kostnader"]


@pytest.mark.parametrize(
    ("language", "sheet", "header"),
    [
        ("sv", "Nyttor", "Volym 2010 (ärenden)"),
        ("sv", "Nyttor", "Volym 2014 (ärenden)"),
        ("sv", "Nyttor", "Minuter sparade per ärende (min)"),
        ("sv", "Nyttor", "Timkostnad (kr/timme)"),
        ("sv", "Nyttor", "Årslön (kr/år)"),
        ("sv", "Nyttor", "Åtagna årsarbetare 2012 (åa)"),
        ("sv", "Nyttor", "Andel telefon (0–1)"),
        ("sv", "Nyttor", "Fast belopp 2013 (kr)"),
        ("sv", "Kostnader", "Kostnad 2011 (kr)"),
        ("en", "Nyttor", "Volume 2010 (cases)"),
        ("en", "Nyttor", "Minutes saved per case (min)"),
        ("en", "Kostnader", "Cost 2014 (SEK)"),
    ],
)
def test_template_headers_carry_units_and_years(language, sheet, header):
    workbook = load_workbook(io.BytesIO(template_workbook(start_year=2010, language=language)))
    assert header in [cell.value for cell in workbook[sheet][1]]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("start_year", 2010),
        ("years", 5),
        ("discount_rate", 0.035),
        ("channel_unit_sek", 2),
        ("hours_per_fte", 1700),
        ("oncost_rate", 0.54),
        ("sensitivity.benefits_change", -0.2),
        ("sensitivity.costs_change", 0.2),
        ("adoption.target", None),
        ("adoption.ramp_years", None),
        ("adoption.go_live_index", None),
    ],
)
def test_template_settings_have_one_row_each_with_default_and_unit(key, expected):
    ws = load_workbook(io.BytesIO(template_workbook(start_year=2010)))["Inställningar"]
    row = setting_rows(ws)[key]
    assert ws.cell(row, 2).value == expected
    assert ws.cell(row, 3).value
    assert ws.cell(row, 2).fill.fgColor.rgb.endswith("FFF2A8")


@pytest.mark.parametrize(
    ("sheet", "cell", "choices"),
    [
        ("Nyttor", "A3", ["Kanalbyte", "Personaltid", "Medborgartid", "Per ärende",
                          "Fast belopp", "Kvalitativ"]),
        ("Nyttor", "C50", ["Organisationen", "Medborgare", "Företag"]),
        ("Nyttor", "E202", ["ja", "nej"]),
        ("Kostnader", "B3", ["Investering", "Drift"]),
    ],
)
def test_template_offers_drop_down_lists(sheet, cell, choices):
    ws = load_workbook(io.BytesIO(template_workbook(start_year=2010)))[sheet]
    lists = [dv for dv in ws.data_validations.dataValidation
             if dv.type == "list" and cell in dv.sqref]
    assert len(lists) == 1
    assert lists[0].formula1 == '"' + ",".join(choices) + '"'


@pytest.mark.parametrize(
    ("field", "kind", "bounds"),
    [
        ("channel_mix.phone", "decimal", ("0", "1")),
        ("volume_per_year[0]", "decimal", ("0", None)),
        ("goal", "whole", ("0", None)),
    ],
)
def test_template_checks_numbers_in_excel_too(field, kind, bounds):
    ws = load_workbook(io.BytesIO(template_workbook(start_year=2010)))["Nyttor"]
    cell = ws.cell(3, columns(ws)[field]).coordinate
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert [(dv.type, dv.formula1, dv.formula2) for dv in found] == [(kind, *bounds)]


@pytest.mark.parametrize(
    ("field", "number_format"),
    [("channel_mix.phone", PERCENT_FORMAT), ("salary_sek", SEK_FORMAT),
     ("by_year_sek[2]", SEK_FORMAT)],
)
def test_template_input_columns_are_yellow_and_formatted(field, number_format):
    ws = load_workbook(io.BytesIO(template_workbook(start_year=2010)))["Nyttor"]
    column = ws.column_dimensions[get_column_letter(columns(ws)[field])]
    assert column.fill.fgColor.rgb.endswith("FFF2A8")
    assert column.number_format == number_format
    assert not ws.cell(1, columns(ws)[field]).fill.fgColor.rgb.endswith("FFF2A8")


@pytest.mark.parametrize(
    "text",
    ["Fyll bara i de gula cellerna", "Only fill in the yellow cells", "629 819",
     "A · min((t − g + 1) / R; 1)", "Kanalbyte", "Channel shift"],
)
def test_template_instructions_are_in_swedish_and_english(text):
    ws = load_workbook(io.BytesIO(template_workbook(start_year=2010)))["Instruktioner"]
    texts = [cell.value for row in ws.iter_rows() for cell in row if cell.value]
    assert any(text in value for value in texts)


@pytest.mark.parametrize(("language", "header"), [("sv_SE", "Typ"), ("en-GB", "Kind"),
                                                  ("EN", "Kind")])
def test_template_language_may_be_given_as_a_locale(language, header):
    ws = load_workbook(io.BytesIO(template_workbook(language=language)))["Nyttor"]
    assert ws["A1"].value == header


@pytest.mark.parametrize(
    "kwargs",
    [{"language": "de"}, {"years": 0}, {"years": 51}, {"start_year": 1800}],
)
def test_template_refuses_impossible_options(kwargs):
    with pytest.raises(ValueError):
        template_workbook(**kwargs)


def test_blank_template_is_refused_with_a_clear_message():
    messages = problems_of(template_workbook(start_year=2010))
    assert any("varken nyttor eller kostnader" in message for message in messages)
    assert any("Blad Inställningar, cellerna B8:B10" in message for message in messages)


# ---------------------------------------------------------------- template -> import


@pytest.mark.parametrize("language", ["sv", "en"])
def test_worked_example_round_trips_through_the_template_to_npv_629819(language):
    payload = read_workbook(to_bytes(fill(worked_example(), language)))
    assert engine(payload)["npv_sek"] == 629819


@pytest.mark.parametrize("example", TEMPLATE_EXAMPLES)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_template_import_gives_the_engine_the_same_calculation(example, language):
    original = EXAMPLES[example]()
    payload = read_workbook(to_bytes(fill(original, language)))
    assert engine(payload) == engine(original)


@pytest.mark.parametrize("example", ["worked", "full"])
def test_import_returns_exactly_the_public_contract(example):
    payload = read_workbook(to_bytes(fill(EXAMPLES[example]())))
    assert set(payload) <= TOP_LEVEL_KEYS
    for line in payload["benefits"]:
        assert type(line["kind"]) is str
        assert set(line) <= LINE_KEYS[line["kind"]]
    for line in payload["costs"]:
        assert set(line) == COST_KEYS


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12", 12), ("12,5", 12.5), ("1 200 000", 1200000), ("1\u00a0200", 1200),
     (" 7 ", 7), (12.0, 12)],
)
def test_numbers_typed_as_text_are_read_the_swedish_way(typed, expected):
    def edit(workbook):
        ws = workbook["Kostnader"]
        ws.cell(3, columns(ws)["by_year_sek[1]"]).value = typed

    payload = read_workbook(upload(edit))
    assert payload["costs"][0]["by_year_sek"][1] == expected


@pytest.mark.parametrize(("typed", "expected"), [("3,5 %", 0.035), ("0,04", 0.04), (0.03, 0.03)])
def test_shares_may_be_typed_as_percent(typed, expected):
    def edit(workbook):
        ws = workbook["Inställningar"]
        ws.cell(setting_rows(ws)["discount_rate"], 2).value = typed

    assert read_workbook(upload(edit))["discount_rate"] == pytest.approx(expected)


def test_empty_settings_fall_back_to_the_programme_defaults():
    def edit(workbook):
        ws = workbook["Inställningar"]
        for key in ("discount_rate", "hours_per_fte", "sensitivity.costs_change"):
            ws.cell(setting_rows(ws)[key], 2).value = None

    payload = read_workbook(upload(edit))
    assert "discount_rate" not in payload and "hours_per_fte" not in payload
    assert payload["sensitivity"] == {"benefits_change": -0.2}
    assert engine(payload)["npv_sek"] == 629819


def test_cash_releasing_no_on_citizen_time_is_harmless():
    payload = full_example()
    payload["benefits"][2]["cash_releasing"] = False
    read = read_workbook(to_bytes(fill(payload)))
    assert "cash_releasing" not in read["benefits"][2]


def test_blank_rows_between_lines_are_skipped():
    def edit(workbook):
        ws = workbook["Kostnader"]
        for cell in ws[4]:
            ws.cell(9, cell.column).value = cell.value
            cell.value = None

    data = upload(edit)
    assert [line["name"] for line in read_workbook(data)["costs"]] == ["Utveckling", "Drift"]
    messages = problems_of(upload(lambda wb: (edit(wb), _set("Kostnader", "kind", "X", 9)(wb))))
    assert messages[0].startswith("Blad Kostnader, cell B9: 'X' är ingen känd kostnadstyp")


# ---------------------------------------------------------------- malformed uploads


def _zip(entries):
    """Build a zip archive from {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _damaged_sheet():
    """Return the worked example with the Nyttor sheet's XML replaced by garbage."""
    source = zipfile.ZipFile(io.BytesIO(upload()))
    entries = {info.filename: source.read(info.filename) for info in source.infolist()}
    entries["xl/worksheets/sheet3.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1"
    return _zip(entries)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", "Filen är tom", id="empty"),
        pytest.param(b"Typ;Namn\nKanalbyte;Samtal\n", "ingen Excel-arbetsbok", id="csv"),
        pytest.param(random.Random(4).randbytes(4096), "ingen Excel-arbetsbok", id="random"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls-formatet",
                     id="old-xls"),
        pytest.param(_zip({"hej.txt": b"hej"}), "skadad eller ingen riktig Excel-arbetsbok",
                     id="zip-not-xlsx"),
        pytest.param(_damaged_sheet(), "skadad", id="damaged-sheet-xml"),
        pytest.param(upload()[:5000], "ingen Excel-arbetsbok", id="truncated"),
    ],
)
def test_files_that_are_not_a_readable_xlsx_get_one_clear_message(data, expected):
    messages = problems_of(data)
    assert len(messages) == 1
    assert expected in messages[0]


@pytest.mark.parametrize("seed", range(6))
def test_corrupted_bytes_never_raise_anything_but_workbook_error(seed):
    data = bytearray(upload())
    rng = random.Random(seed)
    for _ in range(20):
        data[rng.randrange(len(data))] = rng.randrange(256)
    try:
        read_workbook(bytes(data))
    except WorkbookError as error:
        assert error.messages


def test_oversized_upload_is_refused_before_opening():
    messages = problems_of(upload(), max_bytes=1000)
    assert messages == [messages[0]]
    assert "får vara högst 1 kB" in messages[0]


def test_zip_bomb_is_refused_by_its_unpacked_size(monkeypatch):
    monkeypatch.setattr(benefit_workbook.reader, "MAX_UNPACKED_BYTES", 10_000)
    messages = problems_of(upload())
    assert "för stor uppackad" in messages[0]


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        (["Kostnader"], "Bladet 'Kostnader' saknas"),
        (["Nyttor", "Inställningar"], "Bladen 'Inställningar', 'Nyttor' saknas"),
    ],
)
def test_missing_sheets_are_named(removed, expected):
    def edit(workbook):
        for name in removed:
            workbook.remove(workbook[name])

    messages = problems_of(upload(edit))
    assert messages == [messages[0]]
    assert expected in messages[0]


def test_renamed_sheet_counts_as_missing():
    def edit(workbook):
        workbook["Nyttor"].title = "Nyttor 2010"

    assert "Bladet 'Nyttor' saknas" in problems_of(upload(edit))[0]


def _set(sheet, field, value, row=3):
    """Return an edit that types `value` into a line sheet's field column."""
    def edit(workbook):
        ws = workbook[sheet]
        ws.cell(row, columns(ws)[field]).value = value
    return edit


def _setting(key, value):
    """Return an edit that types `value` into a setting."""
    def edit(workbook):
        ws = workbook["Inställningar"]
        ws.cell(setting_rows(ws)[key], 2).value = value
    return edit


def _text(sheet, field, value, row=3):
    """Return an edit that stores `value` as text even if it starts with "="."""
    def edit(workbook):
        ws = workbook[sheet]
        cell = ws.cell(row, columns(ws)[field])
        cell.value = value
        cell.data_type = "s"
    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(_set("Nyttor", "volume_per_year[0]", "tolv"),
                     "Blad Nyttor, cell G3: 'tolv' är inget tal – skriv t.ex. 10000",
                     id="tolv"),
        pytest.param(_set("Kostnader", "by_year_sek[0]", "1.200.000"),
                     "Blad Kostnader, cell C3: '1.200.000' är inget tal", id="dotted-number"),
        pytest.param(_set("Nyttor", "volume_per_year[2]", "=5000*2"),
                     "Blad Nyttor, cell I3: innehåller formeln '=5000*2' – skriv in själva "
                     "värdet", id="formula-number"),
        pytest.param(_set("Nyttor", "name", "=A1&\"x\""),
                     "Blad Nyttor, cell B3: innehåller formeln", id="formula-text"),
        pytest.param(_text("Nyttor", "volume_per_year[1]", "=1+1"),
                     "Blad Nyttor, cell H3: innehåller formeln '=1+1'",
                     id="formula-as-text-in-number"),
        pytest.param(_setting("discount_rate", "=3/100"),
                     "Blad Inställningar, cell B4: innehåller formeln", id="formula-setting"),
        pytest.param(_set("Nyttor", "kind", "Kanalbyten"),
                     "Blad Nyttor, cell A3: 'Kanalbyten' är ingen känd typ – välj en typ i "
                     "listan: Kanalbyte, Personaltid", id="unknown-kind"),
        pytest.param(_set("Kostnader", "kind", "Engång"),
                     "Blad Kostnader, cell B3: 'Engång' är ingen känd kostnadstyp",
                     id="cost-kind"),
        pytest.param(_set("Nyttor", "recipient", "Staten"),
                     "Blad Nyttor, cell C3: 'Staten' är ingen känd mottagare",
                     id="unknown-recipient"),
        pytest.param(_set("Nyttor", "channel_mix.visit", 0.1),
                     "Blad Nyttor, cellerna L3:O3: Kanalandelarna för telefon, e-post, brev och "
                     "besök måste tillsammans bli 1 (100 %) – nu blir de 0,9", id="mix-sum"),
        pytest.param(_set("Nyttor", "channel_mix.phone", 50),
                     "Blad Nyttor, cell L3: Andel telefon måste ligga mellan 0 och 1 (nu 50) – "
                     "skriv andelen som decimaltal", id="mix-percent-as-number"),
        pytest.param(_setting("discount_rate", 3.5),
                     "Blad Inställningar, cell B4: Kalkylränta (r) måste ligga mellan 0 och 1 "
                     "(nu 3,5)", id="rate-out-of-range"),
        pytest.param(_setting("adoption.go_live_index", 7),
                     "Blad Inställningar, cell B10: Driftstart (g) måste vara ett heltal från 0 "
                     "till 4 (nu 7)", id="go-live-beyond-years"),
        pytest.param(_setting("years", 6),
                     "Blad Inställningar, cell B3: antal år är '6' men mallen har 5 årskolumner",
                     id="years-mismatch"),
        pytest.param(_setting("start_year", None),
                     "Blad Inställningar, cell B2: Startår saknas – skriv beslutsåret",
                     id="no-start-year"),
        pytest.param(_set("Nyttor", "volume_per_year[3]", None),
                     "Blad Nyttor, cell J3: Volym 2013 saknas – skriv antalet ärenden",
                     id="volume-gap"),
        pytest.param(_set("Nyttor", "volume_per_year[3]", -5),
                     "Blad Nyttor, cell J3: Volym 2013 får inte vara negativ (nu -5)",
                     id="negative-volume"),
        pytest.param(_set("Nyttor", "minutes_saved_per_case", 12),
                     "Blad Nyttor, cell P3: Minuter sparade per ärende används inte för typen "
                     "Kanalbyte – töm cellen eller byt typ", id="column-not-used-by-kind"),
        pytest.param(_set("Nyttor", "name", None),
                     "Blad Nyttor, cell B3: Namn saknas – den behövs för typen Kanalbyte",
                     id="no-name"),
        pytest.param(_set("Nyttor", "kind", None),
                     "Blad Nyttor, cell A3: Typ saknas – välj en typ i listan", id="no-kind"),
        pytest.param(_set("Kostnader", "name", None, row=4),
                     "Blad Kostnader, cell A4: Namn saknas – fyll i den för varje kostnadsrad",
                     id="cost-without-name"),
        pytest.param(_set("Nyttor", "recipient", "Medborgare"),
                     None, id="citizens-channel-shift-is-fine"),
        pytest.param(_set("Nyttor", "cash_releasing_share", 0.5, row=3),
                     None, id="cash-share-is-fine"),
        pytest.param(_set("Nyttor", "owner_organisation_id", "tolv"),
                     "Blad Nyttor, cell D3: 'tolv' är inget tal – skriv t.ex. 12", id="owner-id"),
        pytest.param(_set("Nyttor", "cash_releasing", "kanske"),
                     "Blad Nyttor, cell E3: 'kanske' är varken ja eller nej", id="flag"),
        pytest.param(_set("Nyttor", "volume_per_year[0]", "#N/A"),
                     "Blad Nyttor, cell G3: innehåller felvärdet '#N/A'", id="error-value"),
    ],
)
def test_cell_problems_name_sheet_cell_and_what_to_do(edit, expected):
    data = upload(edit)
    if expected is None:
        assert read_workbook(data)["benefits"]
        return
    messages = problems_of(data)
    assert any(message.startswith(expected) for message in messages), messages


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param({"kind": "staff_time", "name": "Tid", "recipient": "citizens",
                      "volume_per_year": 10, "minutes_saved_per_case": 5,
                      "hourly_cost_sek": 400},
                     "cell C3: Mottagare måste vara Organisationen för Personaltid",
                     id="staff-time-for-citizens"),
        pytest.param({"kind": "staff_time", "name": "Tid", "recipient": "organisation",
                      "volume_per_year": 10, "minutes_saved_per_case": 5,
                      "hourly_cost_sek": 400, "salary_sek": 400000},
                     "cell Q3: Timkostnad och Årslön är båda ifyllda", id="hourly-and-salary"),
        pytest.param({"kind": "staff_time", "name": "Tid", "recipient": "organisation",
                      "volume_per_year": 10, "minutes_saved_per_case": 5},
                     "cell Q3: Timkostnad saknas – fyll i timkostnad", id="no-hourly-cost"),
        pytest.param({"kind": "staff_time", "name": "Tid", "recipient": "organisation",
                      "volume_per_year": 10, "minutes_saved_per_case": 5,
                      "hourly_cost_sek": 400, "oncost_rate": 0.3},
                     "cell S3: Eget PO-pålägg gäller bara tillsammans med årslön",
                     id="oncost-with-hourly"),
        pytest.param({"kind": "citizen_time", "name": "Tid", "recipient": "citizens",
                      "volume_per_year": 10, "minutes_saved_per_case": 5,
                      "value_per_hour_sek": 150, "cash_releasing": True},
                     "cell E3: Kostnadsfrigörande kan inte anges för Medborgartid",
                     id="citizen-time-cash"),
        pytest.param({"kind": "per_case", "name": "Porto", "recipient": "citizens",
                      "volume_per_year": 10, "amount_sek": 5, "cash_releasing": True},
                     "cell E3: Kostnadsfrigörande kan bara vara ja när mottagaren är "
                     "Organisationen", id="cash-for-citizens"),
        pytest.param({"kind": "fixed", "name": "Licens", "recipient": "citizens",
                      "owner_organisation_id": 3, "by_year_sek": [1, 1, 1, 1, 1]},
                     "cell D3: Ägande organisation får bara fyllas i när mottagaren är "
                     "Organisationen", id="owner-for-citizens"),
        pytest.param({"kind": "channel_shift", "name": "Samtal", "recipient": "organisation",
                      "volume_per_year": 10},
                     "cellerna L3:O3: Kanalandelarna saknas", id="no-mix"),
        pytest.param({"kind": "qualitative", "name": "Insyn", "goal": 0, "indicator": "NKI"},
                     "cell AF3: Mål måste vara ett heltal från 1 till 999 (nu 0)",
                     id="goal-zero"),
        pytest.param({"kind": "fixed", "name": "Licens", "recipient": "organisation"},
                     "cellerna AA3:AE3: Fast belopp saknas – den behövs för typen Fast belopp",
                     id="fixed-without-amounts"),
    ],
)
def test_engine_errors_come_back_in_swedish_at_their_cells(line, expected):
    payload = worked_example()
    payload["benefits"] = [line]
    messages = problems_of(to_bytes(fill(payload)))
    assert any(message.startswith("Blad Nyttor, " + expected) for message in messages), messages


def test_every_problem_is_listed_at_once_in_sheet_and_cell_order():
    def edit(workbook):
        for change in (_set("Nyttor", "volume_per_year[0]", "tolv"),
                       _set("Nyttor", "kind", "Okänd", row=4),
                       _set("Nyttor", "name", "Andra", row=4),
                       _set("Kostnader", "kind", "Engång"),
                       _setting("oncost_rate", 2)):
            change(workbook)

    messages = problems_of(upload(edit))
    assert [re.match(r"Blad (\S+), cell (\w+)", m).groups() for m in messages] == [
        ("Inställningar", "B7"), ("Nyttor", "G3"), ("Nyttor", "A4"), ("Kostnader", "B3"),
    ]


def test_a_bad_cell_is_reported_once_not_again_by_the_engine():
    messages = problems_of(upload(_set("Nyttor", "volume_per_year[0]", "tolv")))
    assert len(messages) == 1


def test_more_than_max_lines_is_refused():
    def edit(workbook):
        ws = workbook["Kostnader"]
        for row in range(3, 3 + MAX_LINES + 1):
            ws.cell(row, 1).value = f"Kostnad {row}"
            ws.cell(row, 2).value = "Drift"

    messages = problems_of(upload(edit))
    assert messages == [f"Blad Kostnader: {MAX_LINES + 1} rader är ifyllda men högst "
                        f"{MAX_LINES} kostnader går att läsa in – slå ihop eller ta bort rader."]


def test_a_far_away_stray_cell_counts_as_a_line():
    messages = problems_of(upload(_set("Kostnader", "name", "Glömd", row=60_000)))
    assert messages == ["Blad Kostnader, cell B60000: Typ saknas – fyll i den för varje "
                        "kostnadsrad."]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(lambda wb: wb["Nyttor"].delete_rows(2),
                     "Blad Nyttor: rad 2 saknar fältnamnen", id="field-row-deleted"),
        pytest.param(lambda wb: wb["Kostnader"].delete_cols(4),
                     "Blad Kostnader: rad 2 saknar fältnamnen by_year_sek[1]",
                     id="year-column-deleted"),
        pytest.param(_set("Nyttor", "goal", "mål", row=2),
                     "Blad Nyttor, cell AF2: 'mål' är inget fältnamn", id="field-renamed"),
    ],
)
def test_a_changed_field_row_asks_for_a_new_template(edit, expected):
    messages = problems_of(upload(edit))
    assert any(message.startswith(expected) for message in messages), messages


def test_workbook_error_keeps_structured_problems():
    with pytest.raises(WorkbookError) as caught:
        read_workbook(upload(_set("Nyttor", "volume_per_year[0]", "tolv")))
    problem = caught.value.errors[0]
    assert (problem.sheet, problem.cell) == ("Nyttor", "G3")
    assert str(caught.value) == str(problem)


# ---------------------------------------------------------------- export


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_export_recomputes_to_the_engine_figures(example, tmp_path):
    payload = EXAMPLES[example]()
    result = engine(payload)
    value = recompute(export_workbook(payload, result), tmp_path)
    for key, cell in EXPORT_RESULT_CELLS.items():
        if key in ("switching_adoption_target", "qualitative_count"):
            continue
        expected = result[key] if "." not in key else result["pv_by_colour_sek"][key[17:]]
        got = value(cell)
        if expected is None:
            assert got in ("aldrig", "–"), key
        elif key in ("bcr", "payback_years"):
            assert got == pytest.approx(expected, abs=0.006), key
        else:
            assert got == pytest.approx(expected, abs=1), key


def test_export_npv_of_the_worked_example_is_629819_not_excels_608521(tmp_path):
    payload = worked_example()
    value = recompute(export_workbook(payload), tmp_path)
    npv = value(EXPORT_RESULT_CELLS["npv_sek"])
    assert round(npv) == 629819


def test_export_npv_is_a_sumproduct_over_discount_factors_not_excels_npv():
    ws = load_workbook(io.BytesIO(export_workbook(worked_example())))["Kalkyl"]
    npv = ws[EXPORT_RESULT_CELLS["npv_sek"]]
    assert npv.data_type == "f" and npv.value.startswith("=SUMPRODUCT(")
    formulas_used = [cell.value for row in ws.iter_rows() for cell in row
                     if cell.data_type == "f"]
    assert not any("NPV(" in text for text in formulas_used)
    assert any("=1/(1+" in text for text in formulas_used)
    notes = [cell.value for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str) and "NPV()" in cell.value]
    assert notes and "diskonterar även första året" in notes[0]


def test_export_follows_a_changed_input(tmp_path):
    workbook = load_workbook(io.BytesIO(export_workbook(worked_example())))
    ws = workbook["Kalkyl"]
    rate = next(row[2] for row in ws.iter_rows() if row[0].value == "Kalkylränta (r)")
    rate.value = 0.08
    value = recompute(to_bytes(workbook), tmp_path)
    changed = worked_example() | {"discount_rate": 0.08}
    assert value(EXPORT_RESULT_CELLS["npv_sek"]) == pytest.approx(engine(changed)["npv_sek"],
                                                                  abs=1)


def test_export_shows_the_engine_figures_beside_the_formulas():
    result = engine(full_example())
    ws = load_workbook(io.BytesIO(export_workbook(full_example(), result)))["Kalkyl"]
    npv_row = ws[EXPORT_RESULT_CELLS["npv_sek"]].row
    assert ws.cell(npv_row - 3, 4).value == "Beräknat av systemet"
    assert ws.cell(npv_row, 4).value == result["npv_sek"]
    assert ws.cell(npv_row, 4).number_format == SEK_FORMAT
    assert ws[EXPORT_RESULT_CELLS["npv_sek"]].number_format == SEK_FORMAT
    labels = [row[0].value for row in ws.iter_rows()]
    assert "Nyttor – Beräknat av systemet" in labels


def test_export_without_result_has_no_engine_figures():
    ws = load_workbook(io.BytesIO(export_workbook(worked_example())))["Kalkyl"]
    texts = [cell.value for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert not any("Beräknat av systemet" in text for text in texts)
    assert all(row[3].value is None for row in ws.iter_rows(max_col=4))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_come_out_as_text_in_the_export(name):
    payload = full_example()
    payload["benefits"][0]["name"] = name
    payload["benefits"][5]["indicator"] = name
    payload["costs"][0]["name"] = name
    ws = load_workbook(io.BytesIO(export_workbook(payload, title=name)))["Kalkyl"]
    cells = [cell for row in ws.iter_rows() for cell in row if cell.value == name]
    assert len(cells) == 4
    assert all(cell.data_type == "s" for cell in cells)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_typed_as_text_survive_import_and_export(name):
    payload = read_workbook(upload(_text("Nyttor", "name", name)))
    assert payload["benefits"][0]["name"] == name
    ws = load_workbook(io.BytesIO(export_workbook(payload)))["Kalkyl"]
    assert [cell.data_type for row in ws.iter_rows() for cell in row
            if cell.value == name] == ["s"]


def test_export_refuses_an_invalid_payload_like_the_engine():
    payload = worked_example()
    payload["discount_rate"] = 2
    with pytest.raises(CalculationInputError, match="discount_rate"):
        export_workbook(payload)
