"""The special-group form: each group's attributes as typed fields, checked for the chosen group only."""

import datetime

import pytest

from gongzhi.registry.forms import TagForm
from gongzhi.registry.models import PersonTag, SpecialGroup

from .factories import make_person

pytestmark = pytest.mark.django_db


def group(code):
    return SpecialGroup.objects.get(code=code)


def test_every_groups_attributes_are_typed_fields(demo):
    form = TagForm()

    assert form.fields["attr-disabled-grade"].choices[1:] == [(g, g) for g in ["一级", "二级", "三级", "四级"]]
    assert form.fields["attr-veteran-discharge_date"].widget.input_type == "date"
    assert form.fields["attr-subsistence-monthly_amount"].__class__.__name__ == "IntegerField"
    assert [value for value, _label in form.fields["attr-oldest_old-longevity_allowance"].choices] == ["", "yes", "no"]
    shown = {s["group"].code: [f.name for f in s["fields"]] for s in form.group_fieldsets()}
    assert shown["disabled"] == ["attr-disabled-disability_type", "attr-disabled-grade",
                                 "attr-disabled-certificate_number"]


def test_values_are_converted_and_checked_by_the_group(demo):
    veteran = TagForm({"group": group("veteran").pk, "attr-veteran-discharge_date": "2015-09-01",
                       "attr-veteran-entitled_group": "no"})
    assert veteran.is_valid(), veteran.errors
    assert veteran.cleaned_data["attributes"] == {"discharge_date": "2015-09-01", "entitled_group": False}

    amount = TagForm({"group": group("subsistence").pk, "attr-subsistence-category": "低保",
                      "attr-subsistence-monthly_amount": "八百"})
    assert not amount.is_valid() and "attr-subsistence-monthly_amount" in amount.errors


def test_a_required_attribute_is_reported_on_its_own_field(demo):
    form = TagForm({"group": group("disabled").pk, "attr-disabled-disability_type": "肢体残疾"})

    assert not form.is_valid()
    assert form.errors["attr-disabled-grade"] == ["请填写“残疾等级”。"]
    assert "attr-disabled-disability_type" not in form.errors


def test_an_unknown_group_is_refused(demo):
    assert not TagForm({"group": "999999"}).is_valid()


def test_the_mobile_house_page_queries_do_not_grow_with_its_residents(client, demo):
    from gongzhi.areas.models import Area
    from gongzhi.registry import services

    grid = Area.objects.get(code="34170200100101")
    house = services.create_house(actor=demo.users["grid"], area=grid, address="幸福路88号 阳光小区 1栋1单元101室")

    def queries_with(residents: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(demo.users["grid"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/registry/m/houses/{house.pk}/").status_code == 200
        return len(captured)

    for index in range(2):
        make_person(name=f"住户{index}", house=house, birth_date=datetime.date(1980, 1, 1 + index))
    queries_with(2)  # process-wide caches warmed (roles, content types)
    two = queries_with(2)
    for index in range(2, 6):
        make_person(name=f"住户{index}", house=house, birth_date=datetime.date(1980, 1, 1 + index))
    assert queries_with(6) == two


def test_tagging_through_the_page_stores_the_typed_attributes(client, demo):
    person = make_person()
    client.force_login(demo.users["community"])

    response = client.post(f"/registry/persons/{person.pk}/tags/", {
        "group": group("oldest_old").pk, "attr-oldest_old-longevity_allowance": "yes", "since": "2020-05-01"})

    assert response.status_code == 302
    tag = PersonTag.objects.get(person=person)
    assert tag.attributes == {"longevity_allowance": True} and tag.since == datetime.date(2020, 5, 1)
