"""Each row rule of the resident import: a broken row fails with its row, column and reason."""

import datetime
import io

import pytest
from openpyxl import Workbook

from gongzhi.registry.importing.reader import Mangled, cell_value, find_header, read_sheet
from gongzhi.registry.importing.validate import MANGLED_ID_MESSAGE, parse_date, validate_sheet

from .factories import make_id
from .import_helpers import HEADERS, csv_bytes, xlsx_bytes

GOOD = make_id("341702", "19800102", "011")  # a man born 1980-01-02


def errors_of(rows, headers=HEADERS):
    validation = validate_sheet(read_sheet(xlsx_bytes([headers, *rows]), "people.xlsx"))
    return validation, [(e.row, e.column, e.message) for e in validation.errors]


def test_valid_row_passes_and_gender_and_birth_date_come_from_the_id_number():
    validation, errors = errors_of([["张三", GOOD, None, None, "13912345678", "汉族", ""]])
    assert errors == []
    [row] = validation.valid
    assert row.values["gender"] == "M" and row.values["birth_date"] == datetime.date(1980, 1, 2)
    assert row.values["ethnicity"] == "01" and row.values["phone"] == "13912345678"


def test_wrong_check_digit_fails_the_row():
    wrong = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")
    _v, errors = errors_of([["张三", wrong, "男", None, None, None, None]])
    assert errors == [(2, "身份证号", "身份证号码校验位不正确，请核对。")]


def test_impossible_birth_date_in_the_id_number_fails():
    _v, errors = errors_of([["张三", make_id("341702", "19800230", "011"), "", "", "", "", ""]])
    assert errors == [(2, "身份证号", "身份证号码中的出生日期不存在。")]


def test_impossible_birth_date_in_its_column_fails():
    _v, errors = errors_of([["张三", GOOD, "", "1980-02-30", "", "", ""]])
    assert errors == [(2, "出生日期", "出生日期“1980-02-30”不存在或格式无法识别（如 1980-01-02）。")]


def test_gender_disagreeing_with_the_id_number_fails():
    _v, errors = errors_of([["张三", GOOD, "女", "", "", "", ""]])
    assert errors == [(2, "性别", "性别与身份证号码不符。")]


def test_birth_date_disagreeing_with_the_id_number_fails():
    _v, errors = errors_of([["张三", GOOD, "", datetime.date(1980, 1, 3), "", "", ""]])
    assert errors == [(2, "出生日期", "出生日期与身份证号码不符（身份证为 1980-01-02）。")]


def test_malformed_phone_fails():
    _v, errors = errors_of([["张三", GOOD, "", "", "1391234", "", ""]])
    assert [e[:2] for e in errors] == [(2, "联系电话")]


def test_missing_name_fails():
    _v, errors = errors_of([["", GOOD, "", "", "", "", ""]])
    assert errors == [(2, "姓名", "请填写姓名。")]


def test_missing_id_number_fails():
    _v, errors = errors_of([["张三", "", "", "", "", "", ""]])
    assert errors == [(2, "身份证号", "请填写身份证号码。")]


def test_unknown_choice_value_fails():
    _v, errors = errors_of([["张三", GOOD, "", "", "", "火星族", ""]])
    assert errors == [(2, "民族", "民族“火星族”无法识别，请填写民族名称（如“汉族”或“汉”）或 GB 3304 代码（如“01”）。")]


def test_second_occurrence_of_an_id_number_fails_naming_the_first_row():
    validation, errors = errors_of([["张三", GOOD, "", "", "", "", ""], ["张三丰", GOOD, "", "", "", "", ""]])
    assert [r.number for r in validation.valid] == [2]
    assert errors == [(3, "身份证号", "身份证号码与第 2 行重复。")]


def test_numeric_id_cell_is_reported_as_mangled_never_guessed():
    _v, errors = errors_of([["张三", 3.30106198001011e17, "", "", "", "", ""]])
    assert errors == [(2, "身份证号", str(MANGLED_ID_MESSAGE))]


@pytest.mark.parametrize("text", ["3.30106E+17", "3.30106e17", "330106198001011000"])
def test_id_text_produced_from_a_number_is_reported_as_mangled(text):
    _v, errors = errors_of([["张三", text, "", "", "", "", ""]])
    assert errors == [(2, "身份证号", str(MANGLED_ID_MESSAGE))]


def test_a_fifteen_digit_number_cell_is_an_exact_old_id_number():
    assert cell_value("id_number", 341702800102011) == "341702800102011"
    assert isinstance(cell_value("id_number", 341702198001020110), Mangled)


@pytest.mark.parametrize("text", ["1980-01-02", "1980/1/2", "1980年1月2日", "19800102", "1980.01.02"])
def test_date_strings_in_common_forms(text):
    assert parse_date(text) == datetime.date(1980, 1, 2)


def test_full_width_digits_and_blanks_are_normalised():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GOOD)
    validation, errors = errors_of([["  张三 ", f" {full_width} ", "", "", "１３９ １２３４ ５６７８", "", ""]])
    assert errors == []
    assert validation.valid[0].id_number == GOOD and validation.valid[0].values["real_name"] == "张三"


def test_header_synonyms_are_recognised():
    headers = ["名字", "公民身份号码", "手机号", "学历", "人员类型", "户籍性质", "居住地址"]
    validation, errors = errors_of([["张三", GOOD, "13912345678", "本科", "流动", "非户籍", "x"]], headers)
    assert errors == []
    values = validation.valid[0].values
    assert (values["education"], values["residence_status"], values["registration"]) == (
        "bachelor", "floating", "non_local")


def test_header_row_is_found_below_title_and_blank_rows():
    grid = [["花名册"], [], ["", ""], ["序号", "姓名", "证件号码"], ["1", "张三", GOOD]]
    index, columns, headers = find_header(grid)
    assert index == 3 and columns == {"real_name": 1, "id_number": 2} and headers["id_number"] == "证件号码"


def test_csv_in_gb18030_is_read():
    sheet = read_sheet(csv_bytes([HEADERS[:2], ["张三", GOOD]], encoding="gb18030"), "people.csv")
    assert sheet.rows[0].values == {"real_name": "张三", "id_number": GOOD}


def test_row_numbers_are_those_of_the_sheet_when_the_table_starts_lower_right():
    workbook = Workbook()
    sheet = workbook.active
    sheet["C3"], sheet["D3"] = "姓名", "身份证号"
    sheet["C5"], sheet["D5"] = "", "1"
    out = io.BytesIO()
    workbook.save(out)
    validation = validate_sheet(read_sheet(out.getvalue(), "people.xlsx"))
    assert [(e.row, e.column) for e in validation.errors] == [(5, "姓名"), (5, "身份证号")]


def test_xls_name_goes_through_calamine_which_reads_by_content():
    # No BIFF (.xls) writer is installed, so this exercises the .xls route with OOXML content only.
    data = xlsx_bytes([HEADERS[:2], ["张三", GOOD]])
    assert read_sheet(data, "PEOPLE.XLS").rows[0].values == {"real_name": "张三", "id_number": GOOD}


def test_date_cells_where_text_is_expected_are_reported_not_crashed_on():
    _v, errors = errors_of([[datetime.date(2020, 1, 1), datetime.date(2020, 1, 1), "", "", "", "", ""]])
    assert errors == [(2, "身份证号", "身份证号码应为 18 位（旧证 15 位）。")]


def test_short_csv_rows_read_as_empty_trailing_cells():
    data = csv_bytes([HEADERS, ["张三", GOOD, "男"], ["李四"]])
    validation = validate_sheet(read_sheet(data, "people.csv"))
    assert [row.number for row in validation.valid] == [2]
    assert [(e.row, e.column, e.message) for e in validation.errors] == [(3, "身份证号", "请填写身份证号码。")]


def test_blocks_of_any_size_check_as_one_block_does():
    """Rows are mapped and checked a block at a time; block boundaries change nothing, blank rows included."""
    from gongzhi.registry.importing.validate import checked_rows

    numbers = [make_id("341702", f"19{50 + k:02d}0102", f"{11 + 2 * k:03d}") for k in range(7)]
    rows = [["张三", numbers[0], "男", "", "", "汉族", "幸福路1号"], [], ["", numbers[1], "", "", "", "", ""],
            ["李四", numbers[2], "女", "", "1391234", "火星族", ""], [None] * 7, ["王五", numbers[0], "", "", "", "", ""],
            ["赵六", numbers[3], "", "1950-01-02", "13912345678", "", "幸福路1号"], ["钱七", numbers[4]]]
    sheet = read_sheet(xlsx_bytes([HEADERS, *rows]), "people.xlsx")

    def outcome(size):
        chunks = list(checked_rows(sheet, {}, chunk_rows=size))
        return ([(row.number, row.id_number, row.values, row.address) for chunk in chunks for row in chunk.valid],
                sorted(error for chunk in chunks for error in chunk.errors), chunks[-1].checked)

    whole = outcome(100)
    assert [number for number, *_rest in whole[0]] == [2, 9]
    assert {(error.row, error.column) for error in whole[1]} == {
        (4, "姓名"), (5, "联系电话"), (5, "民族"), (5, "性别"), (7, "身份证号"), (8, "出生日期")}
    assert whole[2] == 6
    for size in (1, 2, 3, 5):
        assert outcome(size) == whole


def test_checked_chunks_travel_between_processes_whole():
    """A chunk pickles compactly (rows as tuples) and comes back equal, every field of every row."""
    import dataclasses
    import pickle

    from gongzhi.registry.importing.validate import CheckedRows, RowError, ValidRow

    row = ValidRow(number=7, id_number=GOOD, values={"real_name": "张三", "birth_date": datetime.date(1980, 1, 2)},
                   address="幸福路1号", tags=frozenset({3}), household="H1", lookup=("a", "b"), house=(5, 6),
                   insert=(1, "x", None))
    defaults = ValidRow(number=0, id_number="", values={})
    assert all(getattr(row, f.name) != getattr(defaults, f.name) for f in dataclasses.fields(ValidRow))
    chunk = CheckedRows(checked=9, valid=[row, dataclasses.replace(row, number=8, values={})],
                        errors=[RowError(3, "姓名", "请填写姓名。")])
    assert pickle.loads(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL)) == chunk
