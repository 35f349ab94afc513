"""Households (户) from the sheet: rows sharing a 户号 form one household, 户主 is its head."""

import io

import pytest
from openpyxl import load_workbook

from gongzhi.areas.models import Area
from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.importing.report import write_template
from gongzhi.registry.models import House, Household, ImportRowChange, Person

from .factories import GRID, make_id
from .import_helpers import COMMUNITY, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "现住址", "户号", "与户主关系"]
ADDRESS = "幸福路88号阳光小区3栋2单元501室"


def ids(n):
    return [make_id("341702", f"19{60 + k:02d}0510", f"{201 + 2 * k:03d}") for k in range(n)]


def run(rows, headers=HEADERS, **options):
    options.setdefault("area_code", COMMUNITY)
    return import_residents(actor=None, data=xlsx_bytes([headers, *rows]), filename="people.xlsx", **options)


@pytest.fixture
def house(demo):
    return House.objects.create(area=Area.objects.get(code=GRID), address=ADDRESS)


def family(numbers):
    return [["张三", numbers[0], ADDRESS, "H0001", "户主"],
            ["李四", numbers[1], ADDRESS, "H0001", "妻子"],
            ["张小三", numbers[2], "", "H0001", "子女"],
            ["王五", numbers[3], "", "H0002", "户主"],
            ["王奶奶", numbers[4], "", "H0002", "（外）祖父母"]]


def test_rows_with_the_same_household_number_form_one_household_headed_by_its_head(house):
    numbers = ids(5)
    report = run(family(numbers))
    assert report.failed == 0 and report.created == 5
    assert (report.households_created, report.households_updated) == (2, 0)
    first = Household.objects.get(number="H0001")
    zhang = Person.objects.with_id_number(numbers[0]).get()
    assert first.head == zhang and first.house == house and first.area.code == COMMUNITY
    assert first.district_code == COMMUNITY[:6]
    assert sorted(first.members.values_list("real_name", "relation_to_head")) == [
        ("张三", "head"), ("张小三", "child"), ("李四", "spouse")]
    second = Household.objects.get(number="H0002")
    assert second.head.real_name == "王五" and second.house is None
    assert Person.objects.get(real_name="王奶奶").relation_to_head == "grandparent"


def test_importing_the_same_households_again_changes_nothing(house):
    rows = family(ids(5))
    run(rows)
    again = run(rows)
    assert again.counts() == {"rows": 5, "created": 0, "updated": 0, "unchanged": 5, "failed": 0}
    assert (again.households_created, again.households_updated) == (0, 0)
    assert Household.objects.count() == 2 and not ImportRowChange.objects.exists()


def test_header_synonyms_for_household_number_and_relation(demo):
    numbers = ids(2)
    report = run([["张三", numbers[0], "8801", "本人"], ["李四", numbers[1], "8801", "配偶"]],
                 headers=["姓名", "身份证号", "户编号", "与户主的关系"])
    assert report.failed == 0
    household = Household.objects.get(number="8801")
    assert household.head.real_name == "张三" and household.members.count() == 2


def test_unknown_relation_fails_the_row_with_a_chinese_reason(demo):
    numbers = ids(2)
    report = run([["张三", numbers[0], "", "H1", "户主"], ["李四", numbers[1], "", "H1", "邻居大哥"]])
    assert report.failed == 1 and report.created == 1
    [error] = report.errors
    assert (error.row, error.column) == (3, "与户主关系")
    assert error.message.startswith("与户主关系“邻居大哥”无法识别，请填写：户主、配偶、子女")


def test_second_head_of_a_household_number_fails_its_row(demo):
    numbers = ids(3)
    report = run([["张三", numbers[0], "", "H1", "户主"], ["李四", numbers[1], "", "H1", "户主"],
                  ["王五", numbers[2], "", "H1", "子女"]])
    assert report.failed == 1 and report.created == 2
    [error] = report.errors
    assert (error.row, error.column) == (3, "与户主关系")
    assert error.message == "户号“H1”已在第 2 行登记了户主，一户只能有一个户主。"
    assert Household.objects.get().head.real_name == "张三"


def test_household_already_headed_by_someone_else_refuses_a_second_head(demo):
    numbers = ids(2)
    run([["张三", numbers[0], "", "H1", "户主"]])
    report = run([["李四", numbers[1], "", "H1", "户主"]])
    assert report.failed == 1 and report.errors[0].column == "与户主关系"
    assert "已登记户主" in report.errors[0].message
    assert Household.objects.get().head.real_name == "张三" and Person.objects.count() == 1


def test_households_are_matched_by_number_within_the_target_area_only(demo):
    other = Household.objects.create(area=Area.objects.get(code="34170200200101"), number="H1",
                                     district_code="341702")
    numbers = ids(1)
    report = run([["张三", numbers[0], "", "H1", "户主"]])
    assert report.households_created == 1
    created = Household.objects.exclude(pk=other.pk).get()
    assert created.head.real_name == "张三" and other.head is None


def test_existing_person_joins_a_household_and_the_change_is_recorded(demo):
    numbers = ids(2)
    run([["张三", numbers[0], "", "", ""], ["李四", numbers[1], "", "", ""]])
    report = run([["张三", numbers[0], "", "H9", "户主"], ["李四", numbers[1], "", "H9", "女儿"]])
    assert (report.updated, report.households_created) == (2, 1)
    household = Household.objects.get()
    assert household.head.real_name == "张三" and household.members.count() == 2
    change = ImportRowChange.objects.get(person__real_name="李四")
    assert change.changes == {"relation_to_head": ["", "child"], "household": ["", "H9"]}


def test_existing_headless_household_gets_its_head(demo):
    household = Household.objects.create(area=Area.objects.get(code=COMMUNITY), number="H5", district_code="341702")
    report = run([["张三", ids(1)[0], "", "H5", "户主"]])
    assert (report.households_created, report.households_updated) == (0, 1)
    household.refresh_from_db()
    assert household.head.real_name == "张三" and household.members.get() == household.head


def test_dry_run_reports_households_but_creates_none(demo):
    report = run(family(ids(5)), dry_run=True)
    assert report.households_created == 2 and not Household.objects.exists()


def test_template_has_household_columns_and_a_relation_drop_down():
    out = io.BytesIO()
    write_template(out)
    workbook = load_workbook(out)
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert "户号" in headers and "与户主关系" in headers
    letter = sheet.cell(row=1, column=headers.index("与户主关系") + 1).column_letter
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    options = workbook["选项"]
    column = validations[f"{letter}2"].split("!$")[1].split("$")[0]
    labels = [options[f"{column}{row}"].value for row in range(2, 12)]
    assert labels[:3] == ["户主", "配偶", "子女"] and "（外）祖父母" in labels and len(labels) == 10
    number_letter = sheet.cell(row=1, column=headers.index("户号") + 1).column_letter
    assert sheet[f"{number_letter}2"].number_format == "@"
