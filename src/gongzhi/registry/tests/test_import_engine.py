"""Importing residents: valid rows in one transaction, matched by blind index, history of changes."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.importing.reader import ImportFileError
from gongzhi.registry.importing.validate import MANGLED_ID_MESSAGE
from gongzhi.registry.models import (
    House,
    ImportBatch,
    ImportRowChange,
    ImportStatus,
    Person,
    PersonTag,
    SpecialGroup,
)
from gongzhi.registry.validators import id_facts

from .factories import GRID, OTHER_STREET_GRID, make_id, make_person
from .import_helpers import COMMUNITY, HEADERS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ADDRESS = "幸福路88号 阳光小区 3栋2单元501室"


def ids(n):
    return [make_id("341702", f"19{50 + k:02d}0315", f"{101 + 2 * k:03d}") for k in range(n)]  # all men


def registered(number, name, grid=GRID, **fields):
    """A person already in the registry, with the gender and birth date their ID number gives."""
    birth_date, gender = id_facts(number)
    return make_person(id_number=number, name=name, grid=grid, gender=gender, birth_date=birth_date, **fields)


def run(data, filename="people.xlsx", **options):
    options.setdefault("area_code", COMMUNITY)
    return import_residents(actor=options.pop("actor", None), data=data, filename=filename, **options)


def messy_workbook(numbers):
    """Two merged title rows, a blank row, then a header and rows good and bad (sheet rows 5…)."""
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in numbers[1])
    wrong_check = numbers[5][:-1] + ("0" if numbers[5][-1] != "0" else "1")
    rows = [
        ["序号", "名字", "公民身份号码", "性别", "出生年月", "手机号", "民族", "现住址"],
        [1, "张三", numbers[0], "男", None, "13912345678", "汉族", ADDRESS],               # 5 ok, house
        [2, "李四", full_width, None, None, "１３９１２３４５６７９", "回族", "无名路1号"],  # 6 ok, unmatched
        [3, "王五", numbers[2], None, datetime.datetime(1952, 3, 15), None, None, None],  # 7 ok, date cell
        [4, "赵六", 3.41702195303151e17, None, None, None, None, None],                # 8 mangled ID
        [5, "钱七", numbers[0], None, None, None, None, None],                          # 9 duplicate of 5
        [6, "孙八", wrong_check, None, None, None, None, None],                         # 10 check digit
        [7, "周九", make_id("341702", "19800230", "011"), None, None, None, None, None],  # 11 impossible date
        [8, "吴十", numbers[3], None, None, "12345", None, None],                       # 12 bad phone
        [9, None, numbers[4], None, None, None, None, None],                            # 13 missing name
        [10, "郑十一", numbers[6], "女", None, None, None, None],                        # 14 gender vs ID
    ]
    data = xlsx_bytes([rows[0]], title_rows=2)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    sheet.insert_rows(3)  # a blank row between the titles and the header
    for row in rows[1:]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def house(demo):
    return House.objects.create(area=Area.objects.get(code=GRID), address="幸福路88号阳光小区3栋2单元501室")


def test_messy_workbook_imports_exactly_its_valid_rows_and_reports_every_bad_one(house):
    numbers = ids(8)
    report = run(messy_workbook(numbers))
    assert report.counts() == {"rows": 10, "created": 3, "updated": 0, "unchanged": 0, "failed": 7}
    assert report.header_row == 4
    assert sorted(Person.objects.values_list("real_name", flat=True)) == sorted(["张三", "李四", "王五"])
    assert [(e.row, e.column) for e in report.errors] == [
        (8, "公民身份号码"), (9, "公民身份号码"), (10, "公民身份号码"), (11, "公民身份号码"), (12, "手机号"),
        (13, "名字"), (14, "性别")]
    assert report.errors[0].message == str(MANGLED_ID_MESSAGE)
    assert report.errors[1].message == "身份证号码与第 5 行重复。"
    zhang = Person.objects.with_id_number(numbers[0]).get()
    assert zhang.house == house and zhang.area.code == GRID and zhang.address_text == ""
    assert zhang.name_initials == "zs" and zhang.id_last4 == numbers[0][-4:]
    li = Person.objects.with_phone("13912345679").get()
    assert li.id_number == numbers[1] and li.address_text == "无名路1号" and li.house is None
    assert li.area.code == COMMUNITY and li.ethnicity == "03"
    assert report.unmatched_addresses == [(6, "无名路1号")]
    wang = Person.objects.get(real_name="王五")
    assert wang.birth_date == datetime.date(1952, 3, 15) and wang.gender == "M"


def test_importing_the_same_file_twice_changes_nothing(house):
    data = messy_workbook(ids(8))
    run(data)
    again = run(data)
    assert again.counts() == {"rows": 10, "created": 0, "updated": 0, "unchanged": 3, "failed": 7}
    assert Person.objects.count() == 3 and not ImportRowChange.objects.exists()


def test_strict_mode_writes_nothing_when_a_row_fails(demo):
    numbers = ids(2)
    report = run(xlsx_bytes([HEADERS, ["张三", numbers[0]], ["", numbers[1]]]), strict=True)
    assert report.status == ImportStatus.REJECTED and report.failed == 1 and report.created == 0
    assert not Person.objects.exists()
    assert ImportBatch.objects.get().status == ImportStatus.REJECTED
    assert not AuditEntry.objects.filter(action="registry.import_residents").exists()


def test_strict_mode_imports_a_clean_file(demo):
    report = run(xlsx_bytes([HEADERS, *[["张三", n] for n in ids(3)]]), strict=True)
    assert report.status == ImportStatus.COMMITTED and report.created == 3 and Person.objects.count() == 3


def test_dry_run_writes_no_person_but_reports_what_would_happen(demo):
    numbers = ids(2)
    registered(numbers[0], "张三")
    report = run(xlsx_bytes([HEADERS, ["张三", numbers[0], "", "", "13900000000"], ["李四", numbers[1]]]),
                 dry_run=True)
    assert report.counts() == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0, "failed": 0}
    assert Person.objects.count() == 1 and Person.objects.get().phone == ""
    assert ImportBatch.objects.get().status == ImportStatus.DRY_RUN
    assert not ImportRowChange.objects.exists()


def test_changed_phone_updates_only_that_person_and_records_the_change(demo):
    numbers = ids(2)
    person = registered(numbers[0], "张三", phone="13911112222")
    registered(numbers[1], "李四")
    report = run(xlsx_bytes([HEADERS, ["张三", numbers[0], "", "", "13933334444"], ["李四", numbers[1]]]),
                 actor=demo.users["community"])
    assert report.counts() == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1, "failed": 0}
    person.refresh_from_db()
    assert person.phone == "13933334444" and person.phone_last4 == "4444"
    assert list(Person.objects.with_phone("13933334444")) == [person]
    change = ImportRowChange.objects.get()
    assert (change.person, change.row, change.changes) == (person, 2, {"phone": ["****2222", "****4444"]})
    assert change.batch.actor == demo.users["community"]
    entry = AuditEntry.objects.get(action="registry.import_residents")
    assert entry.actor == demo.users["community"] and entry.after["updated"] == 1


def test_person_registered_outside_the_target_area_is_not_touched(demo):
    number = ids(1)[0]
    registered(number, "张三", grid=OTHER_STREET_GRID)
    report = run(xlsx_bytes([HEADERS, ["张三丰", number]]))
    assert report.failed == 1 and report.errors[0].column == "身份证号"
    assert Person.objects.get().real_name == "张三"


def test_old_fifteen_digit_number_finds_the_person_stored_with_eighteen(demo):
    number = make_id("341702", "19800102", "011")
    registered(number, "张三")
    report = run(xlsx_bytes([HEADERS, ["张三", number[:6] + number[8:17]]]))
    assert (report.created, report.unchanged) == (0, 1)


def test_csv_imports_like_a_workbook(demo):
    report = run(csv_bytes([HEADERS, *[["张三", n, "男", "", "13912345678"] for n in ids(2)]]), filename="people.csv")
    assert report.created == 2 and report.failed == 0


def test_actor_needs_registry_edit_in_the_target_area(demo):
    with pytest.raises(PermissionDenied):
        run(xlsx_bytes([HEADERS, ["张三", ids(1)[0]]]), actor=demo.users["grid"])
    with pytest.raises(PermissionDenied):
        run(xlsx_bytes([HEADERS, ["张三", ids(1)[0]]]), actor=demo.users["street"])
    assert run(xlsx_bytes([HEADERS, ["张三", ids(1)[0]]]), actor=demo.users["grid"], area_code=GRID).created == 1


def test_unreadable_files_are_refused(demo):
    with pytest.raises(ImportFileError):
        run(b"not a workbook", filename="people.xlsx")
    with pytest.raises(ImportFileError):
        run(b"a,b\n1,2\n", filename="people.csv")
    with pytest.raises(ImportFileError):
        run(b"", filename="people.pdf")


def test_progress_is_reported_while_writing_and_while_checking_in_a_dry_run(demo, monkeypatch):
    from gongzhi.registry.importing import validate

    monkeypatch.setattr(validate, "CHECK_CHUNK_ROWS", 2)
    data = xlsx_bytes([HEADERS, *[["张三", n] for n in ids(3)]])
    seen = []
    run(data, progress=lambda *args: seen.append(args), dry_run=True)
    assert seen == [("validate", 2, 3), ("validate", 3, 3)]
    seen.clear()
    run(data, progress=lambda *args: seen.append(args))
    assert seen == [("write", 2, 3), ("write", 3, 3)]


def test_batch_records_who_when_which_file_and_counts(demo):
    data = xlsx_bytes([HEADERS, ["张三", ids(1)[0]]])
    report = run(data, actor=demo.users["community"])
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert batch.counts() == report.counts() and batch.sha256 == report.sha256 and len(batch.sha256) == 64
    assert batch.file_name == "people.xlsx" and batch.status == ImportStatus.COMMITTED and batch.finished_at


def test_no_plaintext_id_number_or_phone_in_the_database(house):
    numbers = ids(8)
    run(messy_workbook(numbers))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_person")
        stored = cursor.fetchall()
        cursor.execute("SELECT changes, errors FROM registry_importrowchange, registry_importbatch")
        stored += cursor.fetchall()
    text = repr(stored)
    assert len(stored) >= 3
    for secret in [*numbers, "13912345678", "13912345679"]:
        assert secret not in text


def test_address_matching_a_house_links_the_person_and_moves_them_to_its_grid(house):
    number = ids(1)[0]
    person = registered(number, "张三", grid=COMMUNITY, address_text="旧地址")
    report = run(xlsx_bytes([HEADERS, ["张三", number, "", "", "", "", " 幸福路８８号 阳光小区 3栋 2单元 501室"]]))
    assert (report.updated, report.unmatched_addresses) == (1, [])
    person.refresh_from_db()
    assert (person.house, person.area.code, person.address_text) == (house, GRID, "")
    assert set(ImportRowChange.objects.get().changes) == {"house_id", "area_id", "address_text"}


def test_query_count_does_not_grow_with_the_number_of_rows(demo):
    def queries(n, offset):
        numbers = [make_id("341702", "19700101", f"{offset + 2 * k:03d}") for k in range(n)]
        data = xlsx_bytes([HEADERS, *[["张三", number, "", "", "13912345678"] for number in numbers]])
        with CaptureQueriesContext(connection) as captured:
            assert run(data).created == n
        return len(captured)

    queries(1, 901)  # the first import also creates the audit chain's head row
    # 30 rows still fit one SQLite INSERT (999 parameters); larger files add one per such batch.
    assert queries(3, 101) == queries(30, 301)


def test_special_group_tags_are_added_and_never_removed(demo):
    numbers = ids(3)
    person = registered(numbers[0], "张三")
    PersonTag.objects.create(person=person, group=SpecialGroup.objects.get(code="veteran"))
    headers = ["姓名", "身份证号", "特殊人群"]
    data = xlsx_bytes([headers, ["张三", numbers[0], "高龄老人"], ["李四", numbers[1], "独居老人、失业人员"],
                       ["王五", numbers[2], "残疾人，外星人"]])
    report = run(data)
    assert report.counts() == {"rows": 3, "created": 1, "updated": 1, "unchanged": 0, "failed": 1}
    assert [(e.row, e.column) for e in report.errors] == [(4, "特殊人群"), (4, "特殊人群")]
    assert {e.message for e in report.errors} == {
        "“残疾人”须登记属性（残疾类别、残疾等级），请在人员页面添加。", "“外星人”不是已设置的特殊人群类别。"}
    assert set(person.tags.values_list("group__code", flat=True)) == {"veteran", "oldest_old"}
    li = Person.objects.get(real_name="李四")
    assert set(li.tags.values_list("group__name", flat=True)) == {"独居老人", "失业人员"}
    assert ImportRowChange.objects.get().changes == {"tags": [["退役军人"], ["退役军人", "高龄老人"]]}
    assert run(data).counts() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 2, "failed": 1}
