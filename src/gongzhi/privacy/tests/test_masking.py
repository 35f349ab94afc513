"""Masking helpers (GB/T 35273-2020 practice): ID numbers, phones, names, addresses."""

import pytest

from gongzhi.privacy.masking import mask, mask_address, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330106199001011234", "330106********1234"),
        ("11010519491231002x", "110105********002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "110105********002X"),
        ("110105491231002", "110105*****1002"),
        ("A1234567", "A1******"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 138 1234 5678 ", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("2001001", "20***01"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("张三", "张*"), ("张三丰", "张*丰"), ("欧阳小明", "欧**明"), ("王", "王"), ("", "")],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("幸福路88号 阳光小区3栋2单元501室", "幸福路88号 阳光小区*栋*单元*室"),
        ("幸福路88号阳光小区12幢3单元1201室", "幸福路88号阳光小区*幢*单元*室"),
        ("和平路12号 5号楼1201", "和平路12号 *号楼*"),
        ("阳光小区3-2-501", "阳光小区*-*-*"),
        ("建设路100号", "建设路100号"),
        ("", ""),
    ],
)
def test_mask_address(value, masked):
    assert mask_address(value) == masked


def test_mask_by_kind_hides_unknown_kinds_completely():
    assert mask("phone", "13812345678") == "138****5678"
    assert mask("salary", "12000") == "****"
    assert mask("phone", "") == ""
