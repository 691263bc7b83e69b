"""The position sheet: one typed row per figure (kronor, number, share), text kept as text."""

from io import BytesIO

from openpyxl import load_workbook

from reports.position_sheet import PositionLine, position_workbook
from reports.xlsx import PERCENT_FORMAT, SEK_FORMAT

HEADERS = ["Siffra", "Belopp (kr)", "Antal", "Andel"]


def _rows(data: bytes):
    sheet = load_workbook(BytesIO(data)).worksheets[0]
    return [[cell for cell in row] for row in sheet.iter_rows()]


def test_each_figure_is_typed_in_its_own_column():
    rows = _rows(position_workbook("Programmets läge", HEADERS, [
        PositionLine("Kvar av ramen", amount_sek=252_100_000),
        PositionLine("Finansierade projekt", count=39),
        PositionLine("Projekt som inte håller budget", share=0.3077),
        PositionLine("Projekt som inte håller tidplan", share=None),
    ]))
    assert [cell.value for cell in rows[0]] == HEADERS
    assert [cell.value for cell in rows[1]] == ["Kvar av ramen", 252_100_000, None, None]
    assert rows[1][1].number_format == SEK_FORMAT
    assert [cell.value for cell in rows[2]] == ["Finansierade projekt", None, 39, None]
    assert rows[3][3].value == 0.3077 and rows[3][3].number_format == PERCENT_FORMAT
    assert [cell.value for cell in rows[4]] == ["Projekt som inte håller tidplan", None, None,
                                                None]
    assert len(rows) == 5


def test_a_label_that_looks_like_a_formula_stays_text():
    rows = _rows(position_workbook("Läge", HEADERS, [PositionLine("=SUM(A1:A2)", count=1)]))
    assert rows[1][0].data_type == "s"
    assert rows[1][0].value.endswith("=SUM(A1:A2)")
