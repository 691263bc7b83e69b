"""Checks an uploaded Office file (.xlsx, .docx) as a zip before anything stores or opens it.

Pure: standard library only. A refusal is an `UploadRefused` carrying a code and the figures
it names; the web layer words it (through Flask-Babel) and the workbook reader words it in
Swedish. The checks read the zip's directory, then stream each XML part through a bounded
inflater: nothing is unpacked to memory or disk in full, so a zip bomb or a sheet of a
million empty rows is refused after reading only as much as the limit allows.
"""

from __future__ import annotations

import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK\x03\x04"
CHUNK_BYTES = 64 * 1024
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
ROW_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr=[\"'](\d+)[\"']")
DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=[\"']([A-Za-z$]*\$?\d+:)?"
                       rb"[A-Za-z$]*\$?(\d+)[\"']")
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
XML_SUFFIXES = (".xml", ".rels", ".vml")
CONTENT_TYPES = "[Content_Types].xml"
MAIN_PARTS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
TYPE_NAMES = {"xlsx": "XLSX", "docx": "DOCX"}
MACRO_PART = re.compile(r"(^|/)vbaProject\.bin$", re.IGNORECASE)


@dataclass(frozen=True)
class UploadLimits:
    """How large an Office upload may be, packed and unpacked, and how many rows a sheet."""

    max_bytes: int
    max_entries: int = 500
    max_unpacked_bytes: int = 50 * 1024 * 1024
    max_ratio: int = 200
    ratio_applies_from_bytes: int = 1024 * 1024
    max_sheet_rows: int = 100_000


@dataclass(frozen=True)
class Refusal:
    """Why a file was refused: a code and the figures its message names."""

    code: str
    params: dict = field(default_factory=dict)


class UploadRefused(ValueError):
    """An uploaded file failed a check; `refusal` says which and with what figures."""

    def __init__(self, code: str, **params):
        super().__init__(code, params)
        self.refusal = Refusal(code, dict(params))

    @property
    def code(self) -> str:
        return self.refusal.code

    @property
    def params(self) -> dict:
        return self.refusal.params


def format_size(count: int) -> str:
    """Say a byte count the Swedish way: '6,0 MB' from 1 MB up (rounded up), else kB."""
    if count >= 1_048_576:
        tenths = math.ceil(count * 10 / 1_048_576)
        return f"{tenths // 10},{tenths % 10} MB"
    return f"{max(1, math.ceil(count / 1024))} kB"


def stream_size(stream: IO[bytes]) -> int:
    """Measure a seekable upload stream without reading it, and leave it at the start."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def check_size(size_bytes: int, limits: UploadLimits) -> None:
    """Refuse an empty file or one over the limit, naming its real size and the limit."""
    if size_bytes <= 0:
        raise UploadRefused("empty")
    if size_bytes > limits.max_bytes:
        raise UploadRefused("too_large", size=format_size(size_bytes),
                            limit=format_size(limits.max_bytes))


def check_office_file(data: bytes, kind: str, limits: UploadLimits,
                      size_bytes: int | None = None) -> None:
    """Check that `data` is a sound, bounded .xlsx or .docx (`kind`) before it is used.

    `size_bytes` is the upload's real size when `data` holds only its first bytes.
    """
    if kind not in MAIN_PARTS:
        raise ValueError(f"kind must be one of {', '.join(MAIN_PARTS)}, got {kind!r}")
    check_size(len(data) if size_bytes is None else size_bytes, limits)
    if len(data) > limits.max_bytes:
        raise UploadRefused("too_large", size=format_size(len(data)),
                            limit=format_size(limits.max_bytes))
    if data.startswith(OLE_MAGIC):
        raise UploadRefused("legacy_or_encrypted", type=TYPE_NAMES[kind])
    if not data.startswith(ZIP_MAGIC):
        raise UploadRefused("not_office", type=TYPE_NAMES[kind])
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            NotImplementedError):
        raise UploadRefused("unreadable_zip", type=TYPE_NAMES[kind]) from None
    with archive:
        entries = archive.infolist()
        _check_directory(entries, data, kind, limits)
        for entry in entries:
            if entry.filename.lower().endswith(XML_SUFFIXES):
                _scan_xml_part(archive, entry, kind, limits)


def _check_directory(entries: list[zipfile.ZipInfo], data: bytes, kind: str,
                     limits: UploadLimits) -> None:
    """Check the zip's table of contents: counts, sizes, ratios, names and the needed parts."""
    kind_name = TYPE_NAMES[kind]
    if len(entries) > limits.max_entries:
        raise UploadRefused("too_many_entries", count=len(entries), limit=limits.max_entries)
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise UploadRefused("unpacked_too_large", size=format_size(unpacked),
                            limit=format_size(limits.max_unpacked_bytes))
    names = set()
    for entry in entries:
        if entry.filename in names:
            raise UploadRefused("damaged", type=kind_name)
        names.add(entry.filename)
        if entry.flag_bits & 0x1:
            raise UploadRefused("legacy_or_encrypted", type=kind_name)
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused("damaged", type=kind_name)
        if entry.header_offset + 30 + entry.compress_size > len(data):
            raise UploadRefused("damaged", type=kind_name)
        if (entry.file_size >= limits.ratio_applies_from_bytes
                and entry.file_size > limits.max_ratio * max(entry.compress_size, 1)):
            raise UploadRefused("ratio", limit=limits.max_ratio)
        if MACRO_PART.search(entry.filename):
            raise UploadRefused("macros", type=kind_name)
    if CONTENT_TYPES not in names:
        raise UploadRefused("missing_parts", type=kind_name)
    if MAIN_PARTS[kind] not in names:
        other = next((k for k, part in MAIN_PARTS.items() if part in names), None)
        if other:
            raise UploadRefused("wrong_type", type=kind_name, actual=TYPE_NAMES[other])
        raise UploadRefused("missing_parts", type=kind_name)


def _scan_xml_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, kind: str,
                   limits: UploadLimits) -> None:
    """Stream one XML part: refuse a DTD, and in a workbook a sheet with too many rows.

    Rows are bounded three ways: the sheet's declared dimension, the number of row elements,
    and the highest row number one names (two rows, 1 and 1 000 000, span a million).
    """
    count_rows = kind == "xlsx"
    rows = 0
    tail = b""
    first = True
    read = 0
    try:
        with archive.open(entry) as part:
            while chunk := part.read(CHUNK_BYTES):
                read += len(chunk)
                if read > entry.file_size:
                    raise UploadRefused("damaged", type=TYPE_NAMES[kind])
                if first:
                    first = False
                    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                        raise UploadRefused("xml_encoding")
                    if count_rows and (dimension := DIMENSION.search(chunk)):
                        declared = int(dimension.group(2))
                        if declared > limits.max_sheet_rows:
                            raise UploadRefused("too_many_rows", limit=limits.max_sheet_rows)
                window = tail + chunk
                if DTD.search(window):
                    raise UploadRefused("dtd")
                if count_rows:
                    rows += len(ROW_TAG.findall(window)) - len(ROW_TAG.findall(tail))
                    numbers = ROW_NUMBER.findall(window)
                    if rows > limits.max_sheet_rows or (
                            numbers and max(map(int, numbers)) > limits.max_sheet_rows):
                        raise UploadRefused("too_many_rows", limit=limits.max_sheet_rows)
                tail = window[-64:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError) as error:
        if isinstance(error, UploadRefused):
            raise
        raise UploadRefused("damaged", type=TYPE_NAMES[kind]) from None
