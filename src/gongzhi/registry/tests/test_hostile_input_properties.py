"""Hostile input, generated with hypothesis: the ID-number and address parsers and the resident
import's cell checks (issue 15 item 4).

* ID numbers: any text gives the cleaned number or a ``ValidationError`` with a code, never another
  exception; a number built by the GB 11643 recipe (existing region, real birth date, sequence,
  ISO 7064 MOD 11-2 check digit) is accepted however it is typed (full-width, spaces, dashes, lower
  ``x``); any other check digit is refused as ``invalid_checksum``; a 15-digit number upgraded to 18
  digits keeps its birth date and gender, and upgrading is idempotent.
* Addresses: the import's comparison form and the on-screen mask never crash, are idempotent, and
  the mask keeps no digit of a building, unit or room number it hides.
* The import: a sheet of random cells (text, numbers, dates, formulas, control characters, huge
  strings) is read and checked without crashing; each data row is either valid or has errors, and
  every error names a data row of the sheet and one of its column headers with a Chinese reason. A
  valid row with one cell replaced by garbage is still valid or fails at that row and that column.

Examples are bounded (≤ 100 each), derandomised and without a deadline, as the suite's other
property tests are.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st
from stdnum.cn import ric

from gongzhi.privacy.masking import MASK, mask_address
from gongzhi.registry import validators
from gongzhi.registry.importing.engine import normalise_address
from gongzhi.registry.importing.reader import ImportFileError, read_sheet
from gongzhi.registry.importing.validate import validate_sheet

from .factories import make_id
from .import_helpers import HEADERS, csv_bytes, xlsx_bytes

SETTINGS = hsettings(max_examples=100, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow])
FEW = hsettings(SETTINGS, max_examples=40)
TODAY = datetime.date(2026, 6, 1)
REGIONS = ["110105", "310104", "341702", "440305", "510107", "650102"]  # codes that exist
CJK = re.compile(r"[\u4e00-\u9fff]")


def built_id(region: str, birth: datetime.date, sequence: int) -> str:
    return make_id(region, birth.strftime("%Y%m%d"), f"{sequence:03d}")


BIRTHS = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
BIRTHS_1900S = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31))
VALID_IDS = st.builds(built_id, st.sampled_from(REGIONS), BIRTHS, st.integers(0, 999))
# Text that looks like an ID number now and then: digits and X, separators, full-width forms.
ID_LIKE = st.one_of(
    st.text(alphabet="0123456789Xx -０１２３４５６７８９Ｘ·.", max_size=22),
    st.text(max_size=30),
    VALID_IDS.map(lambda n: n[:-1] + "?"),
)


def typed_variously(number: str, style: int) -> str:
    """How a valid number arrives from phones and old spreadsheets."""
    if style == 1:
        return "".join(chr(ord(c) + 0xFEE0) for c in number)  # full-width digits and Ｘ
    if style == 2:
        return f" {number[:6]} {number[6:14]} {number[14:]} "
    if style == 3:
        return f"{number[:6]}-{number[6:14]}-{number[14:]}".lower()
    return number


# -- ID numbers ------------------------------------------------------------------------------------


@SETTINGS
@given(text=ID_LIKE)
@example(text="")
@example(text="X" * 18)
@example(text="00000000000000000X")
def test_any_text_is_a_clean_number_or_a_coded_validation_error(text):
    try:
        number = validators.clean_id_number(text, today=TODAY)
    except ValidationError as error:
        assert error.code in {"required", "invalid_length", "invalid_format", "invalid_checksum",
                              "invalid_birth_date", "future_birth_date", "unknown_region"}
        assert CJK.search(str(error.message))
    else:
        assert re.fullmatch(r"\d{15}|\d{17}[\dX]", number)
        assert validators.clean_id_number(number, today=TODAY) == number  # idempotent


@SETTINGS
@given(number=VALID_IDS, style=st.integers(0, 3))
def test_a_valid_number_is_accepted_however_it_is_typed(number, style):
    assert validators.clean_id_number(typed_variously(number, style), today=TODAY) == number


@SETTINGS
@given(number=VALID_IDS, digit=st.sampled_from("0123456789X"))
def test_any_other_check_digit_is_refused(number, digit):
    changed = number[:-1] + digit
    if digit == number[-1]:
        assert validators.clean_id_number(changed, today=TODAY) == number
        return
    try:
        validators.clean_id_number(changed, today=TODAY)
    except ValidationError as error:
        assert error.code == "invalid_checksum"
    else:
        raise AssertionError(f"{changed} passed with a wrong check digit (right: {number[-1]})")


@SETTINGS
@given(region=st.sampled_from(REGIONS), birth=BIRTHS_1900S, sequence=st.integers(0, 999))
def test_a_first_generation_number_upgrades_keeping_birth_date_and_gender(region, birth, sequence):
    old = f"{region}{birth:%y%m%d}{sequence:03d}"
    new = validators.upgrade_id_number(old)
    assert len(new) == 18 and new[-1] == ric.calc_check_digit(new[:17] + "0")
    assert new == validators.clean_id_number(new)
    assert validators.upgrade_id_number(new) == new  # idempotent
    assert validators.id_facts(old) == validators.id_facts(new) == (birth, "M" if sequence % 2 else "F")


@SETTINGS
@given(number=VALID_IDS)
def test_the_birth_date_and_gender_read_back_from_the_number(number):
    birth, gender = validators.id_facts(number)
    assert f"{birth:%Y%m%d}" == number[6:14]
    assert gender == ("M" if int(number[16]) % 2 else "F")


# -- addresses -------------------------------------------------------------------------------------


ADDRESS_PARTS = st.sampled_from(["幸福路", "88号", " ", "阳光小区", "3栋", "2单元", "501室", "5号楼", "1201",
                                 "-", "3-2-501", "，", "#", "Ａ座", "B座", "12层", "\u3000", "（东门）"])
ADDRESSES = st.one_of(st.lists(ADDRESS_PARTS, max_size=8).map("".join), st.text(max_size=40))


@SETTINGS
@given(address=ADDRESSES)
@example(address="幸福路88号 阳光小区3栋2单元501室")
@example(address="阳光小区3-2-501")
def test_the_address_comparison_form_is_stable(address):
    once = normalise_address(address)
    assert normalise_address(once) == once
    assert not re.search(r"[\s,，、\-－—#]", once)
    # The same address typed with full-width characters or extra blanks compares equal.
    assert normalise_address(unicodedata.normalize("NFKC", address).replace("号", " 号")) == \
        normalise_address(unicodedata.normalize("NFKC", address))


@SETTINGS
@given(road=st.sampled_from(["幸福路88号", "和平路12号", ""]), estate=st.sampled_from(["阳光小区", "绿洲花园", ""]),
       building=st.integers(1, 99), unit=st.integers(1, 9), room=st.integers(101, 3399))
def test_the_mask_hides_building_unit_and_room(road, estate, building, unit, room):
    for text in (f"{road}{estate}{building}栋{unit}单元{room}室", f"{road}{estate}{building}-{unit}-{room}"):
        masked = mask_address(text)
        assert mask_address(masked) == masked  # idempotent
        tail = masked[len(road) + len(estate):]
        assert not re.search(r"\d", tail), (text, masked)
        assert tail.count(MASK) == 3


@SETTINGS
@given(address=ADDRESSES)
def test_the_mask_never_crashes_and_never_grows_a_number(address):
    masked = mask_address(address)
    assert isinstance(masked, str)
    assert len(re.findall(r"\d", masked)) <= len(re.findall(r"\d", unicodedata.normalize("NFKC", address)))


# -- the resident import's cell checks -------------------------------------------------------------


CELLS = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)", "\t=1",
                     "男", "女", "汉族", "满族", "群众", "中共党员", "1980-01-02", "19800102", "1980年1月2日",
                     "3.41702198001E+17", "13912345678", "１３９１２３４５６７８", "户主", "\x00", "\u202e"]),
    st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.booleans(),
    st.text(min_size=500, max_size=2000),
)
GOOD = make_id("341702", "19800102", "011")
GOOD_ROW = ["张三", GOOD, "男", "1980-01-02", "13912345678", "汉族", "幸福路88号"]
OTHER_ROW = ["李四", make_id("341702", "19900101", "013"), "男", "1990-01-01", "13912345679", "汉族", "幸福路88号"]


def _xlsx_cell(value):
    """What openpyxl can write into a cell (it refuses control characters and numbers Excel cannot hold)."""
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    return value


def check(rows: list[list], fmt: str):
    data = csv_bytes([HEADERS, *rows]) if fmt == "csv" else \
        xlsx_bytes([HEADERS, *[[_xlsx_cell(v) for v in row] for row in rows]])
    try:
        sheet = read_sheet(data, f"people.{fmt}")
    except ImportFileError as error:  # the file as a whole refused, with a reason
        assert CJK.search(str(error))
        return None, []
    return sheet, validate_sheet(sheet)


@FEW
@given(rows=st.lists(st.lists(CELLS, min_size=len(HEADERS), max_size=len(HEADERS)), min_size=1, max_size=6),
       fmt=st.sampled_from(["xlsx", "csv"]))
def test_random_cells_never_crash_and_every_error_names_a_row_and_a_column(rows, fmt):
    if fmt == "csv":  # one CSV cell per field: no separators or line breaks inside
        rows = [[None if v is None else re.sub(r"[,\r\n\"\x00]", "", str(v)) for v in row] for row in rows]
    sheet, validation = check(rows, fmt)
    if sheet is None:
        return
    data_rows = {row.number for row in sheet.iter_rows()}
    failed = validation.failed_rows
    assert failed <= data_rows
    assert {row.number for row in validation.valid} | failed == data_rows
    assert not {row.number for row in validation.valid} & failed
    for error in validation.errors:
        assert error.column in HEADERS, error
        assert CJK.search(error.message), error


@SETTINGS
@given(column=st.integers(0, len(HEADERS) - 1), cell=CELLS)
@example(column=1, cell="3.41702198001E+17")
@example(column=1, cell=341702198001020110)
@example(column=3, cell="1980-02-30")
def test_one_bad_cell_fails_its_own_row_and_column(column, cell):
    row = list(GOOD_ROW)
    row[column] = cell
    _sheet, validation = check([row, OTHER_ROW], "xlsx")
    if _sheet is None:
        return
    # The second, untouched row is valid whatever the first holds.
    assert 3 in {row.number for row in validation.valid}
    for error in validation.errors:
        assert (error.row, error.column) == (2, HEADERS[column]), (cell, error)
