"""Persons: identifiers encrypted at rest, found by blind index, last digits and pinyin derived."""

import datetime

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, connection
from django.test import override_settings

from gongzhi.areas.models import Area
from gongzhi.privacy import crypto
from gongzhi.privacy.services import masked_value, rotate_data_key
from gongzhi.registry.models import Household, Person, name_romanisation

from .factories import GRID, id_ending_in_x, make_id, make_person

pytestmark = pytest.mark.django_db

K1 = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # the test settings' key
K2 = "k2:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="


def raw_row(person) -> tuple[str, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_index, phone, phone_index FROM registry_person WHERE id = %s",
                       [person.pk])
        return cursor.fetchone()


def test_id_number_and_phone_are_stored_as_ciphertext(demo):
    number = make_id("341702", "19460312", "001")
    person = make_person(id_number=number, phone="13912345678")
    stored_id, id_index, stored_phone, phone_index = raw_row(person)
    assert stored_id.startswith("k1$") and number not in stored_id and number[-4:] not in stored_id
    assert stored_phone.startswith("k1$") and "13912345678" not in stored_phone
    assert len(id_index) == 32 and len(phone_index) == 32
    reloaded = Person.objects.get(pk=person.pk)
    assert (reloaded.id_number, reloaded.phone) == (number, "13912345678")


def test_encrypted_id_number_cannot_be_filtered_directly(demo):
    with pytest.raises(FieldError, match="blind_lookup"):
        list(Person.objects.filter(id_number=make_id()))


def test_person_is_found_by_id_number_in_any_width_or_case(demo):
    number = id_ending_in_x()
    person = make_person(id_number=number)
    make_person(name="李四")
    assert list(Person.objects.with_id_number(number)) == [person]
    assert list(Person.objects.with_id_number(number.lower())) == [person]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())
    assert list(Person.objects.with_id_number(full_width)) == [person]
    assert not Person.objects.with_id_number(make_id(sequence="999")).exists()


def test_id_number_typed_in_lower_case_is_stored_normalised(demo):
    number = id_ending_in_x()
    person = make_person(id_number=f" {number.lower()} ")
    assert Person.objects.get(pk=person.pk).id_number == number
    assert person.id_last4 == number[-4:]


def test_person_is_found_by_phone_in_any_notation(demo):
    person = make_person(phone="13912345678")
    assert list(Person.objects.with_phone("+86 139-1234-5678")) == [person]
    assert not Person.objects.with_phone("13912345679").exists()
    assert not Person.objects.with_phone("not a phone").exists()


def test_last_four_digits_are_kept_for_search(demo):
    number = make_id("341702", "19460312", "001")
    person = make_person(id_number=number, phone="13912345678")
    assert (person.id_last4, person.phone_last4) == (number[-4:], "5678")
    assert list(Person.objects.filter(id_last4=number[-4:])) == [person]


def test_derived_fields_follow_changes_saved_with_update_fields(demo):
    person = make_person(phone="13912345678")
    person.real_name, person.phone = "李四", "13700001111"
    person.save(update_fields=["real_name", "phone"])
    stored = Person.objects.get(pk=person.pk)
    assert (stored.name_initials, stored.phone_last4) == ("ls", "1111")
    assert list(Person.objects.with_phone("13700001111")) == [person]


def test_pinyin_and_initials_are_computed_on_save(demo):
    person = make_person(name="张三")
    assert (person.name_pinyin, person.name_initials) == ("zhangsan", "zs")
    assert Person.objects.filter(name_initials="zs").get() == person


@pytest.mark.parametrize(("name", "pinyin", "initials"), [
    ("欧阳娜娜", "ouyangnana", "oynn"),
    ("阿依古丽·买买提", "ayigulimaimaiti", "ayglmmt"),
    ("Tom 李", "tomli", "tl"),
    ("", "", ""),
])
def test_name_romanisation(name, pinyin, initials):
    assert name_romanisation(name) == (pinyin, initials)


def test_district_code_is_taken_from_the_area(demo):
    assert make_person().district_code == "341702"


def test_the_same_id_number_cannot_be_registered_twice(demo):
    number = make_id()
    make_person(id_number=number)
    with pytest.raises(IntegrityError):
        make_person(id_number=number.lower(), name="重复")


def test_persons_without_id_number_may_coexist(demo):
    make_person(id_number="")
    make_person(id_number="", name="李四")
    assert Person.objects.filter(id_index="").count() == 2


def test_clean_fills_gender_and_birth_date_from_the_id_number(demo):
    person = Person(area=Area.objects.get(code=GRID), real_name="王五", id_number=make_id("341702", "19460312", "001"),
                    phone="+86 13912345678")
    person.full_clean()
    assert (person.gender, person.birth_date, person.phone) == ("M", datetime.date(1946, 3, 12), "13912345678")
    assert person.age_on(datetime.date(2026, 3, 11)) == 79
    assert person.age_on(datetime.date(2026, 3, 12)) == 80


def test_clean_rejects_data_contradicting_the_id_number(demo):
    person = Person(area=Area.objects.get(code=GRID), real_name="王五", id_number=make_id("341702", "19460312", "001"),
                    gender="F", birth_date=datetime.date(1950, 1, 1))
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert set(caught.value.error_dict) == {"gender", "birth_date"}


def test_clean_rejects_invalid_identifiers(demo):
    person = Person(area=Area.objects.get(code=GRID), real_name="王五", id_number=make_id("341702", "19990230"),
                    phone="12345")
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert caught.value.error_dict["id_number"][0].code == "invalid_birth_date"
    assert caught.value.error_dict["phone"][0].code == "invalid_phone"


def test_relation_to_head_needs_a_household(demo):
    person = Person(area=Area.objects.get(code=GRID), real_name="王五", relation_to_head="spouse")
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert caught.value.error_dict["relation_to_head"][0].code == "no_household"


def test_household_head_must_be_a_member(demo):
    area = Area.objects.get(code=GRID)
    household = Household.objects.create(area=area, number="0001")
    head = make_person(household=household, relation_to_head="head")
    household.head = head
    household.full_clean()
    household.head = make_person(name="外人")
    with pytest.raises(ValidationError) as caught:
        household.full_clean()
    assert caught.value.error_dict["head"][0].code == "head_not_member"


def test_id_number_and_phone_are_revealable_and_masked(demo):
    number = make_id("341702", "19460312", "001")
    person = make_person(id_number=number, phone="13912345678")
    assert masked_value(person, "id_number") != number and masked_value(person, "id_number").endswith(number[-4:])
    assert masked_value(person, "phone") != "13912345678"



def test_key_rotation_re_encrypts_persons_and_keeps_lookups_working(demo):
    number = make_id("341702", "19460312", "001")
    person = make_person(id_number=number, phone="13912345678")
    crypto._keys_for.cache_clear()
    with override_settings(GONGZHI_DATA_KEY=f"{K2},{K1}"):
        assert rotate_data_key()["registry.person"] == 1
        stored_id, _index, stored_phone, _phone_index = raw_row(person)
        assert stored_id.startswith("k2$") and stored_phone.startswith("k2$")
        assert list(Person.objects.with_id_number(number)) == [person]
        assert Person.objects.get(pk=person.pk).phone == "13912345678"
    crypto._keys_for.cache_clear()


@pytest.mark.parametrize("name", ["张三", "王居民", "欧阳娜娜", "单于", "曾重阳", "长孙无忌", "李行", "阿依古丽·买买提", "John 李"])
def test_the_fast_romanisation_reads_names_as_pypinyin_does(name):
    from gongzhi.registry.models.people import _pypinyin_romanisation

    assert name_romanisation(name) == _pypinyin_romanisation(name)
