"""Generated Office files, sound and malicious, built in memory for the upload tests."""

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
DOCUMENT = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Plan</w:t>'
            '</w:r></w:p></w:body></w:document>')
DTD_HEADER = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
              '"&lol;&lol;&lol;&lol;">]>')


def xlsx_bytes(rows: int = 3) -> bytes:
    """A small sound workbook."""
    workbook = Workbook()
    sheet = workbook.active
    for number in range(1, rows + 1):
        sheet.append([f"rad {number}", number])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    """A minimal sound Word document."""
    return zip_of({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": DOCUMENT})


def zip_of(parts: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """Pack `parts` (name -> text or bytes) into a zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def replace_part(data: bytes, name: str, content) -> bytes:
    """Repack a zip with one part replaced (or added)."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info)
    parts[name] = content
    return zip_of(parts)


def zip_bomb(kind: str = "xlsx", unpacked_mb: int = 1024) -> bytes:
    """A sound file plus a part that inflates to `unpacked_mb` MB of zeros, about 1 MB on disk.

    The deflate stream is one flushed block of a megabyte of zeros repeated, so even the 1 GB
    bomb is built in well under a second.
    """
    base = xlsx_bytes() if kind == "xlsx" else docx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    megabyte = b"\0" * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(megabyte) + packer.flush(zlib.Z_FULL_FLUSH)
    bomb = block * unpacked_mb + packer.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(unpacked_mb):
        crc = zlib.crc32(megabyte, crc)
    entries = [(name, 0, zlib.crc32(data), data, len(data)) for name, data in parts]
    entries.append(("xl/media/bomb.bin", 8, crc, bomb, unpacked_mb * 1024 * 1024))
    out = io.BytesIO()
    central = io.BytesIO()
    for name, method, checksum, payload, size in entries:
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0, checksum,
                              len(payload), size, len(encoded), 0) + encoded + payload)
        central.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, method, 0, 0,
                                  checksum, len(payload), size, len(encoded), 0, 0, 0, 0, 0,
                                  offset) + encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                          len(central.getvalue()), start, 0))
    return out.getvalue()


def million_row_sheet(dimension: str | None = "A1:A1000000", rows: int = 1_000_000) -> bytes:
    """A workbook whose first sheet holds `rows` empty rows (and claims `dimension`, if any)."""
    body = "".join(f'<row r="{n}"/>' for n in range(1, rows + 1))
    claim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main">'
             f'{claim}<sheetData>{body}</sheetData></worksheet>')
    return replace_part(xlsx_bytes(), "xl/worksheets/sheet1.xml", sheet)


def with_dtd(kind: str = "xlsx") -> bytes:
    """A file whose main part starts with an entity-expanding DTD."""
    if kind == "docx":
        return replace_part(docx_bytes(), "word/document.xml",
                            DTD_HEADER + DOCUMENT.split("?>", 1)[1])
    sheet = zipfile.ZipFile(io.BytesIO(xlsx_bytes())).read("xl/worksheets/sheet1.xml").decode()
    return replace_part(xlsx_bytes(), "xl/worksheets/sheet1.xml",
                        DTD_HEADER + sheet.split("?>", 1)[-1])


def many_entries(count: int = 600) -> bytes:
    """A workbook padded with `count` tiny extra parts."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info)
    parts.update({f"xl/media/pad{n}.bin": b"x" for n in range(count)})
    return zip_of(parts)


def encrypted_entry() -> bytes:
    """A workbook one of whose parts claims to be encrypted."""
    data = bytearray(xlsx_bytes())
    offset = data.find(b"PK\x01\x02")
    data[offset + 8] |= 0x1
    return bytes(data)
