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
from django.utils.translation import gettext as _

from gongzhi.core.spreadsheets import GuardedWorkbook, bold_row, moment_cell, new_workbook, text_cell

from .models import AuditEntry

ROWS_PER_SHEET = 1_000_000  # Excel's limit is 1,048,576 rows
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def headers() -> list[str]:
    return [
        _("序号"), _("时间"), _("操作人账号"), _("角色"), _("区域代码"), _("IP 地址"), _("客户端"),
        _("操作"), _("结果"), _("对象类型"), _("对象标识"), _("对象"), _("变更前"), _("变更后"),
        _("事由"), _("哈希"), _("操作代码"),
    ]


COLUMN_WIDTHS = [8, 20, 14, 14, 16, 16, 30, 22, 8, 18, 12, 30, 40, 40, 30, 20, 24]


def object_type_label(code: str) -> str:
    """The object type by its Chinese name (the model's verbose name) when it names a model; the code
    otherwise (the stored code stays the record: the name is for the reader)."""
    from django.apps import apps

    try:
        return str(apps.get_model(code)._meta.verbose_name) if code else ""
    except (LookupError, ValueError):
        return code


def _json(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def _row(ws, entry: AuditEntry, ok: str, failed: str) -> list:
    return [
        entry.seq,
        moment_cell(ws, entry.at, number_format=DATETIME_FORMAT),
        text_cell(ws, entry.actor_name),
        text_cell(ws, entry.role_label),
        text_cell(ws, entry.area_code),
        entry.ip or "",
        text_cell(ws, entry.user_agent),
        text_cell(ws, entry.action_label),
        ok if entry.success else failed,
        text_cell(ws, object_type_label(entry.object_type)),
        text_cell(ws, entry.object_id),
        text_cell(ws, entry.object_repr),
        text_cell(ws, _json(entry.before)),
        text_cell(ws, _json(entry.after)),
        text_cell(ws, entry.reason),
        entry.hash,
        text_cell(ws, entry.action),  # the stable code, for filtering in the spreadsheet
    ]


def _new_sheet(wb: GuardedWorkbook, number: int):
    title = _("审计日志") if number == 1 else f"{_('审计日志')} {number}"
    ws = wb.create_sheet(title=title)
    for index, width in enumerate(COLUMN_WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    ws.append(bold_row(ws, headers()))
    return ws


def write_workbook(entries: Iterable[AuditEntry], out: IO[bytes]) -> int:
    """Write ``entries`` to ``out`` as .xlsx; return the number of rows written."""
    wb = new_workbook(write_only=True)
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
