"""Hostile files for the upload corpus: decompression bombs, lying types, zip bombs, sparse and huge
workbooks. Each is small to make (no generator holds the expanded content in memory).

The workbooks come from ``tests.hostile`` (minimal .xlsx packages written by hand, so their XML says
exactly what a hostile file says).
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

from tests import hostile

MB = 1024 * 1024


# --- images ------------------------------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A black 1-bit PNG of ``width`` × ``height`` whose pixel data is deflated (``rows`` of it, all
    when None): a 50,000 × 50,000 bomb is a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def real_photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, fmt)
    return out.getvalue()


def mpo_photo() -> bytes:
    """A multi-picture JPEG as phones write them (a second frame after the first): Pillow saves MPO."""
    from PIL import Image

    first, second = Image.new("RGB", (64, 48), (200, 30, 30)), Image.new("RGB", (32, 24), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header claims ``width`` × ``height`` (a decompression bomb by header)."""
    data = bytearray(real_photo("JPEG", (16, 16)))
    position = 2
    while position < len(data):
        marker, length = data[position + 1], struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[position + 5:position + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        position += 2 + length
    raise AssertionError("no frame header")


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 400
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script></svg>')


# --- workbooks: the generators of ``tests.hostile`` (shared with the import and served-demo tests) ---

def sparse_xlsx() -> bytes:
    """One cell at XFD1048576 (the last cell Excel has): a reader filling the grid from A1 builds
    17 billion cells."""
    return hostile.sparse_xlsx()


def huge_inline_string_xlsx(megabytes: int = 64) -> bytes:
    """A header row, then one cell holding a ``megabytes`` MB inline string (deflates ~1000:1)."""
    return hostile.huge_inline_string_xlsx(megabytes * MB, compressible=True)


def zip_bomb_xlsx(megabytes: int = 200) -> bytes:
    """A workbook package whose sheet inflates to ``megabytes`` MB."""
    return hostile.zip_bomb_xlsx(megabytes * MB)


def small_xlsx(rows: list[list[str]]) -> bytes:
    """A plain workbook of inline strings (the control: a file the guard lets through)."""
    return hostile.xlsx(f'<row r="{r}">' + "".join(hostile.inline_cell(f"{hostile.column_letters(c)}{r}", text)
                                                   for c, text in enumerate(values, start=1)) + "</row>"
                        for r, values in enumerate(rows, start=1))


# --- GIFs: no upload kind takes them; the bombs must be refused by type, before any frame is decoded ---

def gif(width: int = 1, height: int = 1, *, frames: int = 1) -> bytes:
    """A GIF89a whose logical screen claims ``width`` × ``height`` and which holds ``frames`` one-pixel
    frames (23 bytes each: 50,000 frames in about 1.1 MB)."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = (b"\x21\xf9\x04\x04\x01\x00\x00\x00"  # graphic control: 1/100 s, no transparency
             + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)  # image descriptor: 1 × 1 at 0,0
             + b"\x02\x02\x44\x01\x00")  # LZW: clear, pixel 0, end
    return head + frame * frames + b"\x3b"


# --- workbooks that are not what they say --------------------------------------------------------------

def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand from (name, deflated data, CRC-32, compressed size, uncompressed size)."""
    out, directory = io.BytesIO(), []
    for name, data, crc, compressed, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, compressed, size, len(encoded), 0))
        out.write(encoded)
        out.write(data)
        directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, compressed, size,
                                     len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for entry in directory:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory), out.tell() - start, start, 0))
    return out.getvalue()


def _deflated(data: bytes) -> tuple[bytes, int, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(data) + compressor.flush()
    return packed, zlib.crc32(data) & 0xFFFFFFFF, len(packed), len(data)


@functools.lru_cache(maxsize=2)
def shared_strings_bomb_xlsx(gigabytes: int = 1) -> bytes:
    """A workbook whose ``xl/sharedStrings.xml`` inflates to ``gigabytes`` GB of one string (about 1 MB of
    file). The deflate stream is one compressed megabyte repeated: after a full flush a block does not
    refer back, so the same bytes decode to the same megabyte each time (made in well under a second)."""
    base = hostile.xlsx([hostile.header_row(), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], dimension="A1:B2")
    import zipfile

    with zipfile.ZipFile(io.BytesIO(base)) as package:
        members = [(name, *_deflated(package.read(name))) for name in package.namelist()
                   if name != "xl/sharedStrings.xml"]
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    tail = b"</t></si></sst>"
    block = b"B" * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = gigabytes * 1024
    last = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc) & 0xFFFFFFFF
    packed = first + repeated * blocks + last
    size = len(head) + blocks * MB + len(tail)
    assert size < 1 << 32  # no zip64 needed
    return _raw_zip([*members, ("xl/sharedStrings.xml", packed, crc, len(packed), size)])


def zip_named_xlsx() -> bytes:
    """A zip archive that is no workbook at all (a program and a note), named .xlsx: it starts with the
    same ``PK`` bytes as every workbook."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("setup.exe", EXE)
        archive.writestr("readme.txt", "请运行 setup.exe")
    return out.getvalue()
