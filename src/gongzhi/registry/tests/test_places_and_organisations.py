"""Houses, moves, organisations, vehicles and facilities validate and normalise what they store."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas.models import Area
from gongzhi.registry.models import Building, Estate, Facility, House, Organisation, PersonMove, Unit, Vehicle

from .factories import GRID, OTHER_STREET_GRID, make_person

pytestmark = pytest.mark.django_db


def error_codes(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return {field: [e.code for e in errors] for field, errors in caught.value.error_dict.items()}


@pytest.fixture
def grid(demo):
    return Area.objects.get(code=GRID)


@pytest.fixture
def building(grid):
    estate = Estate.objects.create(area=grid, name="幸福小区")
    return Building.objects.create(area=grid, estate=estate, name="3栋", floors=6)


def test_rented_house_records_owner_tenant_and_last_check(grid, building):
    unit = Unit.objects.create(area=grid, building=building, name="1单元")
    house = House(area=grid, unit=unit, room="301", address="幸福小区3栋1单元301", floor_area=Decimal("89.50"),
                  use="rented", owner=make_person(name="房东"), tenant=make_person(name="租客"),
                  lease_start=datetime.date(2025, 1, 1), lease_end=datetime.date(2026, 12, 31),
                  last_rental_check=datetime.date(2025, 6, 1))
    house.full_clean()
    house.save()
    assert house.building == building  # taken from the unit
    assert list(House.objects.rented()) == [house]
    assert str(house.owner) == "房东" and list(house.tenant.rented_houses.all()) == [house]


def test_only_rented_houses_have_a_tenant(grid):
    house = House(area=grid, address="幸福小区1号", use="owner_occupied", tenant=make_person(name="租客"))
    assert error_codes(house) == {"use": ["not_rented"]}


def test_house_unit_must_belong_to_its_building(grid, building):
    other = Building.objects.create(area=grid, estate=building.estate, name="4栋")
    unit = Unit.objects.create(area=grid, building=other, name="1单元")
    house = House(area=grid, building=building, unit=unit, address="幸福小区3栋")
    assert error_codes(house) == {"unit": ["unit_building_mismatch"]}


def test_lease_dates_and_check_date_are_checked(grid):
    house = House(area=grid, address="幸福小区2号", use="rented", lease_start=datetime.date(2025, 1, 1),
                  lease_end=datetime.date(2024, 1, 1),
                  last_rental_check=datetime.date.today() + datetime.timedelta(days=1))
    assert error_codes(house) == {"lease_end": ["lease_order"], "last_rental_check": ["future_date"]}


def test_moves_form_a_dated_history(grid):
    person = make_person()
    PersonMove.objects.create(person=person, kind="birth", date=datetime.date(1990, 1, 1))
    PersonMove.objects.create(person=person, kind="move_out", date=datetime.date(2015, 3, 1), place="合肥市")
    PersonMove.objects.create(person=person, kind="move_in", date=datetime.date(2020, 5, 1))
    assert [m.get_kind_display() for m in person.moves.all()] == ["出生", "迁出", "迁入"]
    future = PersonMove(person=person, kind="death", date=datetime.date.today() + datetime.timedelta(days=1))
    assert error_codes(future) == {"date": ["future_date"]}


def test_organisation_codes_and_phones_are_normalised(grid):
    organisation = Organisation(area=grid, kind="property_company", name="幸福物业", uscc="91110000600037341l",
                                phone="0566 2001001")
    organisation.full_clean()
    organisation.save()
    assert (organisation.uscc, organisation.phone) == ("91110000600037341L", "0566-2001001")
    estate = Estate.objects.create(area=grid, name="和平小区", property_company=organisation)
    assert list(organisation.managed_estates.all()) == [estate]


def test_organisation_with_a_wrong_code_is_rejected(grid):
    organisation = Organisation(area=grid, kind="merchant", name="小卖部", uscc="91110000600037341M", phone="123")
    assert error_codes(organisation) == {"uscc": ["invalid_uscc"], "phone": ["invalid_phone"]}


def test_many_shops_may_have_no_credit_code(grid):
    for name in ("早餐店", "理发店"):
        Organisation(area=grid, kind="merchant", name=name, uscc="").save()
    assert Organisation.objects.filter(uscc__isnull=True).count() == 2


def test_vehicle_plate_is_normalised_and_validated(grid):
    vehicle = Vehicle(area=grid, plate="皖rd 12345", owner=make_person())
    vehicle.full_clean()
    vehicle.save()
    assert (vehicle.plate, vehicle.is_new_energy) == ("皖RD12345", True)
    assert error_codes(Vehicle(area=grid, plate="皖R1234")) == {"plate": ["invalid_plate"]}


def test_vehicle_plate_is_unique_in_any_spelling(grid):
    Vehicle.objects.create(area=grid, plate="皖R12345")
    assert "plate" in error_codes(Vehicle(area=grid, plate="皖r12345"))


def test_facility_location_is_checked(grid):
    Facility(area=grid, category="elderly_care", name="日间照料中心", lon=117.41, lat=30.71).full_clean()
    assert error_codes(Facility(area=grid, category="market", name="菜场", lon=117.41)) == {
        "lat": ["partial_location"]}
    assert error_codes(Facility(area=grid, category="market", name="菜场", lon=200, lat=95)) == {
        "lon": ["invalid_lon"], "lat": ["invalid_lat"]}


def test_district_code_follows_a_change_of_area(grid):
    facility = Facility.objects.create(area=grid, category="sports", name="健身广场")
    facility.area = Area.objects.get(code=OTHER_STREET_GRID)
    facility.save(update_fields=["area"])
    facility.refresh_from_db()
    assert (facility.area.code, facility.district_code) == (OTHER_STREET_GRID, "341702")
