"""Sheets built in tests for the resident importer."""

from __future__ import annotations

import io

from openpyxl import Workbook

COMMUNITY = "341702001001"
HEADERS = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "民族", "现住址"]


def xlsx_bytes(rows: list[list], *, title_rows: int = 0) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` (the first being the header) below merged title rows."""
    workbook = Workbook()
    sheet = workbook.active
    for n in range(title_rows):
        sheet.append(["幸福社区人员花名册" if n == 0 else None])
        sheet.merge_cells(start_row=n + 1, start_column=1, end_row=n + 1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows).encode(encoding)
