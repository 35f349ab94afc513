"""Moving out takes a person off their house and household; a household has one head and a person
heads one household; statistics count who lives in the area now."""

import datetime

import pytest

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry import selectors, services
from gongzhi.registry.models import Household, Person, PersonMove

from .factories import GRID, make_id, make_person

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def home(demo):
    """A house with a household of two: 张三 (head) and 李四 (spouse)."""
    grid = Area.objects.get(code=GRID)
    actor = demo.users["grid"]
    house = services.create_house(actor=actor, area=grid, address="幸福路88号 阳光小区 3栋2单元501室")
    zhang = make_person(name="张三", id_number=make_id(sequence="011"))
    li = make_person(name="李四", id_number=make_id(sequence="022"))
    household = services.create_household(actor=actor, area=grid, number="H001", house=house, head=zhang)
    for person in (zhang, li):
        services.update_person(actor=actor, person=person, house=house, household=household)
    services.update_person(actor=actor, person=li, relation_to_head="spouse")
    return {"grid": grid, "actor": actor, "house": house, "household": household,
            "zhang": Person.objects.get(pk=zhang.pk), "li": Person.objects.get(pk=li.pk)}


def test_moving_out_leaves_house_and_household_and_the_head_with_them(home):
    zhang = home["zhang"]

    move = services.record_move(actor=home["actor"], person=zhang, kind="move_out", date=DAY, place="南京市")

    zhang.refresh_from_db()
    household = Household.objects.get(pk=home["household"].pk)
    assert zhang.moved_out and zhang.house is None and zhang.household is None and zhang.relation_to_head == ""
    assert zhang.area == home["grid"]  # the record stays where it was kept
    assert household.head is None and list(household.members.all()) == [home["li"]]
    assert move.house == home["house"]
    entry = AuditEntry.objects.filter(action="registry.person.move").latest("seq")
    assert entry.after["moved_out"] is True and entry.after["house"] is None and entry.after["household"] is None


def test_the_house_page_lists_who_lives_there_and_who_moved_out(client, demo, home):
    services.record_move(actor=home["actor"], person=home["zhang"], kind="move_out", date=DAY, place="南京市")
    client.force_login(demo.users["community"])

    page = client.get(f"/registry/houses/{home['house'].pk}/").content.decode()

    residents = page.split("</table>")[0]
    assert "李四" in residents and "张三" not in residents
    moves = page.split('data-testid="house-moves"')[1].split("</table>")[0]
    assert "张三" in moves and "迁出" in moves and "南京市" in moves


def test_the_house_page_merges_moves_at_the_house_with_the_residents_other_moves(client, demo, home):
    """Moves at the house (a person who left) and a resident's moves elsewhere, each once, newest first."""
    services.record_move(actor=home["actor"], person=home["zhang"], kind="move_out", date=DAY, place="南京市")
    elsewhere = services.record_move(actor=home["actor"], person=home["li"], kind="move_in",
                                     date=DAY - datetime.timedelta(days=400), place="合肥市")
    client.force_login(demo.users["community"])
    found = selectors.house_moves(home["house"], [home["li"].pk])
    assert [m.place for m in found][:1] == ["南京市"] and elsewhere in found
    assert len(found) == len({m.pk for m in found}) and found == sorted(found, key=lambda m: (m.date, m.pk), reverse=True)
    moves = client.get(f"/registry/houses/{home['house'].pk}/").content.decode().split('data-testid="house-moves"')[1]
    moves = moves.split("</table>")[0]
    assert moves.index("南京市") < moves.index("合肥市") and moves.count("南京市") == 1
    assert home["actor"].display_name in moves


def test_statistics_count_only_those_living_there_now(demo, home):
    community = home["grid"].parent
    before = selectors.area_statistics(demo.users["community"], community)["total"]

    services.record_move(actor=home["actor"], person=home["zhang"], kind="move_out", date=DAY)
    assert selectors.area_statistics(demo.users["community"], community)["total"] == before - 1

    services.record_move(actor=home["actor"], person=Person.objects.get(pk=home["zhang"].pk), kind="move_in",
                         date=DAY + datetime.timedelta(days=3))
    assert not Person.objects.get(pk=home["zhang"].pk).moved_out
    assert selectors.area_statistics(demo.users["community"], community)["total"] == before


def test_the_person_list_and_page_mark_a_moved_out_person(client, demo, home):
    services.record_move(actor=home["actor"], person=home["zhang"], kind="move_out", date=DAY)
    client.force_login(demo.users["community"])

    assert 'data-testid="moved-out"' in client.get(f"/registry/persons/{home['zhang'].pk}/").content.decode()
    listing = client.get("/registry/", {"q": "张三"}).content.decode()
    assert "已迁出" in listing
    assert client.get(f"/api/v1/persons/{home['zhang'].pk}").json()["moved_out"] is True


def test_a_new_head_takes_over_and_the_old_head_stays_a_member(home):
    li, zhang = home["li"], home["zhang"]

    services.set_household_head(actor=home["actor"], household=home["household"], person=li)

    zhang.refresh_from_db()
    li.refresh_from_db()
    assert Household.objects.get(pk=home["household"].pk).head == li and li.relation_to_head == "head"
    assert zhang.household == home["household"] and zhang.relation_to_head == ""  # to be entered


def test_heading_another_household_leaves_the_first_without_a_head(home):
    zhang = home["zhang"]
    other = services.create_household(actor=home["actor"], area=home["grid"], number="H002")

    services.set_household_head(actor=home["actor"], household=other, person=zhang)

    zhang.refresh_from_db()
    assert Household.objects.get(pk=home["household"].pk).head is None
    assert Household.objects.get(pk=other.pk).head == zhang and zhang.household == other
    assert Household.objects.filter(head=zhang).count() == 1
    heads = [e.after for e in AuditEntry.objects.filter(action="registry.household.head").order_by("seq")]
    assert {"head": None} in heads and {"head": zhang.pk} in heads


def test_a_move_records_the_house_for_the_houses_history(home):
    move = services.record_move(actor=home["actor"], person=home["li"], kind="move_in", date=DAY)

    assert PersonMove.objects.get(pk=move.pk).house == home["house"]
