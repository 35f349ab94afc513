"""Announcements (issue 16 item 4): an announcement to a group reaches exactly that group — the
registry's own query for it — and its read rate and the list of who has not been reached are right
after some recipients read it and the grid worker tells others at the door."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.areas.models import Area
from gongzhi.core.errors import InvalidInput, NotAllowed
from gongzhi.notices import announcements as service
from gongzhi.notices.models import Announcement, Notice, Receipt

pytestmark = pytest.mark.django_db

STREET = "341702001"


@pytest.fixture
def people(demo):
    from gongzhi.registry import demo as registry_demo

    registry_demo.build(demo.district, residents=600)
    return demo


def tagged_group(area: Area):
    """A special group of our own: six people living in ``area`` carry it, and two who must not be
    reached (one deceased, one in another street)."""
    from gongzhi.registry.models import Person, PersonTag, SpecialGroup

    group = SpecialGroup.objects.create(code="test_alone", name="测试独居老人", order=999)
    living = Person.objects.current().filter(area__path__startswith=area.path, account_link__isnull=True).order_by("pk")
    for person in living[:6]:
        PersonTag.objects.create(person=person, group=group)
    gone = living[6]
    PersonTag.objects.create(person=gone, group=group)
    Person.objects.filter(pk=gone.pk).update(deceased=True)
    elsewhere = Person.objects.current().exclude(area__path__startswith=area.path).first()
    PersonTag.objects.create(person=elsewhere, group=group)
    return group


def test_a_group_announcement_reaches_exactly_that_group_and_counts_its_reads(people, client):
    from gongzhi.registry import selectors as registry
    from gongzhi.registry.models import ResidentLink

    street, staff = Area.objects.get(code=STREET), people.users["street"]
    group = tagged_group(street)
    expected = set(registry.persons_for(staff, area_code=STREET, tags=[group.code])
                   .filter(deceased=False, moved_out=False).values_list("pk", flat=True))
    assert len(expected) == 6
    readers = []
    for n, pk in enumerate(sorted(expected)[:3]):  # three of them have accounts
        user = User.objects.create(username=f"reader{n}", real_name=f"读者{n}")
        RoleAssignment.objects.create(user=user, role="resident", area=Area.objects.get(code=f"{STREET}001"))
        from gongzhi.registry.models import Person

        person = Person.objects.get(pk=pk)
        ResidentLink.objects.create(user=user, person=person, method="counter", area=person.area)
        readers.append(user)

    announcement = service.save(actor=staff, announcement=Announcement(
        title="冬季用电安全提醒", body="请勿私拉电线为电动车充电。", area=street, audience="group", group=group))
    service.publish(actor=staff, announcement=announcement)
    assert set(announcement.receipts.values_list("person_id", flat=True)) == expected
    assert Notice.objects.filter(kind="announcement").count() == 3
    assert service.reach(announcement) == {"total": len(expected), "read": 0, "told": 0, "rate": 0.0,
                                           "unreached": len(expected)}

    for user in readers[:2]:  # two read it on the board
        client.force_login(user)
        assert "请勿私拉电线" in client.get(f"/notices/board/{announcement.pk}/").content.decode()
    told = announcement.receipts.filter(user__isnull=True).order_by("pk").first()
    service.mark_told(actor=people.users["grid"] if told.grid and told.grid.code == "34170200100101"
                      else staff, receipt=told)
    reach = service.reach(announcement)
    assert (reach["read"], reach["told"], reach["unreached"]) == (2, 1, len(expected) - 3)
    assert reach["rate"] == round(2 / len(expected) * 100, 1)
    unreached = {r.person_id for r in service.unreached(announcement)}
    assert unreached == expected - {u.resident_link.person_id for u in readers[:2]} - {told.person_id}

    client.force_login(staff)
    page = client.get(f"/notices/announcements/{announcement.pk}/").content.decode()
    assert f"共 {len(expected)} 人，已读 2 人" in page and readers[2].resident_link.person.real_name in page
    printed = client.get(f"/notices/announcements/{announcement.pk}/?print=1").content.decode()
    assert "已上门告知" not in printed and readers[2].resident_link.person.real_name in printed


def test_grid_workers_and_building_households_are_their_own_audiences(people):
    from gongzhi.registry.models import Building, Person

    street, staff = Area.objects.get(code=STREET), people.users["street"]
    to_grid = service.save(actor=staff, announcement=Announcement(title="网格员例会", body="周五下午两点开会。", area=street,
                                                               audience="grid_workers"))
    service.publish(actor=staff, announcement=to_grid)
    assert set(to_grid.receipts.values_list("user__username", flat=True)) == {"grid"}

    building = Building.objects.filter(area__path__startswith=street.path, houses__residents__isnull=False).first()
    to_building = service.save(actor=staff, announcement=Announcement(
        title="停水通知", body="明日 9 时至 12 时停水。", area=street, audience="building", estate=building.estate,
        building=building))
    service.publish(actor=staff, announcement=to_building)
    living = set(Person.objects.current().filter(house__building=building).values_list("pk", flat=True))
    assert set(to_building.receipts.values_list("person_id", flat=True)) == living and living


def test_rules_scope_and_scheduled_publishing(people):
    street, staff = Area.objects.get(code=STREET), people.users["street"]
    with pytest.raises(InvalidInput):  # a group audience without the group
        service.save(actor=staff, announcement=Announcement(title="x", body="y", area=street, audience="group"))
    with pytest.raises(NotAllowed):  # another street's staff
        service.save(actor=people.users["town"], announcement=Announcement(title="x", body="y", area=street))
    with pytest.raises(NotAllowed):
        service.save(actor=people.users["resident"], announcement=Announcement(title="x", body="y", area=street))
    later = service.save(actor=staff, announcement=Announcement(title="燃气安全检查", body="下周入户检查。", area=street))
    at = timezone.now() + datetime.timedelta(hours=2)
    service.publish(actor=staff, announcement=later, at=at)
    later.refresh_from_db()
    assert later.status == "scheduled" and not later.receipts.exists()
    assert service.publish_due(now=at - datetime.timedelta(minutes=1)) == 0
    assert service.publish_due(now=at + datetime.timedelta(minutes=1)) == 1
    later.refresh_from_db()
    assert later.status == "published" and later.receipts.count() > 0
    assert service.publish_due(now=at + datetime.timedelta(minutes=2)) == 0  # once
    assert Receipt.objects.filter(announcement=later).count() == later.receipts.count()
