"""Identifier validators: ID numbers (18 and 15 digits), phones, plates, credit codes."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongzhi.registry.validators import (
    check_consistency,
    clean_id_number,
    clean_phone,
    clean_plate,
    clean_uscc,
    id_facts,
    region_name,
    upgrade_id_number,
)

from .factories import id_ending_in_x, make_id


def error_code(func, value) -> str:
    with pytest.raises(ValidationError) as caught:
        func(value)
    return caught.value.code


# --- ID numbers ------------------------------------------------------------------------------


def test_valid_18_digit_id_number_is_returned_unchanged():
    number = make_id("341702", "19900101", "123")
    assert clean_id_number(number) == number


def test_full_width_digits_and_spaces_are_normalised():
    number = make_id("341702", "19900101", "123")
    full_width = " ".join(chr(ord(c) + 0xFEE0) for c in number)
    assert clean_id_number(full_width) == number


def test_lower_case_x_check_digit_is_upper_cased():
    number = id_ending_in_x()
    assert clean_id_number(number.lower()) == number
    assert clean_id_number(number[:-1] + "ｘ") == number


def test_wrong_check_digit_is_rejected():
    number = make_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert error_code(clean_id_number, wrong) == "invalid_checksum"


@pytest.mark.parametrize(("value", "code"), [
    ("", "required"),
    (None, "required"),
    ("34170219900101123", "invalid_length"),
    ("3417021990010112345", "invalid_length"),
    ("34170219900101A234", "invalid_format"),
    ("34170290010112A", "invalid_format"),
])
def test_malformed_id_numbers_are_rejected(value, code):
    assert error_code(clean_id_number, value) == code


def test_impossible_birth_date_is_rejected():
    assert error_code(clean_id_number, make_id("341702", "19990230")) == "invalid_birth_date"


def test_birth_date_before_1900_is_rejected():
    assert error_code(clean_id_number, make_id("341702", "18991231")) == "invalid_birth_date"


def test_future_birth_date_is_rejected():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert error_code(clean_id_number, make_id("341702", tomorrow.strftime("%Y%m%d"))) == "future_birth_date"


def test_unknown_region_code_is_rejected():
    assert error_code(clean_id_number, make_id("999999")) == "unknown_region"
    assert error_code(clean_id_number, make_id("341799")) == "unknown_region"


def test_region_code_created_after_the_birth_year_is_valid():
    # 341702 (贵池区) dates from 2000; an 80-year-old born there in 1946 holds a valid number.
    number = make_id("341702", "19460312", "001")
    assert clean_id_number(number) == number
    assert region_name("341702") == "贵池区"


def test_retired_region_code_is_still_valid():
    # 110103 (崇文区) was merged away in 2010; its residents keep their numbers.
    number = make_id("110103", "19750601", "002")
    assert clean_id_number(number) == number
    assert region_name("110103") == "崇文区"


def test_valid_15_digit_id_number_is_accepted():
    assert clean_id_number("341702460312001") == "341702460312001"
    assert clean_id_number("３４１７０２４６０３１２００１") == "341702460312001"


@pytest.mark.parametrize(("value", "code"), [
    ("341702990230001", "invalid_birth_date"),
    ("341702461312001", "invalid_birth_date"),
    ("999999460312001", "unknown_region"),
    ("34170246031200X", "invalid_format"),
])
def test_invalid_15_digit_id_numbers_are_rejected(value, code):
    assert error_code(clean_id_number, value) == code


def test_id_facts_read_birth_date_and_gender():
    assert id_facts(make_id("341702", "19460312", "001")) == (datetime.date(1946, 3, 12), "M")
    assert id_facts(make_id("341702", "20010704", "122")) == (datetime.date(2001, 7, 4), "F")
    assert id_facts("341702460312001") == (datetime.date(1946, 3, 12), "M")
    assert id_facts("341702460312002") == (datetime.date(1946, 3, 12), "F")


def test_15_digit_number_upgrades_to_its_18_digit_form():
    assert upgrade_id_number("341702460312001") == make_id("341702", "19460312", "001")
    eighteen = make_id()
    assert upgrade_id_number(eighteen) == eighteen


def test_consistent_gender_and_birth_date_pass():
    number = make_id("341702", "19460312", "001")
    check_consistency(number, "M", datetime.date(1946, 3, 12))
    check_consistency(number, "", None)


def test_gender_contradicting_the_id_number_is_rejected():
    with pytest.raises(ValidationError) as caught:
        check_consistency(make_id("341702", "19460312", "001"), "F", None)
    assert caught.value.error_dict["gender"][0].code == "gender_mismatch"


def test_birth_date_contradicting_the_id_number_is_rejected():
    with pytest.raises(ValidationError) as caught:
        check_consistency(make_id("341702", "19460312", "001"), "M", datetime.date(1946, 3, 13))
    error = caught.value.error_dict["birth_date"][0]
    assert error.code == "birth_date_mismatch" and "1946-03-12" in error.messages[0]


# --- Phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "cleaned"), [
    ("13912345678", "13912345678"),
    ("+86 139 1234 5678", "13912345678"),
    ("0086-139-1234-5678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),
    ("0566-2001001", "0566-2001001"),
    ("05662001001", "0566-2001001"),
    ("010-12345678", "010-12345678"),
    ("(021) 1234 5678", "021-12345678"),
])
def test_valid_phone_numbers_are_normalised(value, cleaned):
    assert clean_phone(value) == cleaned


@pytest.mark.parametrize("value", ["12912345678", "1391234567", "139123456789", "2001001", "abc", "+1 2025550123"])
def test_invalid_phone_numbers_are_rejected(value):
    assert error_code(clean_phone, value) == "invalid_phone"


def test_empty_phone_is_required():
    assert error_code(clean_phone, "  ") == "required"


# --- Plates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "cleaned"), [
    ("皖R12345", "皖R12345"),
    ("皖r 1234a", "皖R1234A"),
    ("皖R·12345", "皖R12345"),
    ("皖RD12345", "皖RD12345"),
    ("京AF12345", "京AF12345"),
    ("粤B12345D", "粤B12345D"),
    ("皖R1234学", "皖R1234学"),
])
def test_valid_plates_are_normalised(value, cleaned):
    assert clean_plate(value) == cleaned


@pytest.mark.parametrize("value", ["R12345", "皖112345", "皖R1234", "皖R123456", "皖RI2345", "皖RD1234A", "港R12345",
                                   "皖RDA12345"])
def test_invalid_plates_are_rejected(value):
    assert error_code(clean_plate, value) == "invalid_plate"


# --- Unified social credit codes ----------------------------------------------------------------


def test_valid_uscc_is_upper_cased():
    assert clean_uscc("91110000600037341l") == "91110000600037341L"
    assert clean_uscc("9111 0000 6000 3734 1L") == "91110000600037341L"


@pytest.mark.parametrize("value", ["91110000600037341M", "A1110000600037341L", "9111000060003734", "9111000060003734IL"])
def test_invalid_uscc_is_rejected(value):
    assert error_code(clean_uscc, value) == "invalid_uscc"
