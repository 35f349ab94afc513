"""Special groups as their definitions say (issue 12 item 10).

留守儿童 per 国发〔2016〕13号 (under sixteen; both parents away, or one away and the other unable to
care); 困境儿童 per 国发〔2016〕36号; 留守老人 and 留守妇女 added. Attributes are shown by their Chinese
names with their values in words everywhere (tooltips, person page, history, API), never by key.
"""

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas.models import Area
from gongzhi.registry import services
from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.models import House, PersonTag, SpecialGroup

from .factories import GRID, make_id, make_person
from .import_helpers import COMMUNITY, xlsx_bytes

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LEFT_BEHIND = {"left_behind_type": "父母双方外出务工", "guardian": "张奶奶", "guardian_relation": "祖母"}


def years_ago(years: int, days: int = 0) -> datetime.date:
    """The birth date of someone who turns ``years`` today (``days`` later: still ``years - 1``)."""
    day = TODAY.replace(year=TODAY.year - years) if (TODAY.month, TODAY.day) != (2, 29) else \
        TODAY.replace(year=TODAY.year - years, day=28)
    return day + datetime.timedelta(days=days)


def group(code: str) -> SpecialGroup:
    return SpecialGroup.objects.get(code=code)


def tag(person, code: str, attributes=None) -> PersonTag:
    return services.tag_person(actor=_editor(), person=person, group=group(code), attributes=attributes or {})


def _editor():
    from gongzhi.accounts.models import User

    return User.objects.get(username="community")


def reasons(person, code: str, attributes=None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        tag(person, code, attributes)
    return [str(message) for error in caught.value.error_dict["group"] for message in error.messages]


def test_left_behind_child_is_defined_as_guofa_2016_13(demo):
    left_behind = group("left_behind_child")
    assert "父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁的未成年人" in left_behind.description
    assert "国发〔2016〕13号" in left_behind.description
    assert (left_behind.age_below, left_behind.age_from) == (16, None)
    [situation] = [item for item in left_behind.attribute_schema if item["key"] == "left_behind_type"]
    assert situation["required"] and situation["choices"] == ["父母双方外出务工", "一方外出务工、另一方无监护能力"]


def test_the_added_groups_and_their_rules(demo):
    difficulty, elderly, women = group("children_in_difficulty"), group("left_behind_elderly"), group(
        "left_behind_women")
    assert (difficulty.name, difficulty.age_below) == ("困境儿童", 18) and "国发〔2016〕36号" in difficulty.description
    assert "因家庭贫困、自身残疾、缺乏有效监护等原因" in difficulty.description
    assert (elderly.name, elderly.age_from) == ("留守老人", 60)
    assert (women.name, women.gender) == ("留守妇女", "F")
    for added in (difficulty, elderly, women):
        added.full_clean()
        assert all(item["label"] and not re.search(r"[a-z]", item["label"]) for item in added.attribute_schema)


def test_under_sixteen_means_under_sixteen_on_the_day(demo, login_as):
    """A child whose sixteenth birthday is today is no longer a 留守儿童; the day before, still one."""
    fifteen = make_person(name="小明", id_number="", birth_date=years_ago(16, days=1))
    assert tag(fifteen, "left_behind_child", LEFT_BEHIND).attributes["left_behind_type"] == "父母双方外出务工"
    sixteen = make_person(name="小红", id_number="", birth_date=years_ago(16))
    assert reasons(sixteen, "left_behind_child", LEFT_BEHIND) == [
        "“留守儿童”限不满 16 周岁的人员，此人已满 16 周岁。"]
    assert not PersonTag.objects.filter(person=sixteen).exists()
    unknown = make_person(name="小刚", id_number="", birth_date=None)  # nothing to check: the staff decide
    tag(unknown, "left_behind_child", LEFT_BEHIND)


def test_the_situation_must_be_recorded(demo):
    child = make_person(name="小明", id_number="", birth_date=years_ago(10))
    with pytest.raises(ValidationError) as caught:
        tag(child, "left_behind_child", {"guardian": "张奶奶"})
    assert [e.code for e in caught.value.error_dict["attributes"]] == ["required_attribute"]


def test_other_groups_check_age_and_sex(demo):
    assert reasons(make_person(name="甲", id_number="", birth_date=years_ago(18)), "children_in_difficulty",
                   {"difficulty_type": "家庭贫困"}) == ["“困境儿童”限不满 18 周岁的人员，此人已满 18 周岁。"]
    assert reasons(make_person(name="乙", id_number="", birth_date=years_ago(60, days=1)),
                   "left_behind_elderly") == ["“留守老人”限年满 60 周岁的人员，此人 59 周岁。"]
    tag(make_person(name="丙", id_number="", birth_date=years_ago(60)), "left_behind_elderly")
    husband = make_person(name="丁", id_number=make_id(birth="19850101", sequence="011"), gender="M")
    assert reasons(husband, "left_behind_women") == ["“留守妇女”限女性。"]
    tag(make_person(name="戊", id_number=make_id(birth="19850101", sequence="022"), gender="F"), "left_behind_women")


def test_the_tag_form_says_why_on_the_group(demo, login_as):
    client = login_as("community")
    person = make_person(name="老李", id_number="", birth_date=years_ago(40))
    response = client.post(f"/registry/persons/{person.pk}/tags/", {
        "group": group("left_behind_elderly").pk, "attr-left_behind_elderly-living_arrangement": "独居"})
    assert response.status_code == 400
    assert "“留守老人”限年满 60 周岁的人员，此人 40 周岁。" in response.content.decode()
    assert not PersonTag.objects.filter(person=person).exists()


def test_an_import_refuses_a_tag_the_person_does_not_fit(demo):
    young, old = make_id(birth="19900101", sequence="011"), make_id(birth="19500101", sequence="021")
    data = xlsx_bytes([["姓名", "身份证号", "特殊人群"], ["张三", young, "留守老人"], ["李四", old, "留守老人"],
                       ["王五", make_id(birth="20150101", sequence="031"), "留守儿童"]])
    report = import_residents(actor=None, data=data, filename="台账.xlsx", area_code=COMMUNITY)
    assert report.counts()["created"] == 1 and report.counts()["failed"] == 2
    errors = {(e.row, e.column): e.message for e in report.errors}
    assert errors[(2, "特殊人群")].startswith("“留守老人”限年满 60 周岁的人员")
    assert errors[(4, "特殊人群")] == "“留守儿童”须登记属性（留守情形），请在人员页面添加。"


def test_a_tag_the_person_outgrew_is_flagged_on_their_page(demo, login_as):
    person = make_person(name="小军", id_number="", birth_date=years_ago(17))
    PersonTag.objects.create(person=person, group=group("left_behind_child"), attributes=LEFT_BEHIND)
    html = login_as("community").get(f"/registry/persons/{person.pk}/").content.decode()
    assert 'data-testid="tag-ineligible"' in html
    assert "已不符合认定条件：“留守儿童”限不满 16 周岁的人员，此人已满 17 周岁。" in html


def _keys() -> set[str]:
    return {item["key"] for g in SpecialGroup.objects.all() for item in g.attribute_schema}


def test_no_page_shows_an_attribute_key(demo, login_as):
    """Crawl every page a tag is shown on (list, person, house, field visit, history) for the keys."""
    grid = Area.objects.get(code=GRID)
    house = House.objects.create(area=grid, address="幸福路1号 阳光小区1栋101室")
    person = make_person(name="张三", house=house, id_number=make_id(birth="19500101", sequence="011"))
    client = login_as("community")
    client.post(f"/registry/persons/{person.pk}/tags/", {
        "group": group("disabled").pk, "attr-disabled-disability_type": "听力残疾", "attr-disabled-grade": "一级",
        "attr-disabled-certificate_number": "34170219500101001"})
    client.post(f"/registry/persons/{person.pk}/tags/", {
        "group": group("disabled").pk, "attr-disabled-disability_type": "听力残疾", "attr-disabled-grade": "二级"})
    client.post(f"/registry/persons/{person.pk}/tags/", {
        "group": group("oldest_old").pk, "attr-oldest_old-longevity_allowance": "yes"})
    assert PersonTag.objects.filter(person=person).count() == 2
    pages = {url: client.get(url).content.decode() for url in (
        "/registry/", f"/registry/persons/{person.pk}/", f"/registry/houses/{house.pk}/")}
    grid_client = login_as("grid")
    pages["/registry/m/houses/"] = grid_client.get(f"/registry/m/houses/{house.pk}/").content.decode()
    tooltip = "残疾类别：听力残疾；残疾等级：二级"
    assert tooltip in pages["/registry/"] and tooltip in pages[f"/registry/houses/{house.pk}/"]
    assert tooltip in pages["/registry/m/houses/"]
    assert 'title="领取高龄津贴：是"' in pages["/registry/"]
    detail = pages[f"/registry/persons/{person.pk}/"]
    assert "残疾等级</span>：一级 → " not in detail  # (the history writes a change as a whole)
    history = detail.split('data-testid="history"', 1)[1]
    assert "残疾类别：听力残疾；残疾等级：一级；残疾人证号：34170219500101001" in history
    for url, html in pages.items():
        for key in _keys():
            assert not re.search(rf"\b{key}\b\s*[:：=]", html), (url, key)
        for title in re.findall(r'<span class="tag" title="([^"]*)"', html):
            assert not re.search(r"[A-Za-z_]{2,}", title), (url, title)
    for key in ("disability_type", "longevity_allowance", "certificate_number"):  # bar the form's field names
        assert all(not re.search(rf"(?<![-\w]){key}(?![-\w])", html) for html in pages.values()), key


def test_the_api_gives_each_attribute_its_name_and_value_in_words(client, api_token, demo):
    person = make_person(name="张三", id_number=make_id(birth="19500101", sequence="011"))
    PersonTag.objects.create(person=person, group=group("disabled"),
                             attributes={"disability_type": "听力残疾", "grade": "一级"})
    PersonTag.objects.create(person=person, group=group("oldest_old"), attributes={"longevity_allowance": False})
    body = client.get(f"/api/v1/persons/{person.pk}", **api_token("community")).json()
    shown = {t["code"]: t["attributes_display"] for t in body["tags"]}
    assert shown["disabled"] == [{"key": "disability_type", "label": "残疾类别", "value": "听力残疾"},
                                 {"key": "grade", "label": "残疾等级", "value": "一级"}]
    assert shown["oldest_old"] == [{"key": "longevity_allowance", "label": "领取高龄津贴", "value": "否"}]
    assert json.dumps(body)  # still plain JSON


def test_statistics_count_only_those_who_fit_the_definition(demo):
    """A 留守儿童 who has turned 16 is flagged on their page and left out of the group's counts, live
    and in the stored figures alike; a woman's sex unknown is no reason to leave her out."""
    from gongzhi.registry import selectors, summaries

    community, user = Area.objects.get(code=COMMUNITY), demo.users["community"]
    for name, years in (("小明", 15), ("小军", 17)):
        person = make_person(name=name, id_number="", birth_date=years_ago(years))
        PersonTag.objects.create(person=person, group=group("left_behind_child"), attributes=LEFT_BEHIND)
    for name, gender in (("王芳", "F"), ("王某", ""), ("王强", "M")):
        person = make_person(name=name, id_number="", birth_date=years_ago(35), gender=gender)
        PersonTag.objects.create(person=person, group=group("left_behind_women"))

    def counts() -> dict[str, int]:
        return {row["code"]: row["count"] for row in selectors.area_statistics(user, community)["by_tag"]}

    assert counts() == {"left_behind_child": 1, "left_behind_women": 2}
    summaries.refresh()
    assert counts() == {"left_behind_child": 1, "left_behind_women": 2}
