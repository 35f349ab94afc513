"""The workbook guard refuses hostile files before anything is materialised, quickly and in little memory."""

from __future__ import annotations

import resource
import time

import pytest

from gongzhi.core import workbooks
from gongzhi.registry.importing.reader import ImportFileError, read_grid
from tests import hostile


def _refusal(data: bytes, filename: str) -> str:
    started = time.monotonic()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImportFileError) as refused:
        read_grid(data, filename)
    assert time.monotonic() - started < 5
    # ru_maxrss is in KB: the peak of this process grew by less than 100 MB while refusing.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 100 * 1024
    return str(refused.value)


@pytest.mark.parametrize("make", [hostile.sparse_xlsx, hostile.lying_dimension_xlsx,
                                  hostile.missing_dimension_xlsx, hostile.huge_dimension_xlsx])
def test_a_cell_far_away_is_refused_naming_the_row_limit(make):
    assert _refusal(make(), "sheet.xlsx") == "表格行数过多：最多 300,000 行，本文件用到第 1,048,576 行。"


def test_a_far_column_is_refused_naming_the_column_limit():
    message = _refusal(hostile.lying_dimension_xlsx("XFD2"), "sheet.xlsx")
    assert message == "表格列数过多：最多 100 列，本文件用到第 16,384 列。"


@pytest.mark.parametrize("make", [hostile.huge_inline_string_xlsx, hostile.huge_shared_string_xlsx])
def test_a_huge_string_is_refused_naming_the_cell_limit(make):
    assert _refusal(make(), "sheet.xlsx") == "单元格内容过长：每个单元格最多 32,767 个字符。"


def test_a_600_mb_inline_string_in_a_small_file_is_refused():
    data = hostile.huge_inline_string_xlsx(600 * 1024 * 1024, compressible=True)
    assert len(data) < 1024 * 1024
    assert "解压后过大：最多 512 MB" in _refusal(data, "sheet.xlsx")


def test_a_zip_bomb_is_refused_by_its_compression_ratio():
    assert "压缩比异常（疑似压缩炸弹）：解压后最多为压缩大小的 100 倍" in _refusal(hostile.zip_bomb_xlsx(), "a.xlsx")


def test_too_many_zip_members_are_refused():
    assert "组成部分过多：最多 1,000 个" in _refusal(hostile.many_entries_xlsx(), "a.xlsx")


def test_the_dense_area_is_bounded(settings):
    settings.GONGZHI_IMPORT_MAX_CELLS = 1000
    message = _refusal(hostile.many_cells_xlsx(600, 2), "a.xlsx")
    assert message == "表格范围过大：行数 × 列数最多 1,000 个单元格，本文件为 1,202 个。"


def test_a_sheet_without_cell_references_is_bounded_by_its_positions(settings):
    """Cells without ``r`` sit where they come: the guard counts them with the XML parser."""
    row = "<row>" + "<c><v>1</v></c>" * 150 + "</row>"
    data = hostile.xlsx([hostile.header_row(), row], dimension="A1:B2")
    assert _refusal(data, "a.xlsx") == "表格列数过多：最多 100 列，本文件用到第 101 列。"


def test_a_document_type_declaration_is_refused():
    data = hostile.xlsx(['<!DOCTYPE x [<!ENTITY a "aaaa">]>', hostile.header_row()])
    assert "不允许的 XML 声明" in _refusal(data, "a.xlsx")


@pytest.mark.parametrize(("make", "message"), [
    (hostile.huge_csv, "表格行数过多：最多 300,000 行，本文件用到第 300,001 行。"),
    (hostile.wide_csv, "表格列数过多：最多 100 列，本文件用到第 20,002 列。"),
    (hostile.huge_cell_csv, "单元格内容过长：每个单元格最多 32,767 个字符。"),
])
def test_hostile_csv_is_refused_naming_the_limit(make, message):
    assert _refusal(make(), "a.csv") == message


def test_an_ordinary_sheet_passes_and_reads():
    data = hostile.many_cells_xlsx(50, 3)
    workbooks.check_xlsx(data)
    grid = read_grid(data, "a.xlsx")
    assert len(grid) == 51 and grid[1] == [1.0, 2.0, 3.0]


def test_an_xls_is_bounded_by_its_size(settings):
    settings.GONGZHI_WORKBOOK_MAX_XLS_MB = 1
    assert ".xls 文件过大：最多 1 MB" in _refusal(b"\xd0\xcf\x11\xe0" + b"\0" * (2 * 1024 * 1024), "a.xls")


def test_a_dimension_that_understates_the_sheet_is_not_trusted(settings):
    """A1:B2 declared, a cell at E5: the area read from A1 is 5 × 5, not 2 × 2."""
    settings.GONGZHI_IMPORT_MAX_CELLS = 10
    data = hostile.xlsx([hostile.header_row(), f'<row r="5">{hostile.inline_cell("E5", "x")}</row>'],
                        dimension="A1:B2")
    assert _refusal(data, "a.xlsx") == "表格范围过大：行数 × 列数最多 10 个单元格，本文件为 25 个。"


def test_a_harmless_wrong_dimension_still_reads():
    data = hostile.xlsx([hostile.header_row(), f'<row r="3">{hostile.inline_cell("C3", "张三")}</row>'],
                        dimension="A1")
    assert read_grid(data, "a.xlsx") == [["姓名", "身份证号", ""], ["", "", ""], ["", "", "张三"]]


def test_a_cell_placed_by_its_row_cannot_hide_behind_text_that_looks_like_a_reference():
    """A cell without ``r`` in row 1,048,576, and text holding ` r="A1"` to even out a count of
    references: the guard does not trust counts of text; the sheet is parsed and refused."""
    far = '<row r="1048576"><c t="inlineStr"><is><t> r="A1" </t></is></c></row>'
    data = hostile.xlsx([hostile.header_row(), far], dimension="A1:B2")
    assert _refusal(data, "a.xlsx") == "表格行数过多：最多 300,000 行，本文件用到第 1,048,576 行。"


def test_references_written_after_other_attributes_are_read_by_the_parser():
    row = '<row spans="1:2" r="2"><c t="inlineStr" r="B2"><is><t>张三</t></is></c></row>'
    data = hostile.xlsx([hostile.header_row(), row], dimension="A1:B2")
    assert read_grid(data, "a.xlsx") == [["姓名", "身份证号"], ["", "张三"]]


def test_too_many_shared_strings_are_refused(settings):
    settings.GONGZHI_IMPORT_MAX_CELLS = 1000
    data = hostile.xlsx([hostile.header_row()], shared_strings=["<si><t>x</t></si>"] * 1001, dimension="A1:B1")
    assert _refusal(data, "a.xlsx") == "表格文件的共享文本过多：最多 1,000 条。"


def _long_sheet(last_row: str, rows: int = 3000) -> bytes:
    """``rows`` ordinary rows (several 64 KB pieces, no dimension) and then ``last_row``."""
    body = [f'<row r="{n}">{hostile.inline_cell(f"A{n}", "张三")}{hostile.inline_cell(f"B{n}", "李四")}</row>'
            for n in range(2, rows + 2)]
    return hostile.xlsx([hostile.header_row(), *body, last_row])


@pytest.mark.parametrize(("last", "message"), [
    ('<row r="3002"><c r="CW3002"><v>1</v></c></row>', "表格列数过多：最多 100 列，本文件用到第 101 列。"),
    ('<row r="300001"><c r="A300001"><v>1</v></c></row>', "表格行数过多：最多 300,000 行，本文件用到第 300,001 行。"),
    # 60 columns are allowed, but 60 × 3,002 cells pass the area limit of 150,000.
    ('<row r="3002"><c r="BH3002"><v>1</v></c></row>', "表格范围过大：行数 × 列数最多 150,000 个单元格，本文件为 180,120 个。"),
    # Cells without their reference after thousands with one: placed by position, so the sheet is
    # parsed (which stops at the 50th of them: 50 × 3,002 cells).
    ('<row r="3002">' + "<c><v>1</v></c>" * 101 + "</row>", "表格范围过大：行数 × 列数最多 150,000 个单元格，本文件为 150,100 个。"),
])
def test_a_cell_past_the_limits_late_in_a_long_sheet_is_refused_exactly(settings, last, message):
    """The quick scan reads the first piece cell by cell and only searches the later ones for a
    reference past the bounds it allows: a late cell beyond them is read exactly and refused."""
    settings.GONGZHI_IMPORT_MAX_CELLS = 150_000
    data = _long_sheet(last)
    with pytest.raises(workbooks.WorkbookRefused) as refused:
        workbooks.check_xlsx(data)
    assert str(refused.value) == message


def test_a_long_sheet_within_the_limits_passes_the_quick_scan(settings, monkeypatch):
    settings.GONGZHI_IMPORT_MAX_CELLS = 150_000
    monkeypatch.setattr(workbooks, "_SheetScan", lambda *args: pytest.fail("the quick scan sufficed"))
    exact = []
    monkeypatch.setattr(workbooks, "_CELL_ROW", _Counting(workbooks._CELL_ROW, exact))
    workbooks.check_xlsx(_long_sheet('<row r="3002"><c r="AW3002"><v>1</v></c></row>'))  # 49 × 3,002 < 150,000
    assert 1 <= len(exact) <= 3  # the first piece and the one with the wider cell, not every piece


class _Counting:
    def __init__(self, pattern, calls: list) -> None:
        self.pattern, self.calls = pattern, calls

    def findall(self, piece: bytes) -> list:
        self.calls.append(len(piece))
        return self.pattern.findall(piece)
