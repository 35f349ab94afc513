"""Staff acting for residents who cannot use a phone (代办, issue 14 item 2): the property service
rating and questions on the community's disclosure are stored as the resident's, counted once,
marked, audited and told to the resident; persons outside the scope are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import InvalidInput, NotAllowed
from gongzhi.disclosure import property_services, services_items
from gongzhi.disclosure.models import Question, SatisfactionRating
from gongzhi.notices.models import Notice
from gongzhi.registry.on_behalf import OnBehalf

from .conftest import make_person

pytestmark = pytest.mark.django_db


def _for(person, channel="home_visit", note=""):
    return OnBehalf(person=person.pk, channel=channel, note=note)


# --- the property service rating --------------------------------------------------------------------

def test_staff_rate_for_an_elder_once_per_quarter(demo, estate):
    staff = demo.users["community"]
    entry = property_services.rate(user=staff, estate=estate.estate, rating=4, on_behalf=_for(estate.zhang))
    assert entry.person == estate.zhang and entry.by_proxy and entry.on_behalf_by == staff
    audit = AuditEntry.objects.get(action="disclosure.property_rate_on_behalf")
    assert audit.actor == staff and audit.after["person"] == estate.zhang.pk and "张秀英" not in str(audit.after)
    with pytest.raises(ValidationError, match="每季度只能评价一次"):
        property_services.rate(user=staff, estate=estate.estate, rating=1, on_behalf=_for(estate.zhang, "phone"))
    assert SatisfactionRating.objects.count() == 1


def test_online_and_staff_ratings_count_once_both_ways(demo, estate):
    staff, res = demo.users["community"], demo.users["resident"]
    property_services.rate(user=res, estate=estate.estate, rating=5)
    with pytest.raises(ValidationError, match="本人在网上或经工作人员代办"):
        property_services.rate(user=staff, estate=estate.estate, rating=1, on_behalf=_for(estate.wang))
    SatisfactionRating.objects.all().delete()
    property_services.rate(user=staff, estate=estate.estate, rating=3, on_behalf=_for(estate.wang, "phone"))
    assert Notice.objects.filter(recipient=res, title__contains="代您评价").exists()
    with pytest.raises(ValidationError, match="本人或经社区工作人员代办"):
        property_services.rate(user=res, estate=estate.estate, rating=5)
    assert property_services.my_rating(res, estate.estate).rating == 3


def test_the_resident_sees_their_rating_was_submitted_by_staff_without_a_name(demo, estate, login_as):
    staff = demo.users["community"]
    property_services.rate(user=staff, estate=estate.estate, rating=4, on_behalf=_for(estate.wang, "phone"))
    page = login_as("resident").get("/disclosure/property/rate/").content.decode()
    assert "my-rating-proxy" in page and "社区工作人员代为提交" in page and staff.display_name not in page


def test_rating_for_someone_outside_the_estate_or_scope_is_refused(demo, estate):
    from gongzhi.areas.models import Area

    staff = demo.users["community"]
    no_house = make_person(estate.grid, "孙无房", "34170219500101003", "13900000001")
    with pytest.raises(ValidationError, match="不住在本小区"):
        property_services.rate(user=staff, estate=estate.estate, rating=4, on_behalf=_for(no_house))
    far = make_person(Area.objects.get(code="34170200100201"), "周远方", "34170219500101004", "13900000002")
    with pytest.raises(InvalidInput, match="辖区的居民档案"):
        property_services.rate(user=staff, estate=estate.estate, rating=4, on_behalf=_for(far))
    with pytest.raises(NotAllowed):  # the grid worker does not publish disclosures
        property_services.rate(user=demo.users["grid"], estate=estate.estate, rating=4,
                               on_behalf=_for(estate.zhang))
    assert not SatisfactionRating.objects.exists()


def test_the_rating_page(login_as, estate):
    client = login_as("community")
    assert "rate-on-behalf" in client.get("/disclosure/property/").content.decode()
    url = f"/disclosure/property/estates/{estate.estate.pk}/rate/on-behalf/"
    assert "张秀英" in client.get(url, {"q": "张秀英"}).content.decode()
    no_channel = client.post(url, {"q": "张秀英", "person": estate.zhang.pk, "rating": "5"})
    assert no_channel.status_code == 422 and "请选择居民的表达方式" in no_channel.content.decode()
    done = client.post(url, {"q": "张秀英", "person": estate.zhang.pk, "rating": "5", "channel": "in_person"})
    assert done.status_code == 302 and SatisfactionRating.objects.get().rating == 5
    assert login_as("resident").get(url).status_code == 403


# --- questions ------------------------------------------------------------------------------------

def test_a_question_asked_for_a_resident_is_theirs_and_the_answer_reaches_them(demo, estate, area, make_item):
    staff, res = demo.users["community"], demo.users["resident"]
    item = make_item()
    item = services_items.publish(actor=staff, item=item)
    q = services_items.ask(actor=staff, area=area, text="楼道灯什么时候换？", item=item,
                           on_behalf=_for(estate.wang, "phone", "电话来问"))
    assert q.asker == res and q.person == estate.wang and q.by_proxy and q.on_behalf_note == "电话来问"
    assert AuditEntry.objects.filter(action="disclosure.question_ask_on_behalf").exists()
    assert Notice.objects.filter(recipient=res, title__contains="代您").exists()
    services_items.answer(actor=staff, question=q, text="下周更换。")
    assert Notice.objects.filter(recipient=res, title="您的提问已答复").exists()
    elder = services_items.ask(actor=staff, area=area, text="低保什么时候公示？", on_behalf=_for(estate.zhang))
    assert elder.asker is None and elder.person == estate.zhang


def test_a_question_for_someone_of_another_community_is_refused(demo, estate, other_area):
    staff = demo.users["community"]
    with pytest.raises(NotAllowed):
        services_items.ask(actor=staff, area=other_area, text="？", on_behalf=_for(estate.zhang))
    street = demo.users["street"]
    with pytest.raises(InvalidInput, match="不是"):
        services_items.ask(actor=street, area=other_area, text="？", on_behalf=_for(estate.zhang))
    assert not Question.objects.exists()


def test_the_question_page_and_the_staff_list_marks_it(demo, estate, login_as, client):
    staff = demo.users["community"]
    page = login_as("community")
    assert "question-on-behalf" in page.get("/disclosure/manage/questions/").content.decode()
    response = page.post("/disclosure/manage/questions/on-behalf/", {
        "q": "张秀英", "person": estate.zhang.pk, "channel": "in_person", "item": "", "text": "公示栏在哪里？"})
    assert response.status_code == 302
    listed = page.get("/disclosure/manage/questions/").content.decode()
    assert "question-proxy" in listed and "张秀英" in listed and staff.display_name in listed
    q = Question.objects.get()
    services_items.answer(actor=staff, question=q, text="在居委会门口。")
    client.logout()
    public = client.get(reverse("disclosure:community", kwargs={"code": q.area.code})).content.decode()
    assert "公示栏在哪里？" in public and "张秀英" not in public and staff.display_name not in public
