"""Special groups are configuration (shipped by migration); tags are checked against their schema."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongzhi.registry.models import PersonTag, SpecialGroup

from .factories import make_person

pytestmark = pytest.mark.django_db

DEFAULT_GROUPS = {
    "living_alone_elderly": "独居老人", "oldest_old": "高龄老人", "disabled": "残疾人", "subsistence": "低保/特困",
    "left_behind_child": "留守儿童", "veteran": "退役军人", "correction_released": "社区矫正/刑释人员",
    "mental_disorder": "精神障碍", "unemployed": "失业人员",
    # issue 12 item 10 (migration 0013)
    "children_in_difficulty": "困境儿童", "left_behind_elderly": "留守老人", "left_behind_women": "留守妇女",
}


def tag(group_code: str, attributes, **fields) -> PersonTag:
    return PersonTag(person=make_person(), group=SpecialGroup.objects.get(code=group_code), attributes=attributes,
                     **fields)


def attribute_error_codes(tag_: PersonTag) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        tag_.full_clean()
    return [e.code for e in caught.value.error_dict["attributes"]]


def test_default_special_groups_exist_after_migrate():
    assert dict(SpecialGroup.objects.values_list("code", "name")) == DEFAULT_GROUPS
    assert all(SpecialGroup.objects.values_list("active", flat=True))


def test_default_schemas_are_well_formed():
    for group in SpecialGroup.objects.all():
        group.full_clean()


def test_disabled_person_tag_with_type_and_grade_is_valid(demo):
    person_tag = tag("disabled", {"disability_type": "肢体残疾", "grade": "二级", "certificate_number": " 123 "},
                     since=datetime.date(2020, 1, 1))
    person_tag.full_clean()
    person_tag.save()
    assert PersonTag.objects.get().attributes == {"disability_type": "肢体残疾", "grade": "二级",
                                                  "certificate_number": "123"}


def test_unknown_attribute_is_rejected(demo):
    assert attribute_error_codes(tag("unemployed", {"registered": True, "salary": 3000})) == ["unknown_attribute"]


def test_choice_outside_the_list_is_rejected(demo):
    codes = attribute_error_codes(tag("disabled", {"disability_type": "肢体残疾", "grade": "五级"}))
    assert codes == ["invalid_choice"]


def test_missing_required_attribute_is_rejected(demo):
    assert attribute_error_codes(tag("disabled", {"disability_type": "肢体残疾"})) == ["required_attribute"]


@pytest.mark.parametrize(("group", "attributes"), [
    ("unemployed", {"registered": "yes"}),
    ("subsistence", {"category": "低保", "monthly_amount": "many"}),
    ("subsistence", {"category": "低保", "monthly_amount": True}),
    ("veteran", {"discharge_date": "2020-02-30"}),
    ("left_behind_child", {"left_behind_type": "父母双方外出务工", "guardian": 42}),
])
def test_value_of_the_wrong_type_is_rejected(demo, group, attributes):
    assert attribute_error_codes(tag(group, attributes)) == ["invalid_value"]


def test_values_are_normalised_to_json(demo):
    person_tag = tag("subsistence", {"category": "特困", "monthly_amount": "850"})
    person_tag.full_clean()
    assert person_tag.attributes == {"category": "特困", "monthly_amount": 850}
    veteran = SpecialGroup.objects.get(code="veteran")
    cleaned = veteran.clean_attributes({"discharge_date": datetime.date(2015, 9, 1), "entitled_group": ""})
    assert cleaned == {"discharge_date": "2015-09-01"}


def test_attributes_must_be_a_mapping(demo):
    assert attribute_error_codes(tag("unemployed", ["registered"])) == ["invalid_attributes"]


def test_tag_since_a_future_date_is_rejected(demo):
    person_tag = tag("unemployed", {}, since=datetime.date.today() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        person_tag.full_clean()
    assert caught.value.error_dict["since"][0].code == "future_date"


def test_administrators_can_add_a_group_with_its_own_schema(demo):
    group = SpecialGroup(code="pregnant", name="孕产妇", attribute_schema=[
        {"key": "due_date", "label": "预产期", "type": "date", "required": True},
    ])
    group.full_clean()
    group.save()
    person_tag = PersonTag(person=make_person(), group=group, attributes={"due_date": "2027-01-15"})
    person_tag.full_clean()


@pytest.mark.parametrize(("schema", "code"), [
    ("not a list", "invalid_schema"),
    ([{"key": "Bad Key", "label": "x", "type": "text"}], "invalid_key"),
    ([{"key": "a", "label": "x", "type": "text"}, {"key": "a", "label": "y", "type": "text"}], "duplicate_key"),
    ([{"key": "a", "label": "", "type": "text"}], "missing_label"),
    ([{"key": "a", "label": "x", "type": "colour"}], "invalid_type"),
    ([{"key": "a", "label": "x", "type": "choice", "choices": []}], "missing_choices"),
])
def test_malformed_schema_is_rejected(schema, code):
    group = SpecialGroup(code="custom", name="自定义", attribute_schema=schema)
    with pytest.raises(ValidationError) as caught:
        group.full_clean()
    assert [e.code for e in caught.value.error_dict["attribute_schema"]] == [code]
