"""Cells for the workbooks the platform writes (exports, reports, bulletins), in openpyxl's write-only mode.

Every text a user or a resident typed goes through ``text_cell``: spreadsheet programs take a
cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) for a formula, which
an attacker can use to run commands or leak data when a clerk opens the file (CSV/DDE
injection); such a text is written as a string cell with Excel's quote prefix. Characters Excel
refuses are dropped and the text is cut at Excel's limit per cell.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

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
