"""The council's project compilation: one typed row per project, totals as formulas."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from reports.project_compilation import (
    COLUMNS,
    CompilationRow,
    build_project_compilation,
    compilation_filename,
)
from reports.xlsx import DATE_FORMAT, PERCENT_FORMAT, SEK_FORMAT


def row(n, **overrides):
    values = dict(project_id=n, title=f"Projekt {n}", organisation="Trafikkontoret",
                  area="Trafik", decision_references=("SLK 2008/0003", "SLK 2009/0010"),
                  granted_sek=1_000_000 * n, spent_sek=250_000 * n, status="green",
                  state="active", baseline_start_on=date(2008, 1, 1),
                  baseline_end_on=date(2010, 6, 30), go_live_on=date(2009, 9, 1))
    values.update(overrides)
    return CompilationRow(**values)


ROWS = [row(1), row(2, status=None, spent_sek=None, go_live_on=None, area=None,
                    state="closed", decision_references=()),
        row(3, title='=HYPERLINK("http://x","y")', organisation="@SUM(A1)", granted_sek=0)]


@pytest.fixture(scope="module")
def ws():
    return load_workbook(BytesIO(build_project_compilation(
        ROWS, as_of=date(2010, 3, 1), programme="E-tjänsteprogrammet"))).active


def test_one_row_per_project_in_the_given_order(ws):
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert [ws.cell(row=r, column=3).value for r in (2, 3, 4)] == [
        "Projekt 1", "Projekt 2", '=HYPERLINK("http://x","y")']


def test_cells_are_typed(ws):
    organisation, area, title, refs, granted, spent, share, status, state, start, end, live = \
        ws[2]
    assert refs.value == "SLK 2008/0003; SLK 2009/0010"
    assert (granted.value, granted.number_format) == (1_000_000, SEK_FORMAT)
    assert (spent.value, share.value, share.number_format) == (250_000, 0.25, PERCENT_FORMAT)
    assert (status.value, state.value) == ("Grön", "Pågående")
    assert start.is_date and start.number_format == DATE_FORMAT
    assert live.value == datetime(2009, 9, 1)


def test_missing_figures_say_so(ws):
    values = [c.value for c in ws[3]]
    assert values[1] == "–" and values[3] is None
    assert values[5] is None and values[6] is None
    assert (values[7], values[8]) == ("Ej rapporterat", "Avslutat")
    assert ws["G4"].value is None  # nothing granted: no share


def test_totals_are_sum_formulas(ws):
    assert ws["A5"].value == "Summa"
    assert ws["E5"].value == "=SUM(E2:E4)"
    assert ws["F5"].value == "=SUM(F2:F4)"
    assert sum(ws.cell(row=r, column=5).value for r in (2, 3, 4)) == 3_000_000
    assert ws.auto_filter.ref == "A1:L4"
    assert ws.freeze_panes == "A2"


def test_hostile_text_is_plain_text(ws):
    for cell in (ws["C4"], ws["A4"]):
        assert cell.data_type == "s" and cell.quotePrefix


def test_prints_landscape_with_name_and_date(ws):
    assert ws.page_setup.orientation == "landscape"
    assert "Sammanställning av e-projekt" in ws.oddHeader.center.text
    assert "2010-03-01" in ws.oddFooter.left.text


def test_filename():
    assert compilation_filename(date(2010, 3, 1)) == \
        "Sammanställning av e-projekt 2010-03-01.xlsx"


@pytest.mark.parametrize(("name", "expected"), [
    ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
    ("+1", "+1"),
    ("-2+3", "-2+3"),
    ("@SUM(A1)", "@SUM(A1)"),
    ("\t=1+1", "\t=1+1"),
    ("\r=2+2", "\n=2+2"),  # CR is written as LF, and still quoted
    ("Bygg\x00lov\x07\x1f", "Bygglov"),
])
def test_every_hostile_name_stays_plain_text(name, expected):
    rows = [row(1, title=name, organisation=name, area=name, decision_references=(name,))]
    ws = load_workbook(BytesIO(build_project_compilation(rows, as_of=date(2010, 3, 1)))).active

    for cell in (ws["A2"], ws["B2"], ws["C2"]):
        assert (cell.value, cell.data_type) == (expected, "s")
        assert cell.quotePrefix == expected.startswith(("=", "+", "-", "@", "\t", "\n"))
    assert ws["D2"].value == expected and ws["D2"].data_type == "s"
    assert [c.value for c in ws[3]][:5] == ["Summa", None, None, None, "=SUM(E2:E2)"]
