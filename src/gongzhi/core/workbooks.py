"""Bounds on an uploaded workbook or CSV, checked before anything is materialised.

A reader that trusts a sheet can be made to allocate without limit by a tiny file: one cell at
``XFD1048576`` turns a dense read from A1 into 17 billion cells, one inline string of 600 MB sits in
a 613 KB zip, and a zip member may expand a thousandfold. ``check_xlsx`` inspects the zip and
streams every part in 64 KB chunks (no part is held whole), so it needs a few hundred kilobytes
whatever the file claims. A sheet that declares a ``<dimension>`` within the limits is checked
with one regular-expression search per chunk for a cell reference outside it (the usual case,
about half the time calamine takes to read the sheet); otherwise the cells' references are read
in the first piece, and each later piece is searched once for a reference past the bounds that
allows within the limits (read exactly only where one is found), and a sheet whose cells carry no reference (their place is their position) or whose tags are
namespace-prefixed is scanned with expat. It checks:

* the zip: number of members, each member's and the total expanded size, the compression ratio of
  large members, and each member's CRC (a member whose declared size lies is cut off at that size
  by ``zipfile`` and fails its CRC);
* each sheet: its ``<dimension ref>`` and, because a dimension may lie or be missing, the real
  highest row and column of its cells; the dense area (rows × columns, which also bounds the cell
  count) a reader filling the grid from A1 would build; and the length of every text between tags;
* the shared strings: their number (at most one per cell of the area limit) and the length of every
  text between tags; DTDs and entity declarations in sheets and shared strings.

``.xls`` (BIFF, read by calamine) is bounded by its file size and then by the sheet's size before
its cells are converted; CSV by rows, columns and cell length as it is read (``checked_csv_rows``).
A file past a limit raises ``WorkbookRefused`` with a Chinese message naming the limit.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 64 * 1024
# Members smaller than this are not judged by their compression ratio (tiny XML compresses well).
RATIO_FLOOR_BYTES = 1024 * 1024
_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?(\d{1,9})")


class WorkbookRefused(ValueError):
    """The file is past a limit or malformed in a way that could exhaust memory; ``str`` says which,
    ``reason`` names the kind of check: ``extent`` (rows, columns, dense area), ``bomb`` (members,
    expanded size, compression ratio), ``text`` (a cell's length) or ``unreadable``."""

    def __init__(self, message: str, *, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    cells: int  # the dense area: highest row × highest column
    cell_chars: int
    zip_entries: int
    expanded_bytes: int  # per member and in total
    ratio: int
    xls_bytes: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            rows=settings.GONGZHI_IMPORT_MAX_ROWS,
            columns=settings.GONGZHI_IMPORT_MAX_COLUMNS,
            cells=settings.GONGZHI_IMPORT_MAX_CELLS,
            cell_chars=settings.GONGZHI_IMPORT_MAX_CELL_CHARS,
            zip_entries=settings.GONGZHI_WORKBOOK_MAX_ENTRIES,
            expanded_bytes=settings.GONGZHI_WORKBOOK_MAX_EXPANDED_MB * 1024 * 1024,
            ratio=settings.GONGZHI_WORKBOOK_MAX_RATIO,
            xls_bytes=settings.GONGZHI_WORKBOOK_MAX_XLS_MB * 1024 * 1024,
        )


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """``"XFD1048576"`` → (row, column); None when ``ref`` is not a cell reference."""
    match = _REF.fullmatch(ref.strip())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


# --- the shape of a sheet -----------------------------------------------------------------

def check_shape(*, rows: int, columns: int, limits: Limits) -> None:
    """Refuse a sheet whose highest row, highest column or dense area is past the limits."""
    if rows > limits.rows:
        raise WorkbookRefused(_("表格行数过多：最多 %(limit)s 行，本文件用到第 %(found)s 行。")
                              % {"limit": f"{limits.rows:,}", "found": f"{rows:,}"}, reason="extent")
    if columns > limits.columns:
        raise WorkbookRefused(_("表格列数过多：最多 %(limit)s 列，本文件用到第 %(found)s 列。")
                              % {"limit": f"{limits.columns:,}", "found": f"{columns:,}"}, reason="extent")
    if rows * columns > limits.cells:
        raise WorkbookRefused(
            _("表格范围过大：行数 × 列数最多 %(limit)s 个单元格，本文件为 %(found)s 个。")
            % {"limit": f"{limits.cells:,}", "found": f"{rows * columns:,}"}, reason="extent")


def _text_too_long(limits: Limits) -> WorkbookRefused:
    return WorkbookRefused(_("单元格内容过长：每个单元格最多 %(limit)s 个字符。") % {"limit": f"{limits.cell_chars:,}"},
                           reason="text")


class _SheetScan:
    """Expat handlers for a worksheet: tracks the highest row and column and each cell's text length."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = 0
        self.column = 0
        self.max_row = 0
        self.max_column = 0
        self.cells = 0
        self.text = 0  # characters of the current cell so far
        self.in_text = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            self.row = int(attributes["r"]) if attributes.get("r", "").isdigit() else self.row + 1
            self.column = 0
            self._grow(self.row, 1)
        elif local == "c":
            parsed = _parse_ref(attributes.get("r", ""))
            if parsed and parsed[0] > 0:
                self.row, self.column = parsed
            else:
                self.row, self.column = max(self.row, 1), self.column + 1
            self.cells += 1
            self.text = 0
            self._grow(self.row, self.column)
        elif local in ("v", "t", "f"):
            self.in_text = True
        elif local == "dimension":
            for end in attributes.get("ref", "").split(":"):
                parsed = _parse_ref(end)
                if parsed:
                    check_shape(rows=parsed[0], columns=parsed[1], limits=self.limits)

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] in ("v", "t", "f"):
            self.in_text = False

    def characters(self, data: str) -> None:
        if self.in_text:
            self.text += len(data)
            if self.text > self.limits.cell_chars:
                raise _text_too_long(self.limits)

    def _grow(self, row: int, column: int) -> None:
        if row > self.max_row or column > self.max_column:
            self.max_row, self.max_column = max(self.max_row, row), max(self.max_column, column)
            check_shape(rows=self.max_row, columns=self.max_column, limits=self.limits)


class _Targets:
    """Expat handlers for a relationships part: the worksheet and shared-strings targets it names."""

    def __init__(self) -> None:
        self.sheets: list[str] = []
        self.strings: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        kind = attributes.get("Type", "").rpartition("/")[2]
        if name.rpartition(":")[2] == "Relationship" and kind in ("worksheet", "sharedStrings"):
            (self.sheets if kind == "worksheet" else self.strings).append(attributes.get("Target", ""))

    def end(self, name: str) -> None:
        pass

    def characters(self, data: str) -> None:
        pass


def _refuse_declarations(*_args: Any) -> None:
    raise WorkbookRefused(_("表格文件含有不允许的 XML 声明（DTD 或实体定义）。"))


def _parse(chunks: Iterable[bytes], handlers: Any) -> None:
    parser = expat.ParserCreate()
    parser.buffer_text = True  # fewer text callbacks; the buffer (8 KB) bounds each one
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.characters
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise WorkbookRefused(_("表格文件已损坏（XML 无法解析）：%(error)s") % {"error": error}) from None


def check_xlsx(data: bytes | IO[bytes], limits: Limits | None = None) -> None:
    """Refuse an .xlsx (a zip of XML parts) past ``limits`` (from settings by default); see the module."""
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise WorkbookRefused(_("无法读取表格文件：%(error)s") % {"error": error}) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.zip_entries:
            raise WorkbookRefused(_("表格文件的组成部分过多：最多 %(limit)s 个，本文件有 %(found)s 个。")
                                  % {"limit": f"{limits.zip_entries:,}", "found": f"{len(members):,}"}, reason="bomb")
        declared = sum(member.file_size for member in members)
        for member in members:
            _check_expanded(member.file_size, declared, limits)
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > limits.ratio * max(member.compress_size, 1):
                raise WorkbookRefused(
                    _("表格文件压缩比异常（疑似压缩炸弹）：解压后最多为压缩大小的 %(limit)s 倍，"
                      "本文件的“%(name)s”为 %(found)s 倍。")
                    % {"limit": limits.ratio, "name": member.filename[:80],
                       "found": member.file_size // max(member.compress_size, 1)}, reason="bomb")
        names = {member.filename.lower(): member.filename for member in members}
        sheets, strings = _parts(archive, names)
        for member in members:
            lowered = member.filename.lower()
            chunks = _member_chunks(archive, member)
            if lowered in sheets:
                # The usual sheet is bounded by its (verified) dimension; otherwise each cell's
                # reference is read; a sheet whose cells have no references is parsed.
                if not (_within_dimension(chunks, limits)
                        or _scan_sheet_quickly(_member_chunks(archive, member), limits)):
                    _parse(_member_chunks(archive, member), _SheetScan(limits))
            elif lowered in strings:
                _scan_shared_strings(chunks, limits)
            else:
                for _chunk in chunks:  # read through: the CRC check catches a member whose size lies
                    pass


# The fast paths read references where Excel and openpyxl write them, first in the tag (`<c r="B7"`,
# `<row r="7"`): text cannot fake those (a "<" in text is escaped). A sheet that spells them any
# other way, has namespace-prefixed tags or a cell without a reference is scanned with the parser.
_CELL_COLUMN = re.compile(rb"<c r=\"\$?([A-Z]{1,4})\$?\d")
_CELL_ROW = re.compile(rb"<c r=\"\$?[A-Z]{1,4}\$?(\d{1,9})\"")
_PREFIXED_ROOT = re.compile(rb"<[\w.-]+:worksheet\b")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?\bref=\"([^\"]{1,40})\"")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _pieces(chunks: Iterable[bytes], limits: Limits) -> Iterator[bytes]:
    """The member's bytes cut after a tag's end, so no tag is split between pieces; a run of text
    without any tag longer than a cell may hold is refused as it grows."""
    most = limits.cell_chars * 4 + 1024  # a cell's text in UTF-8 with its tag
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b">") + 1
        piece, carry = data[:cut], data[cut:]
        if len(carry) > most:
            _check_runs(carry, limits)
        if piece:
            yield piece
    if carry:
        yield carry


def _check_runs(piece: bytes, limits: Limits) -> None:
    """Refuse text between two tags longer than a cell may hold (counted in characters)."""
    if _DECLARATION.search(piece):
        _refuse_declarations()
    # A run longer than the limit holds a whole aligned window of half the limit without "<": look
    # for such windows at C speed, and measure runs only in a piece that has one.
    window = max(1, limits.cell_chars // 2)
    if all(b"<" in piece[start:start + window] for start in range(0, len(piece) - window + 1, window)):
        return
    for run in re.finditer(rb"[^<]{%d,}" % (limits.cell_chars + 1), piece):
        if len(run.group().decode("utf-8", "replace")) > limits.cell_chars:
            raise _text_too_long(limits)


def _scan_shared_strings(chunks: Iterable[bytes], limits: Limits) -> None:
    """Each text's length, and the number of strings (a reader keeps them all): at most one per cell."""
    strings = 0
    for piece in _pieces(chunks, limits):
        _check_runs(piece, limits)
        strings += sum(piece.count(tag) for tag in (b"<si>", b"<si/>", b"<si ", b":si>", b":si/>", b":si "))
        if strings > limits.cells:
            raise WorkbookRefused(_("表格文件的共享文本过多：最多 %(limit)s 条。") % {"limit": f"{limits.cells:,}"})


def _greater(bound: str, alphabet: str) -> str:
    """A regular expression for the strings of ``alphabet`` greater than ``bound`` at the same length
    (letters as column names, digits as numbers without leading zeros)."""
    choices = []
    for index, char in enumerate(bound):
        higher = alphabet[alphabet.index(char) + 1:]
        if higher:
            rest = f"[{alphabet[0]}-{alphabet[-1]}]{{{len(bound) - index - 1}}}" if index < len(bound) - 1 else ""
            choices.append(re.escape(bound[:index]) + f"[{higher[0]}-{higher[-1]}]" + rest)
    return "|".join(choices) or "(?!)"


def _outside(rows: int, columns: int) -> re.Pattern[bytes]:
    """Cell references beyond row ``rows`` or column ``columns``."""
    letters = ""
    number = columns
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    wide = f"[A-Z]{{{len(letters) + 1},4}}|{_greater(letters, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
    deep = f"[1-9]\\d{{{len(str(rows))},}}|{_greater(str(rows), '0123456789')}"
    return re.compile(f'<c r="\\$?(?:(?:{wide})\\$?\\d|[A-Z]{{1,4}}\\$?(?:{deep}))|<row r="(?:{deep})'.encode())


def _referenced(piece: bytes) -> bool:
    """Every cell and row tag in ``piece`` starts with its reference (so a fast path may trust them)."""
    return (piece.count(b'<c r="') == piece.count(b"<c ") and piece.count(b'<row r="') == piece.count(b"<row ")
            and not any(tag in piece for tag in (b"<c>", b"<c/>", b"<row>", b"<row/>")))


def _within_dimension(chunks: Iterable[bytes], limits: Limits) -> bool:
    """True when the sheet declares a dimension within the limits and every cell sits inside it (one
    search per piece for a reference outside it, and the references counted against the tags): the
    dimension then bounds the sheet. False when that cannot be shown this way (no dimension, a
    reference outside it, a cell or row without a reference, prefixed tags): scan cell by cell."""
    pieces = _pieces(chunks, limits)
    first = next(pieces, b"")
    dimension = _DIMENSION.search(first)
    if _PREFIXED_ROOT.search(first) or not dimension:
        return False
    bounds = [_parse_ref(end) for end in dimension.group(1).decode("ascii", "replace").split(":")]
    if not bounds or None in bounds:
        return False
    rows, columns = max(bound[0] for bound in bounds), max(bound[1] for bound in bounds)
    check_shape(rows=rows, columns=columns, limits=limits)
    outside = _outside(rows, columns)
    for piece in itertools.chain([first], pieces):
        _check_runs(piece, limits)
        if (outside.search(piece) or not _referenced(piece)):
            return False
    return True


def _scan_sheet_quickly(chunks: Iterable[bytes], limits: Limits) -> bool:
    """Bound a worksheet by regular expressions over its bytes (a parser's callbacks take seconds per
    100,000 rows). False when some cell or row has no reference (its place is its position): the
    caller then scans it with the parser.

    Once a piece has been read exactly (the highest row and column of its cells), the rest are
    searched once each for a tag without its reference or a reference past the bounds those give
    within the limits (the highest column so far, and the rows the area limit allows with it): a
    piece with neither cannot take the sheet past a limit and is not read cell by cell. A piece
    with one is read exactly (a larger column lowers the rows allowed), so a sheet past a limit is
    refused with its exact highest row and column as before.
    """
    rows = columns = 0
    first = True
    within: re.Pattern[bytes] | None = None  # a tag without reference, or a cell past the safe bounds
    for piece in _pieces(chunks, limits):
        _check_runs(piece, limits)
        if first:
            first = False
            if _PREFIXED_ROOT.search(piece):
                return False
            dimension = _DIMENSION.search(piece)
            for end in (dimension.group(1).decode("ascii", "replace").split(":") if dimension else ()):
                parsed = _parse_ref(end)
                if parsed:
                    check_shape(rows=parsed[0], columns=parsed[1], limits=limits)
        if within is not None and not within.search(piece):
            continue
        # Every cell must carry its reference (calamine places a cell by it; rows then do not matter).
        if _UNREFERENCED.search(piece):
            return False
        letters = _CELL_COLUMN.findall(piece)
        if letters:
            rows = max(rows, max(map(int, _CELL_ROW.findall(piece))))
            columns = max(columns, max(map(column_number, {c.decode() for c in set(letters)})))
        check_shape(rows=rows, columns=columns, limits=limits)
        if columns:
            within = _beyond(min(limits.rows, limits.cells // columns), columns)
    return True


# A cell or row tag that does not start with its reference (for _scan_sheet_quickly: each of its
# cells then has exactly one reference, which _CELL_COLUMN and _CELL_ROW both read).
_UNREFERENCED_PATTERN = rb'<c (?!r="\$?[A-Z]{1,4}\$?\d{1,9}")|<row (?!r=")|<c/?>|<row/?>'
_UNREFERENCED = re.compile(_UNREFERENCED_PATTERN)


@functools.lru_cache(maxsize=16)
def _beyond(rows: int, columns: int) -> re.Pattern[bytes]:
    """A tag without its reference, or a reference past row ``rows`` or column ``columns``."""
    return re.compile(_UNREFERENCED_PATTERN + b"|" + _outside(rows, columns).pattern)


def _check_expanded(size: int, total: int, limits: Limits) -> None:
    if max(size, total) > limits.expanded_bytes:
        raise WorkbookRefused(_("表格文件解压后过大：最多 %(limit)s MB，本文件为 %(found)s MB。")
                              % {"limit": limits.expanded_bytes // (1024 * 1024),
                                 "found": max(size, total) // (1024 * 1024)}, reason="bomb")


def _parts(archive: zipfile.ZipFile, names: dict[str, str]) -> tuple[set[str], set[str]]:
    """The worksheets and shared-strings parts (lower-case names), from the workbook's relationships
    and the usual places, so a sheet kept under an unusual name is scanned too."""
    sheets = {name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml")}
    strings = {name for name in names if name.endswith("sharedstrings.xml")}
    for rels in [name for name in names if name.endswith(".rels")]:
        targets = _Targets()
        _parse(_member_chunks(archive, archive.getinfo(names[rels])), targets)
        base = posixpath.dirname(posixpath.dirname(rels))  # "xl/_rels/workbook.xml.rels" → "xl"
        for kind, found in ((sheets, targets.sheets), (strings, targets.strings)):
            for target in found:
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
                kind.add(posixpath.normpath(path).lower())
    return sheets, strings


def _member_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise WorkbookRefused(_("表格文件已损坏：%(error)s") % {"error": error}) from None


def check_xls_size(size: int, limits: Limits | None = None) -> None:
    """Refuse an .xls larger than the limit (it is read whole by calamine)."""
    limits = limits or Limits.from_settings()
    if size > limits.xls_bytes:
        raise WorkbookRefused(_(".xls 文件过大：最多 %(limit)s MB；请另存为 .xlsx 后上传。")
                              % {"limit": limits.xls_bytes // (1024 * 1024)}, reason="size")


def checked_csv_rows(rows: Iterator[list[str]], limits: Limits | None = None) -> Iterator[list[str]]:
    """``rows`` (a ``csv.reader``) as they are read, refused at the first row, column or cell past the
    limits (the reader's own field limit, 131,072 characters, counts as the cell limit too)."""
    limits = limits or Limits.from_settings()
    widest = 0
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                raise _text_too_long(limits) from None
            raise
        number += 1
        widest = max(widest, len(row))
        check_shape(rows=number, columns=widest, limits=limits)
        for cell in row:
            if len(cell) > limits.cell_chars:
                raise _text_too_long(limits)
        yield row
