"""Cells for the workbooks the platform writes (exports, reports, bulletins), in openpyxl's write-only mode.

Every text a user or a resident typed goes through ``text_cell``: spreadsheet programs take a
cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) for a formula, which
an attacker can use to run commands or leak data when a clerk opens the file (CSV/DDE
injection); such a text is written as a string cell with Excel's quote prefix. Characters Excel
refuses are dropped and the text is cut at Excel's limit per cell.

Every workbook is created by ``new_workbook`` (a test forbids ``openpyxl.Workbook`` anywhere
else), which guards what ``text_cell`` may have been forgotten for: a write-only sheet passes
every formula-like text appended to it through ``text_cell``; a normal workbook turns any formula cell into
quoted text when it is saved. No workbook the platform writes holds a formula.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MAX_CELL_CHARS = 32_767  # Excel's limit per cell
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def text_cell(ws, value: Any):
    """A cell that always holds text: never a formula, no characters Excel refuses."""
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value if value is not None else ""))[:MAX_CELL_CHARS]
    if not value.startswith(FORMULA_PREFIXES):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
    cell.quotePrefix = True  # and Excel shows it as typed text ('=…), also after editing the cell
    return cell


def date_cell(ws, value: datetime.date | None, *, empty: Any = None):
    if value is None:
        return empty
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def moment_cell(ws, value: datetime.datetime | None, *, empty: Any = None, number_format: str = DATETIME_FORMAT):
    """A date and time in the platform's time zone (Excel has no time zones), to the second.

    An aware ``value`` is converted to the platform's time zone; a naive one is taken as already in it.
    """
    if value is None:
        return empty
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None, microsecond=0))
    cell.number_format = number_format
    return cell


def bold_row(ws, values: Iterable[Any]) -> list:
    """A header row: every value as bold text."""
    bold = Font(bold=True)
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=str(value))
        cell.font = bold
        cells.append(cell)
    return cells


def table_sheet(wb, *, title: str, headers: Sequence[str], widths: Sequence[int], items: Iterable[Any],
                row: Callable[[Any, Any], list], empty: str, on_progress: Callable[[int], None] | None = None,
                every: int = 2000) -> int:
    """A sheet of one row per item (``row(ws, item)``) under bold, frozen headers; return the count.

    ``empty`` is written as the only row when there are no items. ``on_progress(rows written)`` is
    called every ``every`` rows and at the end.
    """
    ws = wb.create_sheet(title=title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"  # must be set before the first row in write-only mode
    ws.append(bold_row(ws, headers))
    count = 0
    for item in items:
        ws.append(row(ws, item))
        count += 1
        if on_progress is not None and count % every == 0:
            on_progress(count)
    if count == 0:
        ws.append([empty])
    if on_progress is not None:
        on_progress(count)
    return count


def info_sheet(wb, rows: Iterable[tuple[str, Any]], *, title: str, headers: Sequence[str]) -> None:
    """A two-column sheet of (label, value): who exported what, when, with which filters."""
    info = wb.create_sheet(title=title)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 60
    info.append(bold_row(info, headers))
    for label, value in rows:
        if isinstance(value, datetime.datetime):
            cell = moment_cell(info, value)
        elif isinstance(value, int):
            cell = value
        else:
            cell = text_cell(info, value)
        info.append([text_cell(info, label), cell])


class GuardedWorkbook(Workbook):
    """An openpyxl workbook that cannot carry a formula (see the module docstring)."""

    def create_sheet(self, title=None, index=None):
        ws = super().create_sheet(title, index)
        if self.write_only:
            append = ws.append

            def append_as_text(row):
                # Only texts openpyxl would take for a formula: the rest is written as it is (fast).
                append([text_cell(ws, value) if isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
                        else value for value in row])

            ws.append = append_as_text
        return ws

    def save(self, filename) -> None:
        if not self.write_only:
            for ws in self.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        if cell.data_type == "f":  # a text that openpyxl took for a formula
                            cell.data_type = "s"
                            cell.quotePrefix = True
        super().save(filename)


def new_workbook(*, write_only: bool = False) -> GuardedWorkbook:
    """The only way the platform creates a workbook to write."""
    return GuardedWorkbook(write_only=write_only)
