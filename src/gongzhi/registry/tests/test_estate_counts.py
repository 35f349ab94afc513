"""An estate's numbers of buildings and houses are its own columns, kept by database triggers (issue 15:
the estate list counted 100,000 houses a page at 1,000,000 people). Every way rows are written keeps
them exact: ORM saves, bulk inserts, moves between buildings and estates, deletes, and an estate saved
from a copy loaded before a house was added."""

import pytest
from django.db import connection

from gongzhi.areas.models import Area
from gongzhi.registry import services
from gongzhi.registry.models import Building, Estate, House

from .factories import GRID

pytestmark = pytest.mark.django_db


def counted(estate: Estate) -> tuple[int, int]:
    estate.refresh_from_db(fields=["building_count", "house_count"])
    return estate.building_count, estate.house_count


def recounted(estate: Estate) -> tuple[int, int]:
    return (Building.objects.filter(estate=estate).count(), House.objects.filter(building__estate=estate).count())


def test_the_counts_follow_every_write(demo):
    grid = Area.objects.get(code=GRID)
    sunny = Estate.objects.create(area=grid, name="阳光小区")
    garden = Estate.objects.create(area=grid, name="花园小区")
    assert counted(sunny) == counted(garden) == (0, 0)

    one = Building.objects.create(area=grid, estate=sunny, name="1栋")
    two = Building.objects.create(area=grid, estate=sunny, name="2栋")
    House.objects.create(area=grid, building=one, address="阳光小区1栋101室")
    House.objects.bulk_create([House(area=grid, district_code=GRID[:6], building=two, address=f"阳光小区2栋{n}室")
                               for n in (101, 102, 201)])
    House.objects.create(area=grid, address="散居户 幸福路9号")  # no building: counted nowhere
    assert counted(sunny) == recounted(sunny) == (2, 4)

    stale = Estate.objects.get(pk=sunny.pk)  # loaded before the next house
    services.create_house(actor=demo.users["community"], area=grid, address="阳光小区1栋102室", building=one)
    stale.address = "幸福路8号"
    stale.save()  # an update writes the estate's fields, never its counts
    assert counted(sunny) == recounted(sunny) == (2, 5)

    moved = House.objects.filter(building=two).first()
    moved.building = one
    moved.save()  # within the estate: no change
    assert counted(sunny) == (2, 5)
    two.estate = garden
    two.save()  # the building takes its houses with it
    assert (counted(sunny), counted(garden)) == (recounted(sunny), recounted(garden)) == ((1, 3), (1, 2))
    House.objects.filter(building=one).update(building=two)  # a queryset update, row by row in the triggers
    assert (counted(sunny), counted(garden)) == (recounted(sunny), recounted(garden)) == ((1, 0), (1, 5))
    House.objects.filter(building=two).delete()
    two.delete()
    assert (counted(sunny), counted(garden)) == ((1, 0), (0, 0))


def test_the_migration_counted_the_rows_there_were(demo):
    """The backfill statement (run once by the migration) gives the same figures as the triggers."""
    from importlib import import_module

    backfill = import_module("gongzhi.registry.migrations.0018_estate_counts").BACKFILL
    grid = Area.objects.get(code=GRID)
    estate = Estate.objects.create(area=grid, name="阳光小区")
    building = Building.objects.create(area=grid, estate=estate, name="1栋")
    House.objects.create(area=grid, building=building, address="阳光小区1栋101室")
    Estate.objects.filter(pk=estate.pk).update(building_count=0, house_count=0)
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert counted(estate) == (1, 1)
