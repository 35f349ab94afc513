"""The audit log as an Excel workbook (台账 style): one row per entry, Chinese headers.

openpyxl's write-only mode streams rows to temporary files, so memory stays flat however many
entries are exported; a sheet holds at most ``ROWS_PER_SHEET`` rows and the export continues
on the next sheet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .models import AuditEntry

ROWS_PER_SHEET = 1_000_000  # Excel's limit is 1,048,576 rows
MAX_CELL_CHARS = 32_767  # Excel's limit per cell
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def headers() -> list[str]:
    return [
        _("序号"), _("时间"), _("操作人账号"), _("角色"), _("区域代码"), _("IP 地址"), _("客户端"),
        _("操作"), _("结果"), _("对象类型"), _("对象标识"), _("对象"), _("变更前"), _("变更后"),
        _("事由"), _("哈希"),
    ]


COLUMN_WIDTHS = [8, 20, 14, 14, 16, 16, 30, 22, 8, 18, 12, 30, 40, 40, 30, 20]


def _json(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def _text(ws, value: str):
    """A cell that always holds text: never a formula, no characters Excel refuses."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value or "")[:MAX_CELL_CHARS]
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
    return cell


def _row(ws, entry: AuditEntry, ok: str, failed: str) -> list:
    at = WriteOnlyCell(ws, value=timezone.localtime(entry.at).replace(tzinfo=None, microsecond=0))
    at.number_format = DATETIME_FORMAT
    return [
        entry.seq,
        at,
        _text(ws, entry.actor_name),
        _text(ws, entry.role_label),
        _text(ws, entry.area_code),
        entry.ip or "",
        _text(ws, entry.user_agent),
        _text(ws, entry.action),
        ok if entry.success else failed,
        _text(ws, entry.object_type),
        _text(ws, entry.object_id),
        _text(ws, entry.object_repr),
        _text(ws, _json(entry.before)),
        _text(ws, _json(entry.after)),
        _text(ws, entry.reason),
        entry.hash,
    ]


def _new_sheet(wb: Workbook, number: int):
    title = _("审计日志") if number == 1 else f"{_('审计日志')} {number}"
    ws = wb.create_sheet(title=title)
    for index, width in enumerate(COLUMN_WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in headers():
        cell = WriteOnlyCell(ws, value=label)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    return ws


def write_workbook(entries: Iterable[AuditEntry], out: IO[bytes]) -> int:
    """Write ``entries`` to ``out`` as .xlsx; return the number of rows written."""
    wb = Workbook(write_only=True)
    sheets = 1
    ws = _new_sheet(wb, sheets)
    ok, failed = _("成功"), _("失败")
    count = in_sheet = 0
    for entry in entries:
        if in_sheet == ROWS_PER_SHEET:
            sheets += 1
            ws = _new_sheet(wb, sheets)
            in_sheet = 0
        ws.append(_row(ws, entry, ok, failed))
        count += 1
        in_sheet += 1
    wb.save(out)
    return count
