"""Registry services: permission inside the record's area, validation, audited before/after."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry import selectors, services
from gongzhi.registry.models import Household, Person, PersonTag, SpecialGroup

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_id, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(demo):
    return Area.objects.get(code=GRID)


@pytest.fixture
def neighbour(demo):
    return Area.objects.get(code=NEIGHBOUR_GRID)


def entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def test_grid_worker_registers_a_person_in_their_grid(demo, grid):
    number = make_id(birth="19800515", sequence="031")
    person = services.create_person(actor=demo.users["grid"], area=grid, real_name="张三", id_number=number,
                                    phone="139 1234 5678")
    person.refresh_from_db()
    assert (person.gender, person.birth_date, person.phone) == ("M", datetime.date(1980, 5, 15), "13912345678")
    [entry] = entries("registry.person.create")
    assert entry.actor == demo.users["grid"] and entry.object_id == str(person.pk)
    assert entry.after["id_number"] == number[:6] + "********" + number[-4:]
    assert entry.after["phone"] == "139****5678"
    assert number not in str(entry.after) and "13912345678" not in str(entry.after)


def test_person_cannot_be_created_outside_the_actors_scope(demo, neighbour):
    with pytest.raises(PermissionDenied):
        services.create_person(actor=demo.users["grid"], area=neighbour, real_name="王五")
    assert not Person.objects.exists()


def test_roles_without_registry_edit_cannot_register(demo, grid):
    for username in ("district", "street", "dept", "resident"):
        with pytest.raises(PermissionDenied):
            services.create_person(actor=demo.users[username], area=grid, real_name="张三")


def test_invalid_person_is_refused_with_field_messages(demo, grid):
    bad = make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        services.create_person(actor=demo.users["grid"], area=grid, real_name="张三", id_number=bad)
    assert "id_number" in error.value.message_dict
    assert not Person.objects.exists()


def test_a_second_person_with_the_same_id_number_is_refused(demo, grid):
    number = make_id(sequence="555")
    services.create_person(actor=demo.users["grid"], area=grid, real_name="张三", id_number=number)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    with pytest.raises(ValidationError) as error:
        services.create_person(actor=demo.users["grid"], area=grid, real_name="张三丰", id_number=full_width)
    assert error.value.message_dict["id_number"] == ["该身份证号码已登记在其他人员名下。"]


def test_update_records_every_changed_field_with_its_actor(demo, grid):
    person = services.create_person(actor=demo.users["grid"], area=grid, real_name="张三", id_number=make_id(),
                                    phone="13900000001")
    services.update_person(actor=demo.users["community"], person=person, real_name="张叁", phone="13900000002",
                           education="bachelor")
    [entry] = entries("registry.person.update")
    assert entry.actor == demo.users["community"]
    assert entry.before == {"education": "", "phone": "139****0001", "real_name": "张三"}
    assert entry.after == {"education": "bachelor", "phone": "139****0002", "real_name": "张叁"}
    history = list(selectors.person_history(demo.users["grid"], person))
    assert [(e.action, e.actor) for e in history] == [("registry.person.update", demo.users["community"]),
                                                      ("registry.person.create", demo.users["grid"])]


def test_update_without_changes_records_nothing(demo, grid):
    person = services.create_person(actor=demo.users["grid"], area=grid, real_name="张三", id_number=make_id())
    services.update_person(actor=demo.users["grid"], person=person, real_name="张三")
    assert entries("registry.person.update") == []


def test_update_of_a_person_in_another_grid_is_refused(demo):
    person = make_person(grid=NEIGHBOUR_GRID)
    with pytest.raises(PermissionDenied):
        services.update_person(actor=demo.users["grid"], person=person, real_name="李四")


def test_a_person_cannot_be_moved_into_an_area_out_of_scope(demo, neighbour):
    person = make_person()
    with pytest.raises(PermissionDenied):
        services.update_person(actor=demo.users["grid"], person=person, area=neighbour)


def test_linked_house_must_be_in_the_actors_scope(demo, neighbour):
    house = services.create_house(actor=demo.users["community"], area=neighbour, address="幸福路1号")
    person = make_person()
    with pytest.raises(ValidationError) as error:
        services.update_person(actor=demo.users["grid"], person=person, house=house)
    assert "house" in error.value.message_dict


def test_death_marks_the_person_deceased(demo):
    person = make_person()
    move = services.record_move(actor=demo.users["grid"], person=person, kind="death",
                                date=datetime.date(2024, 3, 1))
    person.refresh_from_db()
    assert person.deceased and move.recorded_by == demo.users["grid"]
    assert entries("registry.person.move")[0].after["deceased"] is True


def test_move_in_keeps_the_person_living_and_refuses_future_dates(demo):
    person = make_person()
    services.record_move(actor=demo.users["grid"], person=person, kind="move_in", date=datetime.date(2020, 1, 1))
    assert not Person.objects.get(pk=person.pk).deceased
    with pytest.raises(ValidationError):
        services.record_move(actor=demo.users["grid"], person=person, kind="move_out",
                             date=datetime.date.today() + datetime.timedelta(days=2))


def test_move_out_of_scope_is_refused(demo):
    person = make_person(grid=OTHER_STREET_GRID)
    with pytest.raises(PermissionDenied):
        services.record_move(actor=demo.users["community"], person=person, kind="move_in",
                             date=datetime.date(2020, 1, 1))


def test_tag_and_untag_a_person(demo):
    person = make_person()
    group = SpecialGroup.objects.get(code="unemployed")
    tag = services.tag_person(actor=demo.users["grid"], person=person, group=group,
                              attributes={"registered": True})
    assert tag.attributes == {"registered": True}
    services.tag_person(actor=demo.users["grid"], person=person, group=group, attributes={"registered": False})
    assert PersonTag.objects.get(person=person).attributes == {"registered": False}
    assert services.untag_person(actor=demo.users["grid"], person=person, group=group)
    assert not PersonTag.objects.exists()
    assert not services.untag_person(actor=demo.users["grid"], person=person, group=group)
    assert [e.action for e in selectors.person_history(demo.users["grid"], person)] == [
        "registry.person.untag", "registry.person.tag", "registry.person.tag"]


def test_tagging_out_of_scope_is_refused(demo):
    person = make_person(grid=NEIGHBOUR_GRID)
    with pytest.raises(PermissionDenied):
        services.tag_person(actor=demo.users["grid"], person=person,
                            group=SpecialGroup.objects.get(code="veteran"))


def test_house_create_and_update_are_audited(demo, grid):
    house = services.create_house(actor=demo.users["grid"], area=grid, address="幸福路88号 阳光小区3栋2单元501室",
                                  use="vacant")
    services.update_house(actor=demo.users["grid"], house=house, use="rented",
                          last_rental_check=datetime.date(2025, 1, 2))
    [entry] = entries("registry.house.update")
    assert entry.after == {"last_rental_check": "2025-01-02", "use": "rented"}
    with pytest.raises(ValidationError):
        services.update_house(actor=demo.users["grid"], house=house, use="vacant",
                              lease_start=datetime.date(2025, 1, 1))


def test_house_out_of_scope_is_refused(demo, neighbour):
    with pytest.raises(PermissionDenied):
        services.create_house(actor=demo.users["grid"], area=neighbour, address="幸福路2号")


def test_household_with_head(demo, grid):
    head = make_person()
    household = services.create_household(actor=demo.users["grid"], area=grid, number="0001", head=head)
    head.refresh_from_db()
    household.refresh_from_db()
    assert household.head == head and head.household == household and head.relation_to_head == "head"
    assert entries("registry.household.head")[0].after == {"head": head.pk}


def test_household_out_of_scope_is_refused(demo, neighbour):
    with pytest.raises(PermissionDenied):
        services.create_household(actor=demo.users["grid"], area=neighbour, number="0002")
    assert not Household.objects.exists()


def test_organisation_create_update_and_validation(demo, grid):
    organisation = services.create_organisation(actor=demo.users["grid"], area=grid, kind="merchant",
                                                name="便民超市", uscc="")
    assert organisation.uscc is None
    services.update_organisation(actor=demo.users["grid"], organisation=organisation, name="阳光便民超市")
    assert entries("registry.organisation.update")[0].after == {"name": "阳光便民超市"}
    with pytest.raises(ValidationError) as error:
        services.update_organisation(actor=demo.users["grid"], organisation=organisation, uscc="123")
    assert "uscc" in error.value.message_dict


def test_organisation_out_of_scope_is_refused(demo, neighbour):
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=demo.users["grid"], area=neighbour, kind="merchant", name="超市")


def test_facility_create_update_and_validation(demo, grid):
    facility = services.create_facility(actor=demo.users["grid"], area=grid, category="market", name="菜场",
                                        lon=117.4, lat=30.7)
    services.update_facility(actor=demo.users["grid"], facility=facility, name="阳光菜场")
    assert entries("registry.facility.create")[0].after["lon"] == 117.4
    with pytest.raises(ValidationError):
        services.update_facility(actor=demo.users["grid"], facility=facility, lat=None)


def test_facility_out_of_scope_is_refused(demo, neighbour):
    with pytest.raises(PermissionDenied):
        services.create_facility(actor=demo.users["grid"], area=neighbour, category="market", name="菜场")


def test_vehicle_create_update_and_plate_check(demo, grid):
    owner = make_person()
    vehicle = services.create_vehicle(actor=demo.users["grid"], area=grid, plate="皖r 12345", owner=owner)
    assert vehicle.plate == "皖R12345"
    services.update_vehicle(actor=demo.users["grid"], vehicle=vehicle, plate="皖RD12345")
    assert entries("registry.vehicle.update")[0].after == {"plate": "皖RD12345"}
    with pytest.raises(ValidationError):
        services.create_vehicle(actor=demo.users["grid"], area=grid, plate="ABC")


def test_vehicle_out_of_scope_is_refused(demo, neighbour):
    with pytest.raises(PermissionDenied):
        services.create_vehicle(actor=demo.users["grid"], area=neighbour, plate="皖R12346")


def test_a_resident_role_elsewhere_grants_no_registry_edit_there(demo):
    from gongzhi.accounts.models import RoleAssignment, User

    RoleAssignment.objects.create(user=demo.users["grid"], role="resident", area=Area.objects.get(code="341702002001"))
    grid_worker = User.objects.get(pk=demo.users["grid"].pk)
    with pytest.raises(PermissionDenied):
        services.create_person(actor=grid_worker, area=Area.objects.get(code=OTHER_STREET_GRID), real_name="赵六")
