"""民族 in every GB 3304 form (issue 12 item 10): old ledgers write "汉", "回", "维吾尔"; others the
code, the romanisation or the letter code. Each is stored as the standard (its code, shown as 汉族)."""

import json

import pytest

from gongzhi.registry import ethnic_groups, services
from gongzhi.registry.choices import Ethnicity
from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.models import Person

from .factories import GRID, make_id
from .import_helpers import COMMUNITY, xls_bytes

pytestmark = pytest.mark.django_db


def test_the_table_is_the_56_groups_of_the_stored_choices():
    assert [(code, name) for code, name, _roman, _letters in ethnic_groups.GB3304] == [
        (value, str(label)) for value, label in Ethnicity.choices]
    assert len({letters for *_rest, letters in ethnic_groups.GB3304}) == 56


@pytest.mark.parametrize(("spelled", "code"), [
    ("汉族", "01"), ("汉", "01"), ("01", "01"), ("1", "01"), ("1.0", "01"), ("Han", "01"), ("HAN", "01"),
    ("ha", "01"), (" 汉 ", "01"), ("ＨＡ", "01"),
    ("回", "03"), ("Hui", "03"), ("HU", "03"),
    ("维吾尔", "05"), ("维吾尔族", "05"), ("Uygur", "05"), ("UG", "05"), ("5", "05"),
    ("蒙古", "02"), ("Mongol", "02"), ("MG", "02"),
    ("藏", "04"), ("Zang", "04"), ("ZA", "04"), ("Tibetan", "04"),
    ("朝鲜", "10"), ("Chosen", "10"), ("Korean", "10"),
    ("土", "30"), ("土家", "15"), ("Tu", "30"), ("TJ", "15"),
    ("满", "11"), ("Man", "11"), ("基诺", "56"), ("JN", "56"), ("56", "56"),
])
def test_every_form_names_its_group(spelled, code):
    assert ethnic_groups.to_code(spelled) == code
    assert ethnic_groups.standard_name(spelled) == dict(Ethnicity.choices)[code]


@pytest.mark.parametrize("spelled", ["火星族", "57", "0", "00", "汉回", "H", "族", "", "哈", "维族?", "Korea"])
def test_what_names_no_group_is_refused_not_guessed(spelled):
    assert ethnic_groups.to_code(spelled) is None


def test_no_spelling_names_two_groups():
    """Short forms, romanisations and letter codes never collide across groups (the table refuses to
    build otherwise): 土 is 土族 and 土家 土家族, Li and LI both 黎族, Tu and TU both 土族."""
    by_code: dict[str, set[str]] = {}
    for spelling, code in ethnic_groups.spellings().items():
        by_code.setdefault(code, set()).add(spelling)
    assert len(by_code) == 56
    for code, name, roman, letters in ethnic_groups.GB3304:
        assert {ethnic_groups.key(name), ethnic_groups.key(name.removesuffix("族")), roman.lower(),
                letters.lower()} <= by_code[code]


def test_an_old_xls_ledger_with_short_names_and_codes_imports_as_the_standard(demo):
    rows = [["姓名", "身份证号", "民族"]]
    forms = ["汉", "回", "维吾尔", "蒙古", "藏", "Han", "ha", "UG", 1, "04", 3.0, "汉族"]
    numbers = [make_id(birth="19800102", sequence=f"{n + 11:03d}") for n in range(len(forms))]
    rows += [[f"住户{n}", number, form] for n, (number, form) in enumerate(zip(numbers, forms))]
    rows.append(["错误", make_id(birth="19800102", sequence="099"), "火星"])
    report = import_residents(actor=None, data=xls_bytes(rows), filename="老台账.xls", area_code=COMMUNITY)
    assert report.counts()["created"] == len(forms) and report.counts()["failed"] == 1
    [error] = report.errors
    assert error.column == "民族" and "“火星”无法识别" in error.message
    stored = [Person.objects.with_id_number(number).get() for number in numbers]
    assert [p.get_ethnicity_display() for p in stored] == [
        "汉族", "回族", "维吾尔族", "蒙古族", "藏族", "汉族", "汉族", "维吾尔族", "汉族", "藏族", "回族", "汉族"]
    assert {p.ethnicity for p in stored} == {"01", "03", "05", "02", "04"}


def test_the_service_and_the_api_take_any_form_and_store_the_standard(client, api_token, demo):
    from gongzhi.areas.models import Area

    person = services.create_person(actor=demo.users["grid"], area=Area.objects.get(code=GRID), real_name="甲",
                                    ethnicity="维吾尔")
    assert person.ethnicity == "05" and person.get_ethnicity_display() == "维吾尔族"

    headers = api_token("grid")
    response = client.post("/api/v1/persons", json.dumps({"area": GRID, "real_name": "乙", "ethnicity": "Hui"}),
                           content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["ethnicity"], body["ethnicity_name"]) == ("03", "回族")
    response = client.patch(f"/api/v1/persons/{body['id']}", json.dumps({"ethnicity": "汉"}),
                            content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["ethnicity_name"] == "汉族"
    response = client.patch(f"/api/v1/persons/{body['id']}", json.dumps({"ethnicity": "火星"}),
                            content_type="application/json", **headers)
    assert response.status_code == 422
    assert Person.objects.get(pk=body["id"]).ethnicity == "01"
