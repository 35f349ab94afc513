"""Hostile files for the upload corpus: decompression bombs, lying types, zip bombs, sparse and huge
workbooks. Each is small to make (no generator holds the expanded content in memory).

The workbooks come from ``tests.hostile`` (minimal .xlsx packages written by hand, so their XML says
exactly what a hostile file says).
"""

from __future__ import annotations

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
