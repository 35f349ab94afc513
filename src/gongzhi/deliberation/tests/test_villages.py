"""四议两公开 (issue 13 item 6): steps in order, the rule of each body checked, refusal to go on past
a failed step naming the number that fell short, re-holding, defaults from the registry, the public
page without personal data."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from gongzhi.areas.models import Area
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.deliberation import villages
from gongzhi.deliberation.models import FourTwoStep, ProcessStatus, StepRecord, VillageProcess
from gongzhi.registry.tests.factories import make_id, make_person

VILLAGE = "341702101201"  # 青山村
GROUP = "34170210120101"
OTHER_VILLAGE = "341702101202"  # 石门村
TODAY = datetime.date(2026, 12, 1)

pytestmark = pytest.mark.django_db


def _process(demo, code=VILLAGE):
    return villages.start_process(actor=demo.users["village"], village=Area.objects.get(code=code),
                                  title="村道硬化", matter="硬化二组至三组村道 1.2 公里，村集体出资 30 万元")


def _hold(demo, process, step, **numbers):
    fields = {"held_on": TODAY, "signed_by": "黄某、李某", "today": TODAY}
    fields.update(numbers)
    return villages.record_step(actor=demo.users["village"], process=process, step=step, **fields)


def _through_consultation(demo, process):
    _hold(demo, process, FourTwoStep.PROPOSAL, expected=5, present=5, yes=5, expected_reason="支委 5 人")
    _hold(demo, process, FourTwoStep.CONSULTATION, expected=9, present=8, yes=7, no=1, expected_reason="两委 9 人")


def test_failed_party_meeting_refuses_to_advance_and_names_the_number(demo):
    process = _process(demo)
    _through_consultation(demo, process)
    failed = _hold(demo, process, FourTwoStep.REVIEW, expected=30, present=14, yes=14,
                   expected_reason="按支部党员名册")
    assert not failed.passed
    assert failed.shortfall.startswith("党员大会审议未通过：到会党员占应到 46.7%（14/30人），要求 ≥ 1/2")
    process.refresh_from_db()
    assert process.step == FourTwoStep.REVIEW
    with pytest.raises(Conflict) as refused:
        _hold(demo, process, FourTwoStep.RESOLUTION, expected=100, present=80, yes=70, expected_households=40,
              present_households=30, expected_reason="x")
    assert "14/30" in refused.value.message and "不能进入“村民会议或村民代表会议决议”" in refused.value.message
    # Re-held: a second attempt passes; both are kept.
    again = _hold(demo, process, FourTwoStep.REVIEW, expected=30, present=22, yes=20, no=2,
                  expected_reason="按支部党员名册")
    assert again.passed and again.attempt == 2
    assert StepRecord.objects.filter(process=process, step=FourTwoStep.REVIEW).count() == 2
    process.refresh_from_db()
    assert process.step == FourTwoStep.RESOLUTION


def test_party_meeting_yes_counts_against_all_who_should_attend(demo):
    process = _process(demo)
    _through_consultation(demo, process)
    row = _hold(demo, process, FourTwoStep.REVIEW, expected=30, present=20, yes=15, no=5, expected_reason="名册")
    assert not row.passed  # 15 of 20 present, but not more than half of 30
    assert "同意票占应到会党员 50.0%（15/30人），要求 > 1/2" in row.shortfall


def test_whole_process_completes(demo):
    process = _process(demo)
    _through_consultation(demo, process)
    _hold(demo, process, FourTwoStep.REVIEW, expected=30, present=25, yes=24, expected_reason="名册")
    row = _hold(demo, process, FourTwoStep.RESOLUTION, meeting="representatives", expected=45, present=30, yes=28,
                expected_reason="村民代表 45 人")
    assert row.passed and row.rule == "representatives_meeting"
    _hold(demo, process, FourTwoStep.RESOLUTION_DISCLOSURE, published_where="村务公开栏", published_text="决议：硬化村道")
    with pytest.raises(InvalidInput):
        _hold(demo, process, FourTwoStep.RESULT_DISCLOSURE, published_where="村务公开栏", published_text="")
    _hold(demo, process, FourTwoStep.RESULT_DISCLOSURE, published_where="村务公开栏", published_text="已完工验收")
    process.refresh_from_db()
    assert process.status == ProcessStatus.COMPLETED
    with pytest.raises(Conflict):
        _hold(demo, process, FourTwoStep.RESULT_DISCLOSURE, published_where="x", published_text="y")


def test_villagers_meeting_passes_by_households(demo):
    process = _process(demo)
    _through_consultation(demo, process)
    _hold(demo, process, FourTwoStep.REVIEW, expected=30, present=25, yes=24, expected_reason="名册")
    row = _hold(demo, process, FourTwoStep.RESOLUTION, expected=200, present=90, yes=80, expected_households=60,
                present_households=40, expected_reason="花名册")
    assert row.passed  # 90/200 people is short, but 40/60 households is exactly 2/3
    assert row.rule == "villagers_meeting"


def test_consultation_is_a_simple_majority_of_those_present(demo):
    process = _process(demo)
    _hold(demo, process, FourTwoStep.PROPOSAL, expected=5, present=5, yes=5, expected_reason="支委 5 人")
    row = _hold(demo, process, FourTwoStep.CONSULTATION, expected=9, present=8, yes=4, no=4, expected_reason="9 人")
    assert not row.passed and "两委商议未通过：同意票占参与表决 50.0%（4/8人），要求 > 1/2" in row.shortfall


def test_defaults_from_the_registry_and_override_needs_reason(demo):
    for n in range(4):
        make_person(grid=GROUP, name=f"党员{n}", political_status="cpc_member",
                    id_number=make_id(birth="19700101", sequence=f"{200 + n:03d}"),
                birth_date=datetime.date(1970, 1, 1))
    make_person(grid=GROUP, name="预备党员", political_status="cpc_probationary",
                id_number=make_id(birth="19900101", sequence="300"),
                birth_date=datetime.date(1990, 1, 1))
    make_person(grid=GROUP, name="已故党员", political_status="cpc_member", deceased=True,
                id_number=make_id(birth="19400101", sequence="301"),
                birth_date=datetime.date(1940, 1, 1))
    make_person(grid="34170210120201", name="石门党员", political_status="cpc_member",
                id_number=make_id(birth="19600101", sequence="302"),
                birth_date=datetime.date(1960, 1, 1))
    make_person(grid=GROUP, name="少年", id_number=make_id(birth="20150101", sequence="303"),
                birth_date=datetime.date(2015, 1, 1))
    village = Area.objects.get(code=VILLAGE)
    assert villages.registry_defaults(village, FourTwoStep.REVIEW) == (4, None)
    adults, _households = villages.registry_defaults(village, FourTwoStep.RESOLUTION, today=TODAY)
    assert adults == 5  # four members and the probationary member; not the dead, not the child
    process = _process(demo)
    _through_consultation(demo, process)
    row = _hold(demo, process, FourTwoStep.REVIEW, present=3, yes=3)  # 应到 left blank: the registry's 4
    assert row.expected == 4 and row.expected_default == 4 and row.passed
    other = _process(demo)
    _through_consultation(demo, other)
    with pytest.raises(InvalidInput) as missing:
        _hold(demo, other, FourTwoStep.REVIEW, expected=30, present=20, yes=20)
    assert missing.value.fields == {"expected_reason": "required"}


def test_numbers_are_checked(demo):
    process = _process(demo)
    with pytest.raises(InvalidInput):
        _hold(demo, process, FourTwoStep.PROPOSAL, expected=5, present=6, yes=5, expected_reason="x")
    with pytest.raises(InvalidInput):
        _hold(demo, process, FourTwoStep.PROPOSAL, expected=5, present=5, yes=4, no=2, expected_reason="x")
    with pytest.raises(InvalidInput):
        _hold(demo, process, FourTwoStep.PROPOSAL, expected=5, present=5, yes=5, expected_reason="x",
              held_on=TODAY + datetime.timedelta(days=1))


def test_only_the_villages_staff(demo):
    with pytest.raises(NotAllowed):
        villages.start_process(actor=demo.users["community"], village=Area.objects.get(code=VILLAGE),
                               title="x", matter="y")
    with pytest.raises(InvalidInput):  # 幸福社区 is not a village
        villages.start_process(actor=demo.users["district"], village=Area.objects.get(code="341702001001"),
                               title="x", matter="y")
    process = _process(demo)
    with pytest.raises(NotAllowed):
        villages.record_step(actor=demo.users["villager"], process=process, step=1, held_on=TODAY, signed_by="x")


def test_pages_scoped(demo, client):
    process = _process(demo)
    url = reverse("deliberation:village_process", args=[process.pk])
    client.force_login(demo.users["community"])
    assert client.get(url).status_code == 404
    client.force_login(demo.users["villager"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("deliberation:village_list")).status_code == 403
    client.force_login(demo.users["town"])
    assert client.get(url).status_code == 200


def test_staff_pages_record_steps(demo, login_as):
    client = login_as("village")
    response = client.post(reverse("deliberation:village_new"), {"village": VILLAGE, "title": "修建文化广场",
                                                                 "matter": "在村部东侧修建文化广场"})
    process = VillageProcess.objects.get(title="修建文化广场")
    assert response.status_code == 302
    url = reverse("deliberation:village_process", args=[process.pk])
    client.post(url, {"step": 1, "held_on": "2026-11-01", "expected": 5, "present": 5, "yes": 5,
                      "expected_reason": "支委 5 人", "signed_by": "黄某"})
    client.post(url, {"step": 2, "held_on": "2026-11-02", "expected": 9, "present": 9, "yes": 9,
                      "expected_reason": "两委 9 人", "signed_by": "黄某"})
    response = client.post(url, {"step": 3, "held_on": "2026-11-03", "expected": 30, "present": 14, "yes": 14,
                                 "expected_reason": "名册", "signed_by": "黄某"}, follow=True)
    page = response.content.decode()
    assert "党员大会审议未通过：到会党员占应到 46.7%（14/30人），要求 ≥ 1/2" in page
    response = client.post(url, {"step": 4, "held_on": "2026-11-04", "expected": 30, "present": 20, "yes": 20,
                                 "expected_reason": "x", "signed_by": "黄某"})
    assert response.status_code == 409 and "14/30" in response.content.decode()
    process.refresh_from_db()
    assert process.step == FourTwoStep.REVIEW


def test_public_page_without_login_and_without_personal_data(demo, client, django_assert_max_num_queries):
    people = [make_person(grid=GROUP, name=f"村民甲{n}", political_status="cpc_member", phone=f"1391234000{n}",
                          id_number=make_id(birth="19700101", sequence=f"{400 + n:03d}"),
                birth_date=datetime.date(1970, 1, 1)) for n in range(3)]
    for n in range(3):
        process = _process(demo)
        _through_consultation(demo, process)
        _hold(demo, process, FourTwoStep.REVIEW, expected=30, present=14, yes=14, expected_reason="名册",
              minutes=f"{people[0].real_name}发言", signed_by=people[1].real_name)
    url = reverse("deliberation:village_public", args=[VILLAGE])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "14/30" in page and "党员大会审议未通过" in page and "村道硬化" in page
    for person in people:
        assert person.real_name not in page and person.id_number not in page and person.phone not in page
    for user in demo.users.values():
        assert user.real_name not in page and user.phone not in page
    assert "黄某" not in page
    assert client.get(reverse("deliberation:village_public", args=["341702001001"])).status_code == 404


def test_list_page_queries_bounded(demo, login_as, django_assert_max_num_queries):
    for _n in range(5):
        _process(demo)
    client = login_as("village")
    url = reverse("deliberation:village_list")
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_households_default_counts_households_someone_lives_in(demo):
    from gongzhi.registry.models import Household

    village_area = Area.objects.get(code=GROUP)
    lived, empty = (Household.objects.create(area=village_area, number=n) for n in ("H1", "H2"))
    make_person(grid=GROUP, name="户主甲", household=lived, birth_date=datetime.date(1960, 5, 1),
                id_number=make_id(birth="19600501", sequence="500"))
    make_person(grid=GROUP, name="户主乙", household=empty, moved_out=True, birth_date=datetime.date(1961, 5, 1),
                id_number=make_id(birth="19610501", sequence="501"))
    adults, households = villages.registry_defaults(Area.objects.get(code=VILLAGE), FourTwoStep.RESOLUTION,
                                                    today=TODAY)
    assert (adults, households) == (1, 1)
