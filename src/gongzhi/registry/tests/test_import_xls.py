"""Legacy .xls ledgers (Excel 97-2003), written here with xlwt as old office software writes them."""

import datetime

import pytest

from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.importing.reader import Mangled, read_sheet
from gongzhi.registry.importing.validate import MANGLED_ID_MESSAGE
from gongzhi.registry.models import Household, Person

from .factories import make_id
from .import_helpers import COMMUNITY, xls_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "民族", "户号", "与户主关系"]
ZHANG = make_id("341702", "19800102", "011")  # a man born 1980-01-02
LI = make_id("341702", "19820315", "022")  # a woman born 1982-03-15
OLD = "341702800102015"  # a first-generation 15-digit number, exact as a number cell


def ledger() -> bytes:
    return xls_bytes([
        HEADERS,
        ["张三", ZHANG, "男", datetime.date(1980, 1, 2), 13912345678, "汉族", 3001, "户主"],  # row 2: date cell
        ["李四", LI, "女", "1982-03-15", "13912345679", "回族", 3001, "妻"],                     # row 3
        ["王五", float(make_id("341702", "19700101", "013")[:17] + "0"), "", None, None, None, None, None],  # 4
        ["赵六", float(OLD), "", None, None, None, None, None],                                 # row 5
    ])


def test_xls_cells_keep_dates_and_flag_ids_excel_stored_as_numbers():
    sheet = read_sheet(ledger(), "花名册.xls")
    by_name = {row.values["real_name"]: row.values for row in sheet.rows}
    assert by_name["张三"]["birth_date"] == datetime.date(1980, 1, 2)
    assert by_name["张三"]["phone"] == "13912345678" and by_name["张三"]["household_number"] == "3001"
    assert isinstance(by_name["王五"]["id_number"], Mangled)
    assert by_name["赵六"]["id_number"] == OLD


def test_xls_ledger_imports_through_the_engine(demo):
    report = import_residents(actor=None, data=ledger(), filename="花名册.xls", area_code=COMMUNITY)
    assert report.counts() == {"rows": 4, "created": 3, "updated": 0, "unchanged": 0, "failed": 1}
    [error] = report.errors
    assert (error.row, error.column, error.message) == (4, "身份证号", str(MANGLED_ID_MESSAGE))
    zhang = Person.objects.with_id_number(ZHANG).get()
    assert zhang.birth_date == datetime.date(1980, 1, 2) and zhang.phone == "13912345678"
    assert Person.objects.with_id_number(OLD).get().real_name == "赵六"
    household = Household.objects.get(number="3001")
    assert household.head == zhang and household.members.count() == 2
