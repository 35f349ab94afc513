"""The cells every workbook is written with: typed text stays text, times are local, headers bold."""

import datetime
import io
import zoneinfo

import pytest
from openpyxl import Workbook, load_workbook

from gongzhi.core.spreadsheets import MAX_CELL_CHARS, bold_row, date_cell, moment_cell, text_cell


def round_trip(build) -> list:
    """Write one row with ``build(ws)`` in write-only mode, read the saved file back."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    ws.append(build(ws))
    out = io.BytesIO()
    wb.save(out)
    return list(load_workbook(io.BytesIO(out.getvalue()))["t"].iter_rows())[0]


@pytest.mark.parametrize("typed", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd",
                                   "=HYPERLINK(\"http://x\",\"点\")"])
def test_formula_like_text_is_written_as_text(typed):
    cell = round_trip(lambda ws: [text_cell(ws, typed)])[0]

    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == typed.replace("\r", "\n")  # XML reads a carriage return back as a line feed


def test_plain_text_numbers_and_none():
    cells = round_trip(lambda ws: [text_cell(ws, "幸福路88号"), text_cell(ws, 0), text_cell(ws, None)])

    assert [c.value for c in cells] == ["幸福路88号", "0", None]  # an empty string cell reads back as nothing
    assert cells[0].data_type == "s" and not cells[0].quotePrefix


def test_characters_excel_refuses_are_dropped_and_long_text_is_cut():
    cells = round_trip(lambda ws: [text_cell(ws, "a\x00b\x07c"), text_cell(ws, "长" * (MAX_CELL_CHARS + 10))])

    assert cells[0].value == "abc"
    assert len(cells[1].value) == MAX_CELL_CHARS


def test_moments_are_written_in_the_platforms_time_zone_to_the_second(settings):
    utc = datetime.datetime(2026, 12, 4, 16, 30, 5, 999, tzinfo=zoneinfo.ZoneInfo("UTC"))
    naive_local = datetime.datetime(2026, 12, 5, 0, 30, 5, 123)

    cells = round_trip(lambda ws: [moment_cell(ws, utc), moment_cell(ws, naive_local), moment_cell(ws, None, empty="—"),
                                   date_cell(ws, datetime.date(2026, 12, 5))])

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert cells[0].value == datetime.datetime(2026, 12, 5, 0, 30, 5) and cells[0].number_format == "yyyy-mm-dd hh:mm"
    assert cells[1].value == datetime.datetime(2026, 12, 5, 0, 30, 5)
    assert cells[2].value == "—"
    assert cells[3].value == datetime.datetime(2026, 12, 5) and cells[3].number_format == "yyyy-mm-dd"


def test_header_rows_are_bold_text():
    cells = round_trip(lambda ws: bold_row(ws, ["编号", 2]))

    assert [c.value for c in cells] == ["编号", "2"] and all(c.font.bold for c in cells)


def _formula_cells(data: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(data))
    return [cell.coordinate for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
            if cell.data_type == "f"]


def test_a_workbook_from_new_workbook_holds_no_formula_even_when_text_cell_is_forgotten():
    from gongzhi.core.spreadsheets import new_workbook

    streamed = new_workbook(write_only=True)
    ws = streamed.create_sheet("t")
    ws.append(["=1+1", "+cmd|' /C calc'!A0", 3])  # raw values: no text_cell
    out = io.BytesIO()
    streamed.save(out)
    assert _formula_cells(out.getvalue()) == []
    assert [c.value for c in load_workbook(io.BytesIO(out.getvalue()))["t"][1]] == ["=1+1", "+cmd|' /C calc'!A0", 3]

    edited = new_workbook()
    edited.active["A1"] = "=HYPERLINK(\"http://evil.example\")"
    edited.active.append(["@SUM(A1)"])
    edited.active.cell(row=3, column=1, value="=2+2")
    out = io.BytesIO()
    edited.save(out)
    assert _formula_cells(out.getvalue()) == []


def test_no_code_creates_a_workbook_except_through_new_workbook():
    """Every workbook the platform writes comes from core.spreadsheets.new_workbook (the guard above)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]  # src/gongzhi
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path == root / "core" / "spreadsheets.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
                if any(alias.name in ("Workbook", "workbook") for alias in node.names):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} imports openpyxl's Workbook")
            if isinstance(node, ast.Attribute) and node.attr == "Workbook":
                offenders.append(f"{path.relative_to(root)}:{node.lineno} uses openpyxl.Workbook")
            if isinstance(node, ast.Import) and any(alias.name.startswith("xlsxwriter") for alias in node.names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno} imports xlsxwriter")
    assert offenders == []
