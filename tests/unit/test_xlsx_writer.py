"""The safe workbook writer: hostile text stays text, cells are typed, names are safe."""

import re
import subprocess
import sys
import tempfile
import tracemalloc
import zipfile
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import column_index_from_string

from app.core.enums import RagStatus
from reports import xlsx
from reports.xlsx import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    INT_FORMAT,
    MAX_COLUMN_WIDTH,
    MIN_COLUMN_WIDTH,
    MSEK_FORMAT,
    PERCENT_FORMAT,
    SEK_FORMAT,
    Column,
    SheetSpec,
    add_table_sheet,
    content_disposition,
    safe_cell_value,
    safe_sheet_title,
    set_safe_value,
    stream_table_workbook,
    stream_table_workbook_to,
    workbook_bytes,
    write_table_workbook,
)

PROJECT_COLUMNS = [
    Column("Projekt"),
    Column("Beviljat", "sek"),
    Column("Beviljat mnkr", "msek"),
    Column("Andel", "percent"),
    Column("Start", "date"),
    Column("Ändrad", "datetime"),
    Column("År", "int", total=False),
]
PROJECT_ROWS = [
    [
        "E-tjänst bygglov",
        1_200_000,
        1_200_000,
        Decimal("0.3077"),
        date(2012, 2, 29),
        datetime(2012, 3, 1, 9, 30),
        2012,
    ],
    ["Skolval", 850_500, 850_500, 0.47, date(2011, 12, 31), None, 2011],
    ["Färdtjänst", 0, 10_000_000, 1, None, datetime(2013, 1, 1), 2013],
]


def load(data, **kwargs):
    return load_workbook(BytesIO(data), **kwargs)


def one_sheet(rows, columns=None, **kwargs):
    columns = columns or [Column("Namn")]
    return load(write_table_workbook([SheetSpec("Blad", columns, rows, **kwargs)])).active


def streamed_sheet(rows, columns=None, **kwargs):
    """Stream `rows` as one_sheet writes them, with the streaming writer's options."""
    target = BytesIO()
    stream_table_workbook_to(target, "Blad", columns or [Column("Namn")], iter(rows), **kwargs)
    return load(target.getvalue()).active


both_writers = pytest.mark.parametrize("sheet_of", [one_sheet, streamed_sheet],
                                       ids=["in_memory", "streamed"])


def write_one_column(values):
    return write_table_workbook([SheetSpec("Namn", [Column("Namn")], [[v] for v in values])])


def stream_one_column(values):
    return stream_table_workbook("Namn", [Column("Namn")], ([v] for v in values))


HOSTILE = [
    ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
    ("=1+1", "=1+1"),
    ("+1", "+1"),
    ("-2+3", "-2+3"),
    ("@SUM(A1)", "@SUM(A1)"),
    ("\tfoo", "\tfoo"),
    ("\rbar", "\nbar"),  # any XML reader returns CR as LF, so it is written as LF
    ("#N/A", "#N/A"),  # openpyxl would store this as an error cell
    ("#DIV/0!", "#DIV/0!"),
    ("Anna\x00 Svens\x07son\x1b", "Anna Svensson"),
    ("\x00=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),  # stripping does not unmask a formula
    ("rad ett\r\nrad två", "rad ett\nrad två"),
    ("ok \ufffe\ud800text", "ok text"),
]


@pytest.mark.parametrize("write", [write_one_column, stream_one_column])
@pytest.mark.parametrize(("value", "expected"), HOSTILE)
def test_hostile_text_round_trips_as_plain_text(write, value, expected):
    cell = load(write([value])).active["A2"]

    assert cell.data_type == "s"
    assert cell.value == expected


@pytest.mark.parametrize("write", [write_one_column, stream_one_column])
def test_text_that_looks_like_a_formula_gets_the_quote_prefix(write):
    ws = load(write(["=1+1", "+1", "-2", "@x", "\tx", "vanlig text"])).active

    assert [ws.cell(row=r, column=1).quotePrefix for r in range(2, 8)] == [True] * 5 + [False]


def test_hostile_headers_and_sheet_titles_stay_text():
    data = write_table_workbook([SheetSpec("=evil", [Column('=HYPERLINK("x")')], [["a"]])])

    ws = load(data).active
    assert ws.title == "=evil"
    assert (ws["A1"].value, ws["A1"].data_type) == ('=HYPERLINK("x")', "s")


def test_set_safe_value_keeps_text_text_on_a_plain_worksheet():
    ws = Workbook().active

    cell = set_safe_value(ws["B3"], '=HYPERLINK("http://x","y")')

    assert cell.data_type == "s"
    assert load(workbook_bytes(ws.parent)).active["B3"].data_type == "s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (False, False),
        (0, 0),
        (-1_500, -1_500),
        (Decimal("0.3077"), Decimal("0.3077")),
        (1.5, 1.5),
        (float("nan"), None),
        (float("inf"), None),
        (Decimal("NaN"), None),
        (date(2012, 2, 29), date(2012, 2, 29)),
        (datetime(2012, 2, 29, 23, 0), datetime(2012, 2, 29, 23, 0)),
        (
            datetime(2012, 6, 30, 23, 30, tzinfo=timezone(timedelta(hours=2))),
            datetime(2012, 6, 30, 21, 30),
        ),
        (RagStatus.RED, "red"),
        ("a\x00b", "ab"),
        ("x" * 40_000, "x" * 32_767),
    ],
)
def test_safe_cell_value(value, expected):
    result = safe_cell_value(value)

    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("value", [object(), b"bytes", [1, 2], {"a": 1}])
def test_safe_cell_value_refuses_what_excel_cannot_hold(value):
    with pytest.raises(TypeError, match="a cell holds"):
        safe_cell_value(value)


@both_writers
def test_cells_are_typed_and_formatted(sheet_of):
    ws = sheet_of(PROJECT_ROWS, PROJECT_COLUMNS)

    name, sek, msek, share, start, changed, year = ws[2]
    assert (name.value, name.data_type) == ("E-tjänst bygglov", "s")
    assert (sek.value, sek.data_type, sek.number_format) == (1_200_000, "n", SEK_FORMAT)
    assert (msek.value, msek.number_format) == (1.2, MSEK_FORMAT)
    assert (share.value, share.number_format) == (0.3077, PERCENT_FORMAT)
    assert start.is_date and start.number_format == DATE_FORMAT
    assert start.value == datetime(2012, 2, 29)
    assert changed.is_date and changed.number_format == DATETIME_FORMAT
    assert changed.value == datetime(2012, 3, 1, 9, 30)
    assert (year.value, year.number_format) == (2012, INT_FORMAT)
    assert ws["C4"].value == 10  # 10 000 000 SEK stored as 10 mnkr
    assert ws["F3"].value is None and ws["E4"].value is None


def test_money_formats_are_locale_free_kronor():
    assert SEK_FORMAT == '#,##0 "kr"'
    assert MSEK_FORMAT == '#,##0.0 "mnkr"'
    assert PERCENT_FORMAT == "0.0%"


@both_writers
def test_header_row_is_bold_frozen_and_filtered(sheet_of):
    ws = sheet_of(PROJECT_ROWS, PROJECT_COLUMNS)

    assert [c.value for c in ws[1]] == [c.header for c in PROJECT_COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G4"


@both_writers
def test_freeze_and_filter_can_be_switched_off(sheet_of):
    ws = sheet_of([["a"]], freeze_header=False, autofilter=False)

    assert ws.freeze_panes is None
    assert ws.auto_filter.ref is None


@both_writers
def test_text_columns_keep_each_value_typed(sheet_of):
    ws = sheet_of([[date(2012, 1, 2)], [42], [True], [None], ["text"]])

    assert ws["A2"].is_date and ws["A2"].number_format == DATE_FORMAT
    assert (ws["A3"].value, ws["A3"].data_type) == (42, "n")
    assert (ws["A4"].value, ws["A4"].data_type) == (True, "b")
    assert ws["A5"].value is None
    assert ws["A6"].data_type == "s"


def _recompute_sum(ws, formula):
    """Evaluate a single-column `=SUM(X2:X9)` the way Excel would."""
    letter, first, last_letter, last = re.fullmatch(
        r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", formula
    ).groups()
    assert letter == last_letter
    column = column_index_from_string(letter)
    return sum(ws.cell(row=r, column=column).value or 0 for r in range(int(first), int(last) + 1))


@both_writers
def test_totals_row_sums_money_columns_with_formulas(sheet_of):
    ws = sheet_of(PROJECT_ROWS, PROJECT_COLUMNS, totals=True)

    totals = [c.value for c in ws[5]]
    assert totals == ["Summa", "=SUM(B2:B4)", "=SUM(C2:C4)", None, None, None, None]
    assert ws["B5"].number_format == SEK_FORMAT and ws["B5"].font.b
    assert ws["C5"].number_format == MSEK_FORMAT
    assert _recompute_sum(ws, ws["B5"].value) == 2_050_500
    assert _recompute_sum(ws, ws["C5"].value) == pytest.approx(12.0505)
    assert ws.auto_filter.ref == "A1:G4"  # the totals row stays out of the filter


@both_writers
def test_totals_row_on_an_empty_sheet_is_zero(sheet_of):
    ws = sheet_of([], [Column("Projekt"), Column("Beviljat", "sek")], totals=True)

    assert [c.value for c in ws[2]] == ["Summa", 0]
    assert ws.auto_filter.ref == "A1:B1"


@both_writers
def test_totals_can_be_forced_on_or_off_per_column(sheet_of):
    columns = [Column("Antal", "int"), Column("År", "int", total=False), Column("X", total=True)]

    ws = sheet_of([[1, 2012, 5], [2, 2013, 6]], columns, totals=True, totals_label="Totalt")

    assert [c.value for c in ws[4]] == ["=SUM(A2:A3)", None, "=SUM(C2:C3)"]


@both_writers
def test_column_widths_follow_content_within_bounds(sheet_of):
    columns = [Column("A"), Column("Lång", width=33), Column("Beviljat", "sek"), Column("B")]
    rows = [["x" * 500, "y", 1_234_567_890, "kort"]]

    widths = sheet_of(rows, columns).column_dimensions

    assert widths["A"].width == MAX_COLUMN_WIDTH
    assert widths["B"].width == 33
    assert widths["C"].width == len("1,234,567,890 kr") + 2
    assert widths["D"].width == MIN_COLUMN_WIDTH


def test_print_setup_is_landscape_fit_to_width_with_the_header_repeated():
    ws = one_sheet([["a"]], print_header="Tertialrapport T1 2012 & bilagor")

    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$1"
    assert ws.oddHeader.center.text == "Tertialrapport T1 2012 && bilagor"


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("Projekt", (), "Projekt"),
        ("Projekt [2012/13]: *?", (), "Projekt (2012-13)-"),
        ("a\\b", (), "a-b"),
        ("Nyttohemtagning per förvaltning och år", (), "Nyttohemtagning per förvaltning"),
        ("'Citat'", (), "Citat"),
        ("", (), "Blad"),
        ("*?", (), "Blad"),
        ("History", (), "History Blad"),
        ("Rad\x00\x07\nett", (), "Rad ett"),
        ("Projekt", ("projekt",), "Projekt (2)"),
        ("Projekt", ("Projekt", "Projekt (2)"), "Projekt (3)"),
        ("x" * 40, ("x" * 31,), "x" * 27 + " (2)"),
    ],
)
def test_safe_sheet_title(title, taken, expected):
    result = safe_sheet_title(title, taken)

    assert result == expected
    assert len(result) <= 31


def test_workbook_has_one_sheet_per_spec_with_unique_titles():
    sheets = [
        SheetSpec("Sammanfattning", [Column("Text")], [["Sammanfattning av T1"]]),
        SheetSpec("Projekt", PROJECT_COLUMNS, PROJECT_ROWS, totals=True),
        SheetSpec("Projekt", [Column("Namn")], []),
        SheetSpec("Förvaltningar/Områden", [Column("Namn")], [["Skola"]]),
    ]

    wb = load(write_table_workbook(sheets))

    assert wb.sheetnames == ["Sammanfattning", "Projekt", "Projekt (2)", "Förvaltningar-Områden"]


def test_add_table_sheet_lets_an_export_add_more():
    workbook = Workbook()
    workbook.remove(workbook.active)

    ws = add_table_sheet(workbook, SheetSpec("Projekt", PROJECT_COLUMNS, PROJECT_ROWS))
    ws["J1"] = "extra"

    assert load(workbook_bytes(workbook))["Projekt"]["J1"].value == "extra"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: write_table_workbook([]), ValueError, "at least one sheet"),
        (lambda: write_table_workbook([SheetSpec("X", [], [])]), ValueError, "one column"),
        (lambda: Column("X", "money"), ValueError, "kind must be one of"),
        (lambda: Column("X", width=0), ValueError, "width must be positive"),
        (
            lambda: write_table_workbook([SheetSpec("X", [Column("A")], [["a", "b"]])]),
            ValueError,
            "row 1: 2 values for 1 columns",
        ),
        (
            lambda: write_table_workbook([SheetSpec("X", [Column("Belopp", "sek")], [["12"]])]),
            TypeError,
            "column 'Belopp' \\(sek\\): expected a number, got str",
        ),
        (
            lambda: write_table_workbook([SheetSpec("X", [Column("N", "int")], [[True]])]),
            TypeError,
            "expected a number, got bool",
        ),
        (
            lambda: write_table_workbook([SheetSpec("X", [Column("D", "date")], [["2012"]])]),
            TypeError,
            "expected a date, got str",
        ),
        (
            lambda: write_table_workbook([SheetSpec("X", [Column("A")], ["abc"])]),
            TypeError,
            "a row is a sequence",
        ),
        (
            lambda: stream_table_workbook("X", [Column("A")], [["a"], ["b", "c"]]),
            ValueError,
            "row 2: 2 values",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_place(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _stream_rows(count):
    for n in range(count):
        yield [
            f"Projekt {n}",
            n * 1_000,
            n * 1_000,
            0.5,
            date(2012, 1, 1),
            datetime(2012, 1, 1, 8, 0),
            2000 + n % 20,
        ]


def test_stream_writer_writes_10000_rows_typed():
    data = stream_table_workbook("Projekt", PROJECT_COLUMNS, _stream_rows(10_000))

    ws = load(data, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 10_001
    assert rows[0] == tuple(c.header for c in PROJECT_COLUMNS)
    assert rows[-1] == (
        "Projekt 9999",
        9_999_000,
        9.999,
        0.5,
        datetime(2012, 1, 1),
        datetime(2012, 1, 1, 8, 0),
        2019,
    )


def test_stream_writer_freezes_filters_and_formats():
    ws = load(stream_table_workbook("Projekt", PROJECT_COLUMNS, _stream_rows(250))).active

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G251"
    assert all(c.font.b for c in ws[1])
    assert [c.number_format for c in ws[251]][1:] == [
        SEK_FORMAT,
        MSEK_FORMAT,
        PERCENT_FORMAT,
        DATE_FORMAT,
        DATETIME_FORMAT,
        INT_FORMAT,
    ]
    assert ws.column_dimensions["A"].width == len("Projekt 99") + 2


def _peak_memory_streaming(count, target):
    """Return the peak of Python allocations while streaming `count` rows into `target`."""
    rows = ([f"Projekt {n}", n * 1_000] for n in range(count))
    columns = [Column("Projekt"), Column("Beviljat", "sek")]
    tracemalloc.start()
    try:
        stream_table_workbook_to(target, "Projekt", columns, rows)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_stream_writer_memory_does_not_grow_with_the_row_count(tmp_path):
    with (tmp_path / "small.xlsx").open("wb") as small, (tmp_path / "big.xlsx").open("wb") as big:
        small_peak = _peak_memory_streaming(500, small)
        big_peak = _peak_memory_streaming(4_000, big)

    assert big_peak < small_peak * 1.5


def test_stream_writer_into_a_file_counts_rows(tmp_path):
    path = tmp_path / "lista.xlsx"

    with path.open("wb") as target:
        count = stream_table_workbook_to(target, "Lista", [Column("A"), Column("B", "sek")], [])

    ws = load(path.read_bytes()).active
    assert count == 0
    assert [c.value for c in ws[1]] == ["A", "B"]
    assert ws.auto_filter.ref == "A1:B1"


SWEDISH = "Nyttohemtagning Utbildningsförvaltningen 2012.xlsx"


@pytest.mark.parametrize(
    ("filename", "fallback", "encoded"),
    [
        (
            SWEDISH,
            "Nyttohemtagning Utbildningsforvaltningen 2012.xlsx",
            "Nyttohemtagning%20Utbildningsf%C3%B6rvaltningen%202012.xlsx",
        ),
        ('Rapport "T1" 2012.xlsx', "Rapport T1 2012.xlsx", "Rapport%20T1%202012.xlsx"),
        ("../../etc/passwd.xlsx", "passwd.xlsx", "passwd.xlsx"),
        ("C:\\Users\\anna\\rapport.xlsx", "rapport.xlsx", "rapport.xlsx"),
        (
            "a.xlsx\r\nSet-Cookie: x=1",
            "a.xlsx Set-Cookie: x=1",
            "a.xlsx%20Set-Cookie%3A%20x%3D1",
        ),
        ("Budget 100%.xlsx", "Budget 100_.xlsx", "Budget%20100%25.xlsx"),
        ("東京 rapport.csv", "__ rapport.csv", "%E6%9D%B1%E4%BA%AC%20rapport.csv"),
        ("fo\u0308r.xlsx", "for.xlsx", "f%C3%B6r.xlsx"),  # decomposed ö is composed first
        ("  .hidden.xlsx. ", "hidden.xlsx", "hidden.xlsx"),
        ("", "export.xlsx", "export.xlsx"),
        ("/", "export.xlsx", "export.xlsx"),
        ("\x00\x07", "export.xlsx", "export.xlsx"),
    ],
)
def test_content_disposition(filename, fallback, encoded):
    value = content_disposition(filename)

    assert value == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    assert value.isascii()
    assert not any(ch in value for ch in "\r\n\x00")


def test_content_disposition_utf8_name_decodes_to_the_original():
    encoded = content_disposition(SWEDISH).split("; filename*=")[1]

    charset, language, name = encoded.split("'")
    assert (charset, language, unquote(name, encoding=charset)) == ("UTF-8", "", SWEDISH)


def test_content_disposition_caps_long_names_keeping_the_extension():
    value = content_disposition("å" * 300 + ".xlsx")

    fallback = re.search(r'filename="([^"]*)"', value).group(1)
    assert fallback.endswith(".xlsx")
    assert len(fallback) == 150


def test_module_imports_neither_flask_nor_the_database():
    code = (
        "import sys, reports.xlsx; "
        "assert not {'flask', 'sqlalchemy'} & set(sys.modules), sorted(sys.modules)"
    )

    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


@both_writers
def test_times_in_a_text_column_get_the_time_format(sheet_of):
    ws = sheet_of([[time(9, 30)]])

    assert ws["A2"].is_date and ws["A2"].number_format == "hh:mm"
    assert ws["A2"].value == time(9, 30)


@both_writers
def test_aware_datetimes_are_written_in_utc(sheet_of):
    ws = sheet_of([[datetime(2012, 1, 1, 12, 0, tzinfo=UTC)]], [Column("När", "datetime")])

    assert ws["A2"].value == datetime(2012, 1, 1, 12, 0)


def _sheet_xml(data):
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


RICH_TEXT_LOOKALIKES = [
    "<r><t>fet</t></r>",
    '<r></r></is><f>HYPERLINK("http://x","y")</f><is><r></r>',
    "<r>&amp; <b> </r>",
]


@pytest.mark.parametrize("write", [write_one_column, stream_one_column])
def test_text_that_looks_like_rich_text_markup_stays_literal(write):
    data = write(RICH_TEXT_LOOKALIKES)

    cells = load(data).active["A"][1:]
    assert [(c.value, c.data_type) for c in cells] == [(v, "s") for v in RICH_TEXT_LOOKALIKES]
    assert "<f>" not in _sheet_xml(data)


def test_rich_text_lookalike_too_long_to_wrap_is_cut_not_injected():
    value = "<r>" + "x" * (32_767 - 7) + "</r>"  # the longest text a cell holds

    data = stream_one_column([value])

    assert load(data).active["A2"].value == value[:32_766]
    assert "<f>" not in _sheet_xml(data)


def test_streamed_text_keeps_excel_escape_lookalikes_literal():
    # Excel reads _xHHHH_ in a string as an escaped character; XlsxWriter escapes the
    # underscore (_x005F_) so Excel shows the text as typed. openpyxl reads it back raw.
    data = stream_one_column(["_x0041_"])

    assert "_x005F_x0041_" in _sheet_xml(data)


def test_streamed_formula_like_header_and_totals_label_stay_bold_text():
    ws = streamed_sheet([[1]], [Column("=SUM(A1)", "int")], totals=True, totals_label="@x")

    header = ws["A1"]
    assert (header.value, header.data_type, header.quotePrefix, header.font.b) == (
        "=SUM(A1)", "s", True, True)
    assert ws["A3"].value == "=SUM(A2:A2)"  # column A is summed, so the label gives way

    ws = streamed_sheet([["a", 1]], [Column("Namn"), Column("Belopp", "sek")], totals=True,
                        totals_label="=Summa")
    label = ws["A3"]
    assert (label.value, label.data_type, label.quotePrefix, label.font.b) == (
        "=Summa", "s", True, True)


def test_streamed_totals_store_their_sums_for_readers_that_do_not_recalculate():
    target = BytesIO()
    stream_table_workbook_to(target, "Blad", PROJECT_COLUMNS, iter(PROJECT_ROWS), totals=True)

    ws = load(target.getvalue(), data_only=True).active
    assert [c.value for c in ws[5]][:3] == ["Summa", 2_050_500, pytest.approx(12.0505)]


def test_streamed_print_setup_is_landscape_fit_to_width_with_header_and_footer():
    ws = streamed_sheet([["a"]], print_header="Tertialrapport T1 2012 & bilagor",
                        print_footer="2012-06-30")

    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # XlsxWriter leaves out fitToWidth="1", the value the file format takes when it is absent.
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$1"
    assert ws.oddHeader.center.text == "Tertialrapport T1 2012 && bilagor"
    assert (ws.oddFooter.left.text, ws.oddFooter.right.text) == ("2012-06-30", "&P / &N")


def test_streamed_print_header_keeps_text_xlsxwriter_would_take_for_an_image():
    ws = streamed_sheet([["a"]], print_header="R&G &[Picture]")

    assert ws.oddHeader.center.text == "R&&G &&[Picture]"


def test_streamed_print_header_is_cut_to_excels_limit_between_ampersands():
    data = BytesIO()
    stream_table_workbook_to(data, "Blad", [Column("A")], [], print_header="&" * 200)

    header = re.search(r"<oddHeader>(.*)</oddHeader>", _sheet_xml(data.getvalue())).group(1)
    text = header.replace("&amp;", "&")
    assert text.startswith("&C") and len(text) <= 255
    assert (len(text) - 2) % 2 == 0  # only whole "&&" pairs, each a literal ampersand


def test_streamed_sheet_gets_a_safe_title():
    target = BytesIO()
    stream_table_workbook_to(target, "Projekt [2012/13]: *?", [Column("A")], [["a"]])

    assert load(target.getvalue()).sheetnames == ["Projekt (2012-13)-"]


class _OneWayStream:
    """A write-only stream that cannot seek or tell, like a socket or a pipe."""

    def __init__(self):
        self.buffer = BytesIO()

    def write(self, data):
        return self.buffer.write(data)

    def flush(self):
        pass


def test_stream_writer_writes_into_a_stream_that_cannot_seek():
    target = _OneWayStream()

    count = stream_table_workbook_to(target, "Projekt", PROJECT_COLUMNS, _stream_rows(300))

    ws = load(target.buffer.getvalue()).active
    assert count == 300
    assert ws["A301"].value == "Projekt 299"


def test_a_refused_row_leaves_the_target_untouched_and_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = ([n] if n < 200 else ["x"] for n in range(300))
    target = BytesIO()

    with pytest.raises(TypeError, match="row 201, column 'A' \\(sek\\): expected a number"):
        stream_table_workbook_to(target, "X", [Column("A", "sek")], rows)

    assert target.getvalue() == b""
    assert list(tmp_path.iterdir()) == []


def test_rows_beyond_the_sheet_are_refused_rather_than_dropped(monkeypatch):
    monkeypatch.setattr(xlsx, "_MAX_SHEET_ROWS", 4)

    assert stream_table_workbook_to(BytesIO(), "X", [Column("A")], [["a"]] * 3) == 3
    with pytest.raises(ValueError, match="3 rows, the header and the totals do not fit"):
        stream_table_workbook_to(BytesIO(), "X", [Column("A")], [["a"]] * 3, totals=True)
