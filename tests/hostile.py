"""Hostile upload files, generated in code (no binary fixtures): workbooks and CSV that try to make
a reader allocate far more than the file's size.

Each function returns the file's bytes. The .xlsx files are written by hand with ``zipfile`` (the
smallest package calamine and Excel accept), so a test controls exactly what the XML claims
(``<dimension ref>``) and what it holds. Large members are written in chunks straight into the
zip, so building a file whose sheet expands to hundreds of megabytes needs little memory here.

Used by the import tests and by the hostile-files corpus run against every upload endpoint.
"""

from __future__ import annotations

import io
import random
import string
import zipfile
from collections.abc import Iterable, Iterator

HEADER = ("姓名", "身份证号")  # two columns the resident importer recognises
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_SHEET_OPEN = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
CHUNK = 1 << 20


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def column_letters(number: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(text)}</t></is></c>'


def header_row() -> str:
    cells = "".join(inline_cell(f"{column_letters(i)}1", name) for i, name in enumerate(HEADER, start=1))
    return f'<row r="1">{cells}</row>'


def xlsx(sheet_parts: Iterable[str | bytes], *, shared_strings: Iterable[str | bytes] | None = None,
         dimension: str | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A one-sheet workbook whose sheet XML is ``sheet_parts`` (the rows, streamed into the zip)
    between the sheet's opening (with ``<dimension ref>`` when given) and ``</sheetData></worksheet>``;
    ``shared_strings`` likewise is the body of ``<sst>``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        head = _SHEET_OPEN + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
        _stream(archive, "xl/worksheets/sheet1.xml", [head, *sheet_parts, "</sheetData></worksheet>"])
        sst_head = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        _stream(archive, "xl/sharedStrings.xml", [sst_head, *(shared_strings or ()), "</sst>"])
    return out.getvalue()


def _stream(archive: zipfile.ZipFile, name: str, parts: Iterable[str | bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        for part in parts:
            member.write(part.encode() if isinstance(part, str) else part)


def _repeated(unit: bytes, size: int) -> Iterator[bytes]:
    """``size`` bytes of ``unit`` repeated, in chunks of about a megabyte."""
    block = unit * max(1, CHUNK // len(unit))
    while size > 0:
        yield block[:size]
        size -= len(block)


def _varied_text(length: int, seed: int = 11) -> str:
    """Text that does not compress much (so a size check, not a compression-ratio check, meets it)."""
    rng = random.Random(seed)
    return "".join(rng.choices(string.ascii_letters + string.digits, k=length))


def sparse_xlsx(ref: str = "XFD1048576") -> bytes:
    """About 1.5 KB: a header, then one cell at ``ref`` (Excel's last cell by default), so a dense
    read from A1 would hold 16,384 × 1,048,576 cells; the dimension tells the truth."""
    row = int("".join(ch for ch in ref if ch.isdigit()))
    return xlsx([header_row(), f'<row r="{row}">{inline_cell(ref, "x")}</row>'], dimension=f"A1:{ref}")


def lying_dimension_xlsx(ref: str = "XFD1048576") -> bytes:
    """Like ``sparse_xlsx`` but the ``<dimension ref>`` claims A1:B2: only reading the rows finds ``ref``."""
    row = int("".join(ch for ch in ref if ch.isdigit()))
    return xlsx([header_row(), f'<row r="{row}">{inline_cell(ref, "x")}</row>'], dimension="A1:B2")


def missing_dimension_xlsx(ref: str = "XFD1048576") -> bytes:
    """The far cell with no ``<dimension>`` at all."""
    row = int("".join(ch for ch in ref if ch.isdigit()))
    return xlsx([header_row(), f'<row r="{row}">{inline_cell(ref, "x")}</row>'])


def huge_dimension_xlsx() -> bytes:
    """Two real rows under a ``<dimension ref>`` claiming the whole sheet (a reader may size by it)."""
    return xlsx([header_row(), f'<row r="2">{inline_cell("A2", "张三")}</row>'], dimension="A1:XFD1048576")


def huge_inline_string_xlsx(length: int = 200_000, *, compressible: bool = False) -> bytes:
    """One inline-string cell of ``length`` characters below the header. ``compressible=True`` gives
    the attack as found (one letter repeated: 600 MB fit in a 613 KB file); the default text barely
    compresses, so the cell's length is what a guard must notice."""
    parts: list[str | bytes] = [header_row(), '<row r="2"><c r="A2" t="inlineStr"><is><t>']
    parts.extend(_repeated(b"A", length) if compressible else [_varied_text(length)])
    parts.append("</t></is></c></row>")
    return xlsx(parts, dimension="A1:B2")


def huge_shared_string_xlsx(length: int = 200_000, *, compressible: bool = False) -> bytes:
    """One shared string of ``length`` characters, used by cell A2."""
    text: list[str | bytes] = ["<si><t>", *(_repeated(b"B", length) if compressible else [_varied_text(length)]),
                               "</t></si>"]
    return xlsx([header_row(), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], shared_strings=text,
                dimension="A1:B2")


def zip_bomb_xlsx(expanded: int = 256 * 1024 * 1024) -> bytes:
    """A small file whose sheet XML expands to ``expanded`` bytes (blanks between rows: still valid XML)."""
    return xlsx([header_row(), *_repeated(b" ", expanded), f'<row r="2">{inline_cell("A2", "张三")}</row>'],
                dimension="A1:B2")


def many_entries_xlsx(entries: int = 20_000) -> bytes:
    """A valid workbook padded with ``entries`` tiny extra zip members."""
    data = io.BytesIO(xlsx([header_row()], dimension="A1:B1"))
    with zipfile.ZipFile(data, "a") as archive:
        for index in range(entries):
            archive.writestr(f"customXml/pad{index}.xml", "<a/>")
    return data.getvalue()


def many_cells_xlsx(rows: int, columns: int = 2) -> bytes:
    """``rows`` × ``columns`` small numeric cells below the header (a sheet that is big for real)."""
    def body() -> Iterator[str]:
        yield header_row()
        for row in range(2, rows + 2):
            yield f'<row r="{row}">' + "".join(
                f'<c r="{column_letters(col)}{row}"><v>{col}</v></c>' for col in range(1, columns + 1)) + "</row>"
    return xlsx(body(), dimension=f"A1:{column_letters(columns)}{rows + 1}")


def huge_csv(rows: int = 400_000) -> bytes:
    """A CSV with the importer's header and more rows than an import accepts."""
    return ("姓名,身份证号\n" + "张三,1\n" * rows).encode()


def wide_csv(columns: int = 20_000) -> bytes:
    """A CSV whose header row has ``columns`` columns."""
    return ("姓名,身份证号" + ",x" * columns + "\n张三,1\n").encode()


def huge_cell_csv(length: int = 200_000) -> bytes:
    """A CSV with one cell of ``length`` characters."""
    return ("姓名,身份证号\n" + _varied_text(length) + ",1\n").encode()


# name → (file name, bytes) for a corpus run against every upload endpoint (each built on demand).
WORKBOOKS = {
    "sparse": ("sparse.xlsx", sparse_xlsx),
    "lying_dimension": ("lying.xlsx", lying_dimension_xlsx),
    "missing_dimension": ("missing-dimension.xlsx", missing_dimension_xlsx),
    "huge_dimension": ("huge-dimension.xlsx", huge_dimension_xlsx),
    "huge_inline_string": ("inline.xlsx", huge_inline_string_xlsx),
    "huge_shared_string": ("shared.xlsx", huge_shared_string_xlsx),
    "zip_bomb": ("bomb.xlsx", zip_bomb_xlsx),
    "many_entries": ("entries.xlsx", many_entries_xlsx),
    "huge_csv": ("huge.csv", huge_csv),
    "wide_csv": ("wide.csv", wide_csv),
    "huge_cell_csv": ("cell.csv", huge_cell_csv),
}
