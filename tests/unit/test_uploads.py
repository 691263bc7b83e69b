"""Office uploads are checked as zips before anything stores or opens them (issue 11)."""


import pytest

from app.core.uploads import UploadLimits, UploadRefused, check_office_file, format_size
from reports.benefit_workbook import MAX_SHEET_ROWS, WorkbookError, read_workbook
from tests import office_files as files

MB = 1024 * 1024
LIMITS = UploadLimits(max_bytes=10 * MB, max_sheet_rows=10_000)


def _truncated(data: bytes, keep: float) -> bytes:
    return data[: int(len(data) * keep)]


MALFORMED = [
    ("empty", lambda: b"", "xlsx", "empty"),
    ("not a zip", lambda: b"<html>not a workbook</html>", "xlsx", "not_office"),
    ("old .xls / encrypted", lambda: b"\xd0\xcf\x11\xe0" + b"\0" * 100, "xlsx",
     "legacy_or_encrypted"),
    ("zip magic only", lambda: b"PK\x03\x04....", "xlsx", "unreadable_zip"),
    ("truncated to half", lambda: _truncated(files.xlsx_bytes(), 0.5), "xlsx", "unreadable_zip"),
    ("truncated by 10 bytes", lambda: files.xlsx_bytes()[:-10], "xlsx", "unreadable_zip"),
    ("truncated docx", lambda: _truncated(files.docx_bytes(), 0.8), "docx", "unreadable_zip"),
    ("docx renamed .xlsx", files.docx_bytes, "xlsx", "wrong_type"),
    ("xlsx renamed .docx", files.xlsx_bytes, "docx", "wrong_type"),
    ("zip without content types", lambda: files.zip_of({"xl/workbook.xml": "<workbook/>"}),
     "xlsx", "missing_parts"),
    ("plain zip", lambda: files.zip_of({"readme.txt": "hello"}), "docx", "missing_parts"),
    ("1 GB zip bomb", lambda: files.zip_bomb("xlsx", 1024), "xlsx", "unpacked_too_large"),
    ("40 MB of zeros", lambda: files.zip_bomb("xlsx", 40), "xlsx", "ratio"),
    ("docx bomb", lambda: files.zip_bomb("docx", 40), "docx", "ratio"),
    ("600 parts", files.many_entries, "xlsx", "too_many_entries"),
    ("DTD in a sheet", lambda: files.with_dtd("xlsx"), "xlsx", "dtd"),
    ("DTD in a document", lambda: files.with_dtd("docx"), "docx", "dtd"),
    ("DTD in content types", lambda: files.replace_part(
        files.xlsx_bytes(), "[Content_Types].xml", files.DTD_HEADER + "<Types/>"), "xlsx", "dtd"),
    ("UTF-16 part", lambda: files.replace_part(
        files.docx_bytes(), "word/document.xml", files.DOCUMENT.encode("utf-16")), "docx",
     "xml_encoding"),
    ("macros", lambda: files.replace_part(files.xlsx_bytes(), "xl/vbaProject.bin", b"\1\2"),
     "xlsx", "macros"),
    ("encrypted part", files.encrypted_entry, "xlsx", "legacy_or_encrypted"),
    ("million rows, honest dimension", files.million_row_sheet, "xlsx", "too_many_rows"),
    ("million rows, lying dimension", lambda: files.million_row_sheet("A1"), "xlsx",
     "too_many_rows"),
    ("million rows, no dimension", lambda: files.million_row_sheet(None), "xlsx",
     "too_many_rows"),
    ("rows in a prefixed sheet", lambda: files.replace_part(
        files.xlsx_bytes(), "xl/worksheets/sheet1.xml",
        '<x:worksheet xmlns:x="urn:x"><x:sheetData>' + '<x:row r="1"/>' * 10_001
        + "</x:sheetData></x:worksheet>"), "xlsx", "too_many_rows"),
    ("two rows a million apart", lambda: files.replace_part(
        files.xlsx_bytes(), "xl/worksheets/sheet1.xml",
        '<worksheet><dimension ref="A1"/><sheetData><row r="1"/><row r="1000000" spans="1:1">'
        '<c r="A1000000"><v>1</v></c></row></sheetData></worksheet>'), "xlsx", "too_many_rows"),
    ("sheet hidden outside xl/worksheets", lambda: files.replace_part(
        files.xlsx_bytes(), "xl/other/sheet9.xml", "<worksheet>" + "<row/>" * 10_001
        + "</worksheet>"), "xlsx", "too_many_rows"),
]


@pytest.mark.parametrize("build, kind, code", [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_malformed_office_files_are_refused(build, kind, code):
    with pytest.raises(UploadRefused) as refused:
        check_office_file(build(), kind, LIMITS)
    assert refused.value.code == code


@pytest.mark.parametrize("build, kind", [(files.xlsx_bytes, "xlsx"), (files.docx_bytes, "docx"),
                                         (lambda: files.xlsx_bytes(rows=10_000), "xlsx")])
def test_sound_office_files_pass(build, kind):
    check_office_file(build(), kind, LIMITS)


@pytest.mark.parametrize("size, limit, said_size", [
    (6 * MB, 5 * MB, "6,0 MB"),
    (5 * MB + 1, 5 * MB, "5,1 MB"),
    (25 * MB, 10 * MB, "25,0 MB"),
])
def test_a_too_large_file_is_refused_with_its_real_size(size, limit, said_size):
    """Regression: a 6 MB file was said to be 5,0 MB (only the first limit+1 bytes were read)."""
    with pytest.raises(UploadRefused) as refused:
        check_office_file(files.xlsx_bytes()[:1024], "xlsx", UploadLimits(max_bytes=limit),
                          size_bytes=size)
    assert refused.value.params == {"size": said_size, "limit": format_size(limit)}
    assert said_size != refused.value.params["limit"]


@pytest.mark.parametrize("count, said", [(1, "1 kB"), (1024, "1 kB"), (1025, "2 kB"),
                                         (MB, "1,0 MB"), (6 * MB, "6,0 MB"),
                                         (int(4.9 * MB), "4,9 MB")])
def test_sizes_are_said_the_swedish_way(count, said):
    assert format_size(count) == said


@pytest.mark.parametrize("build, words", [
    (lambda: files.million_row_sheet("A1"), f"fler än {MAX_SHEET_ROWS} rader"),
    (files.docx_bytes, "DOCX-fil med ändelsen .xlsx"),
    (lambda: files.zip_bomb("xlsx", 1024), "uppackad"),
    (lambda: files.with_dtd("xlsx"), "DTD"),
    (lambda: files.xlsx_bytes()[:-10], "ingen Excel-arbetsbok"),
])
def test_the_workbook_import_refuses_before_opening(build, words):
    with pytest.raises(WorkbookError) as refused:
        read_workbook(build())
    assert words in str(refused.value)


def test_the_workbook_import_says_the_real_size():
    with pytest.raises(WorkbookError, match="Filen är 6,0 MB men får vara högst 5,0 MB"):
        read_workbook(files.xlsx_bytes(), size_bytes=6 * MB)
