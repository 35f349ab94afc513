"""Validators for the identifiers kept in community records: ID number, phone, plate, USCC.

Pure functions: each returns the cleaned, normalised value or raises ``ValidationError`` with a
Chinese message and a ``code`` that forms, imports and the API can rely on. Input is normalised
first (NFKC turns full-width digits and letters into ASCII; spaces are dropped) because records
typed on phones and copied from old spreadsheets carry both.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

# Old first-generation numbers carry a two-digit year of the 1900s; nobody alive was born before 1900.
EARLIEST_BIRTH_YEAR = 1900
_SEPARATORS = re.compile(r"[\s\-‐‑–—·•.]")
_ID_18 = re.compile(r"\d{17}[\dX]")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalise(value: str | None) -> str:
    """An identifier as typed, made comparable: NFKC (full-width → half-width), separators removed, upper case."""
    if value and value.isascii() and value.isalnum():  # the common case: nothing to normalise or remove
        return value.upper()
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).upper()


# --- Resident identity card number (居民身份证号码, GB 11643) -----------------------------------


def _birth_date_of(number: str) -> datetime.date:
    """The birth date encoded in a normalised 15- or 18-digit number (``ValueError`` if impossible)."""
    if len(number) == 15:
        year, month, day = 1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])
    else:
        year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return datetime.date(year, month, day)


@functools.lru_cache(maxsize=8192)
def region_name(code: str) -> str | None:
    """The name of a 6-digit administrative division code that has ever existed, else ``None``.

    stdnum's table marks when each code was in use (``[2000-]贵池区``). Only whether a code has
    existed matters here: numbers were first issued in 1984, often years after birth, and a person
    keeps their number when their district is renamed or merged, so neither the year a code was
    created nor the year it was retired says anything about a number's validity.
    """
    if not re.fullmatch(r"\d{6}", code):
        return None
    info = {key: value for _part, props in numdb.get("cn/loc").info(code) for key, value in props.items()}
    county = info.get("county")
    if not county:
        return None
    return county.split(",")[-1].split("]")[-1]


def clean_id_number(value: str | None, *, today: datetime.date | None = None) -> str:
    """A valid resident ID number, normalised (ASCII digits, upper-case ``X``).

    18 digits: format, check digit (ISO 7064 MOD 11-2, via ``stdnum.cn.ric``), a real birth date
    not in the future, and a region code that has existed. 15 digits (first-generation cards, still
    found in old ledgers): 6-digit region, birth date ``YYMMDD`` of the 1900s, 3-digit sequence and
    no check digit; region and date are checked the same way. ``today`` (default: today) is the
    latest possible birth date; bulk checks pass it once.
    """
    number = normalise(value)
    if not number:
        raise ValidationError(_("请填写身份证号码。"), code="required")
    if len(number) not in (15, 18):
        raise ValidationError(_("身份证号码应为 18 位（旧证 15 位）。"), code="invalid_length")
    if len(number) == 15 and not number.isdigit() or len(number) == 18 and not _ID_18.fullmatch(number):
        raise ValidationError(_("身份证号码格式不正确：只能包含数字，18 位号码末位可为 X。"), code="invalid_format")
    # The check digit comes first; date and region follow with our own rules (stdnum's
    # get_birth_place would reject a code created after the birth year, see region_name).
    if len(number) == 18:
        if number[-1] != ric.calc_check_digit(number):
            raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="invalid_checksum")
    try:
        birth_date = _birth_date_of(number)
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="invalid_birth_date") from None
    if birth_date.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="invalid_birth_date")
    if birth_date > (today or datetime.date.today()):
        raise ValidationError(_("身份证号码中的出生日期晚于今天。"), code="future_birth_date")
    if region_name(number[:6]) is None:
        raise ValidationError(_("身份证号码前 6 位不是已知的行政区划代码。"), code="unknown_region")
    return number


def id_facts(value: str) -> tuple[datetime.date, str]:
    """``(birth date, gender)`` read from a valid ID number; gender is ``"M"`` (odd) or ``"F"`` (even).

    The sequence number's last digit (the 17th of 18, the 15th of 15) is odd for men.
    """
    number = clean_id_number(value)
    sequence_digit = int(number[16] if len(number) == 18 else number[14])
    return _birth_date_of(number), "M" if sequence_digit % 2 else "F"


def upgrade_id_number(value: str) -> str:
    """The 18-digit form of a 15-digit number (century ``19`` inserted, check digit appended).

    This is how the public-security system converted first-generation numbers, so the same person
    can be found whichever form a ledger holds. 18-digit numbers are returned unchanged.
    """
    number = clean_id_number(value)
    if len(number) == 18:
        return number
    body = f"{number[:6]}19{number[6:]}"
    return body + ric.calc_check_digit(body + "0")


def check_consistency(id_number: str, gender: str | None = None, birth_date: datetime.date | None = None) -> None:
    """Raise when a recorded gender or birth date contradicts the ID number (empty values are not checked)."""
    id_birth, id_gender = id_facts(id_number)
    errors = {}
    if gender and gender != id_gender:
        errors["gender"] = ValidationError(_("性别与身份证号码不符。"), code="gender_mismatch")
    if birth_date and birth_date != id_birth:
        errors["birth_date"] = ValidationError(
            _("出生日期与身份证号码不符（身份证为 %(date)s）。"), code="birth_date_mismatch",
            params={"date": id_birth.isoformat()},
        )
    if errors:
        raise ValidationError(errors)


# --- Telephone numbers ----------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
# Area codes: 010 and 02x have three digits, all others four; local numbers 7 or 8 digits.
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})")


def clean_phone(value: str | None) -> str:
    """A mainland mobile number (11 digits, returned without prefix) or a landline (``0566-2001001``).

    Accepts a ``+86``/``0086`` prefix, spaces, dashes and full-width digits.
    """
    value = value or ""
    compact = _PHONE_SEPARATORS.sub("", value if value.isascii() else unicodedata.normalize("NFKC", value))
    if not compact:
        raise ValidationError(_("请填写电话号码。"), code="required")
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise ValidationError(
        _("电话号码格式不正确：请填写 11 位手机号或带区号的固定电话（如 0566-2001001）。"), code="invalid_phone"
    )


# --- Vehicle plates (GA 36) -----------------------------------------------------------------

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Plate letters leave out I and O, which read like 1 and 0.
_LETTER = "A-HJ-NP-Z"
_ORDINARY = re.compile(rf"[{PROVINCE_ABBREVIATIONS}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]")
# New-energy plates: small cars carry D/F (and since 2021 A-K without I) first, large ones last.
_NEW_ENERGY_SMALL = re.compile(rf"[{PROVINCE_ABBREVIATIONS}][{_LETTER}][A-HJK][{_LETTER}0-9]\d{{4}}")
_NEW_ENERGY_LARGE = re.compile(rf"[{PROVINCE_ABBREVIATIONS}][{_LETTER}]\d{{5}}[DF]")


def clean_plate(value: str | None) -> str:
    """A motor-vehicle plate: 7 characters (``皖R12345``) or new-energy 8 characters (``皖RD12345``)."""
    plate = normalise(value)
    if not plate:
        raise ValidationError(_("请填写车牌号。"), code="required")
    if len(plate) == 7 and _ORDINARY.fullmatch(plate):
        return plate
    if len(plate) == 8 and (_NEW_ENERGY_SMALL.fullmatch(plate) or _NEW_ENERGY_LARGE.fullmatch(plate)):
        return plate
    raise ValidationError(
        _("车牌号格式不正确：应为省份简称加 6 位（新能源车 7 位）字母数字，如 皖R12345、皖RD12345。"),
        code="invalid_plate",
    )


# --- Unified social credit code (统一社会信用代码, GB 32100) -------------------------------------


def clean_uscc(value: str | None) -> str:
    """A valid 18-character unified social credit code, upper case."""
    code = normalise(value)
    if not code:
        raise ValidationError(_("请填写统一社会信用代码。"), code="required")
    try:
        return uscc.validate(code)
    except StdnumError:
        raise ValidationError(
            _("统一社会信用代码不正确：应为 18 位数字或大写字母，且校验位正确。"), code="invalid_uscc"
        ) from None
