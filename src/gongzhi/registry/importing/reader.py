"""Reading a resident sheet (.xlsx, .xls, .csv) into header-mapped rows of cleaned cell text.

Ledgers arrive with merged title rows, blank rows, full-width digits, date cells and ID numbers
that Excel has already turned into numbers. The reader finds the header row itself, maps the
column names through synonyms and normalises text, but it never repairs an ID number: a
number Excel has rounded cannot be recovered, so it is flagged for the validator to report.
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from gongzhi.core import workbooks

# Field → the column names ledgers use for it (compared after normalise_header).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "real_name": ("姓名", "名字"),
    "id_number": ("身份证号", "公民身份号码", "证件号码", "身份证号码", "身份证"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日"),
    "phone": ("联系电话", "手机号", "电话", "手机", "手机号码", "电话号码"),
    "ethnicity": ("民族",),
    "registration": ("户籍类型", "户籍性质", "户籍类别"),
    "residence_status": ("居住状态", "人员类型"),
    "political_status": ("政治面貌",),
    "education": ("文化程度", "学历"),
    "employment": ("就业状况", "就业情况"),
    "address": ("现住址", "住址", "地址", "居住地址"),
    "tags": ("特殊人群", "标签", "人员标签", "重点人群"),
    "household_number": ("户号", "户编号", "户口编号", "户籍号", "家庭户号"),
    "relation_to_head": ("与户主关系", "与户主的关系", "关系", "家庭关系"),
}
# Columns whose cells are mostly distinct: every other column's text cells (one of a few choices, an
# address or household number shared by a household's members, a birth date, a common name) are
# normalised once per distinct value.
DISTINCT_VALUE_COLUMNS = frozenset({"id_number", "phone"})
BLOCK_ROWS = 5000  # sheet rows mapped at a time by Sheet.blocks
HEADER_OF = {normal: name for name, names in COLUMN_SYNONYMS.items() for normal in names}
MIN_HEADER_MATCHES = 2
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.IGNORECASE)


class ImportFileError(Exception):
    """The file as a whole cannot be read; no row can be checked."""


@dataclass(frozen=True)
class Mangled:
    """An ID cell that Excel has turned into a number: what it shows, never a guess at the digits."""

    shown: str


@dataclass
class SheetRow:
    """One data row: its number as in the sheet and the cleaned value of each mapped field."""

    number: int
    values: dict[str, Any]


@dataclass
class CellBlock:
    """Consecutive data rows of a sheet, column by column: their numbers and each mapped field's cells."""

    numbers: list[int]  # as in the sheet
    columns: dict[str, list[Any]]  # field → the cleaned cell of each row, in the order of ``numbers``

    def __len__(self) -> int:
        return len(self.numbers)

    def rows(self) -> Iterator[SheetRow]:
        names = list(self.columns)
        for number, values in zip(self.numbers, zip(*self.columns.values())):
            yield SheetRow(number=number, values=dict(zip(names, values)))


@dataclass
class Sheet:
    """A read sheet: every original row (for the error report) and the mapped data rows."""

    grid: list[list[Any]]
    header_index: int
    headers: dict[str, str]  # field → column header as the sheet spells it
    rows: list[SheetRow] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)  # field → column index

    def count_rows(self) -> int:
        """How many data rows ``blocks`` will give (a row is blank when its mapped cells are)."""
        positions = list(self.positions.values())
        return sum(1 for row in self.grid[self.header_index + 1:]
                   if any(not _blank(row[position]) for position in positions if position < len(row)))

    def blocks(self, size: int = BLOCK_ROWS, first: int | None = None) -> Iterator[CellBlock]:
        """The data rows below the header, ``size`` sheet rows at a time (``first`` in the first block,
        if given), mapped and cleaned column by column; blank rows are left out (a block may be empty)."""
        grid = self.grid
        names = list(self.positions)
        pick = operator.itemgetter(*self.positions.values(), 0)  # the 0: a tuple even for one column
        width = max(self.positions.values()) + 1
        memos: dict[str, dict[str, Any]] = {name: {} for name in names if name not in DISTINCT_VALUE_COLUMNS}
        begin = self.header_index + 1
        starts = [begin, *range(begin + first, len(grid), size)] if first else range(begin, len(grid), size)
        for start, end in zip(starts, [*starts[1:], len(grid)]):
            rows = [row if len(row) >= width else [*row, *[""] * (width - len(row))] for row in grid[start:end]]
            cells_of = zip(*map(pick, rows))
            columns = {name: _mapped(name, list(cells), memos.get(name)) for name, cells in zip(names, cells_of)}
            numbers = list(range(start + 1, start + 1 + len(rows)))
            blank = [not any(values) for values in zip(*columns.values())]  # a mapped cell is "" or truthy
            if any(blank):
                kept = [index for index, is_blank in enumerate(blank) if not is_blank]
                numbers = [numbers[index] for index in kept]
                columns = {name: [cells[index] for index in kept] for name, cells in columns.items()}
            yield CellBlock(numbers=numbers, columns=columns)

    def iter_rows(self) -> Iterator[SheetRow]:
        """The data rows below the header, mapped and cleaned, blank rows left out."""
        for block in self.blocks():
            yield from block.rows()

    def column(self, name: str) -> str:
        """The header the sheet uses for ``name`` (the template's name if the column is absent)."""
        return self.headers.get(name) or COLUMN_SYNONYMS[name][0]


def _mapped(name: str, cells: list[Any], memo: dict[str, Any] | None) -> list[Any]:
    """``cell_value`` of each cell; text cells through ``memo`` (filled as needed) when given."""
    if memo is None:
        return [cell_value(name, cell) for cell in cells]
    for cell in set(cells):
        if type(cell) is str and cell not in memo:
            memo[cell] = cell_value(name, cell)
    try:
        return list(map(memo.__getitem__, cells))  # every cell is text: the usual case
    except KeyError:  # numbers and dates are not memoised (1, 1.0 and True are equal keys)
        return [memo[cell] if type(cell) is str else cell_value(name, cell) for cell in cells]


def normalise_text(value: str) -> str:
    """NFKC (full-width → half-width) and trimmed, inner runs of blanks collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def normalise_header(value: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", normalise_text(str(value or "")))


def read_grid(data: bytes, filename: str) -> list[list[Any]]:
    """All cells of the first sheet (or the CSV) as raw values, row by row from the top.

    The file is bounded first (``gongzhi.core.workbooks``: rows, columns, the area read from A1,
    text per cell, and for .xlsx its zip): past a limit, ``ImportFileError`` names it, before any
    cell is materialised.
    """
    name = filename.lower()
    try:
        if name.endswith(".csv"):
            return _read_csv(data)
        if name.endswith(SPREADSHEET_SUFFIXES):
            return _read_spreadsheet(data)
    except workbooks.WorkbookRefused as refused:
        raise ImportFileError(str(refused)) from None
    raise ImportFileError(_("不支持的文件类型：请上传 .xlsx、.xls 或 .csv 文件。"))


def _read_spreadsheet(data: bytes) -> list[list[Any]]:
    if data[:4] == b"PK\x03\x04":  # a zip: .xlsx or .xlsm (calamine reads by content, whatever the name)
        workbooks.check_xlsx(data)
    else:  # .xls (BIFF): read whole by calamine, so bounded by its size, then by the sheet's
        workbooks.check_xls_size(len(data))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        # The dense grid from A1 is bounded: the zip's cells were checked above; an .xls sheet here.
        workbooks.check_shape(rows=sheet.total_height, columns=sheet.total_width,
                              limits=workbooks.Limits.from_settings())
        # skip_empty_area=False keeps the sheet's own row and column numbers (rows start at A1).
        # It gives a list of lists already (copying 100,000 rows again cost 0.4 s).
        grid = sheet.to_python(skip_empty_area=False)
        return grid if type(grid) is list and all(type(row) is list for row in grid[:1]) else [
            list(row) for row in grid]
    except (CalamineError, ValueError, IndexError) as error:
        if isinstance(error, workbooks.WorkbookRefused):
            raise
        raise ImportFileError(_("无法读取表格文件：%(error)s") % {"error": error}) from None


def _read_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return [list(row) for row in workbooks.checked_csv_rows(csv.reader(io.StringIO(text, newline="")))]
        except csv.Error as error:
            raise ImportFileError(_("无法读取 CSV 文件：%(error)s") % {"error": error}) from None
    raise ImportFileError(_("无法识别 CSV 文件的编码：请保存为 UTF-8 或 GB18030。"))


def find_header(grid: list[list[Any]]) -> tuple[int, dict[str, int], dict[str, str]]:
    """The first row where at least two cells name known columns: (index, field → column, field → header)."""
    for index, row in enumerate(grid):
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position, cell in enumerate(row):
            name = HEADER_OF.get(normalise_header(cell))
            if name and name not in columns:
                columns[name] = position
                headers[name] = normalise_text(str(cell))
        if len(columns) >= MIN_HEADER_MATCHES:
            return index, columns, headers
    raise ImportFileError(_("找不到表头：至少需要“姓名”“身份证号”等两个可识别的列名。"))


def cell_value(name: str, value: Any) -> Any:
    """A raw cell made comparable: text normalised, dates kept as dates, mangled IDs flagged."""
    if type(value) is str and value.isascii():  # NFKC leaves ASCII as it is: the common case, made cheap
        text = " ".join(value.split())
        if name == "id_number" and _SCIENTIFIC.fullmatch(text.replace(" ", "")):
            return Mangled(text)
        return text
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if name == "id_number" and (not float(value).is_integer() or abs(value) >= 10 ** 15):
            # Excel keeps 15 significant digits: an 18-digit number in a numeric cell is already rounded.
            return Mangled(f"{value:.5E}" if isinstance(value, float) else str(value))
        return str(int(value)) if float(value).is_integer() else str(value)
    text = normalise_text(str(value))
    if name == "id_number" and _SCIENTIFIC.fullmatch(text.replace(" ", "")):
        return Mangled(text)
    return text


def _blank(cell: Any) -> bool:
    return cell is None or type(cell) is str and not cell.strip()


def open_sheet(data: bytes, filename: str) -> Sheet:
    """Read ``data`` and find its header; the rows are mapped as ``blocks`` (or ``iter_rows``) go.

    Raises ``ImportFileError`` when the file cannot be read or has no recognisable header.
    """
    grid = read_grid(data, filename)
    header_index, columns, headers = find_header(grid)
    return Sheet(grid=grid, header_index=header_index, headers=headers, positions=columns)


def read_sheet(data: bytes, filename: str) -> Sheet:
    """``open_sheet`` with every data row mapped into ``rows``."""
    sheet = open_sheet(data, filename)
    sheet.rows = list(sheet.iter_rows())
    return sheet
