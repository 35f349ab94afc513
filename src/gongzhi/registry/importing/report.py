"""Workbooks handed to users: the error report (their own sheet with reasons) and the blank template."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from gongzhi.core.spreadsheets import new_workbook, text_cell

from .reader import COLUMN_SYNONYMS, read_grid
from .validate import CHOICE_FIELDS, RowError

REASON_HEADER = "错误原因"
FAILED_FILL = PatternFill("solid", fgColor="FFF2CC")
# The template's columns: (field, header); every header is the first synonym the reader knows.
TEMPLATE_FIELDS = ("real_name", "id_number", "gender", "birth_date", "phone", "ethnicity", "registration",
                   "residence_status", "political_status", "education", "employment", "address",
                   "household_number", "relation_to_head", "tags")
OPTIONS_SHEET = "选项"


def write_error_report(*, data: bytes, filename: str, header_row: int, errors: list[RowError], out: IO[bytes]) -> None:
    """The original sheet, row for row and column for column, with a "错误原因" column for failed rows.

    ``header_row`` is the header's row number as in the sheet (1-based); the reasons of a row are
    joined as "column: reason; …". The clerk's own values are written back as text (``text_cell``):
    a name typed as ``=HYPERLINK(…)`` must not come back as a live formula.
    """
    grid = read_grid(data, filename)
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        reasons[error.row].append(f"{error.column}：{error.message}")
    width = max((len(row) for row in grid), default=0)
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = _("导入结果")
    for index, row in enumerate(grid, start=1):
        cells = list(row) + [""] * (width - len(row))
        if index == header_row:
            cells.append(REASON_HEADER)
        elif index in reasons:
            cells.append("；".join(reasons[index]))
        sheet.append([None if value == "" else text_cell(sheet, value) if isinstance(value, str) else value
                      for value in cells])
        if index in reasons:
            for cell in sheet[index]:
                cell.fill = FAILED_FILL
    sheet.cell(row=header_row, column=width + 1).font = Font(bold=True, color="C00000")
    sheet.column_dimensions[sheet.cell(row=1, column=width + 1).column_letter].width = 60
    workbook.save(out)


def write_template(out: IO[bytes]) -> None:
    """A blank import sheet with Chinese headers and drop-down lists for the coded columns.

    The lists live on a hidden sheet: a list typed into the validation itself may not exceed
    255 characters, which the 56 民族 do.
    """
    workbook = new_workbook()
    sheet = workbook.active
    sheet.title = _("人员信息")
    headers = [COLUMN_SYNONYMS[name][0] for name in TEMPLATE_FIELDS]
    sheet.append([text_cell(sheet, header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    options = workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    list_count = 0
    for position, name in enumerate(TEMPLATE_FIELDS, start=1):
        letter = sheet.cell(row=1, column=position).column_letter
        sheet.column_dimensions[letter].width = 22 if name in ("id_number", "address", "tags") else 14
        if name in ("id_number", "phone", "birth_date", "household_number"):
            # Text format keeps Excel from turning ID numbers and phones into numbers.
            for row in range(2, 1002):
                sheet.cell(row=row, column=position).number_format = "@"
        if name not in CHOICE_FIELDS:
            continue
        labels = [str(label) for label in CHOICE_FIELDS[name].labels]
        list_count += 1
        column = options.cell(row=1, column=list_count).column_letter
        options[f"{column}1"] = headers[position - 1]
        for row, label in enumerate(labels, start=2):
            options[f"{column}{row}"] = label
        validation = DataValidation(type="list", formula1=f"={OPTIONS_SHEET}!${column}$2:${column}${len(labels) + 1}",
                                    allow_blank=True, showErrorMessage=True,
                                    errorTitle=_("请从下拉列表中选择"), error=_("请从下拉列表中选择一项。"))
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}10000")
    sheet.freeze_panes = "A2"
    workbook.save(out)
