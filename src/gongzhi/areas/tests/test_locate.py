"""Point → grid through the STRtree, and the index following changes to the grids."""

from __future__ import annotations

import pytest

from gongzhi.areas import locate
from gongzhi.areas.models import Area
from gongzhi.areas.services import import_areas

from .builders import NEW_DISTRICT, csv_bytes, replace, square

pytestmark = pytest.mark.django_db

GRID = "34170200100101"


def test_a_point_inside_a_grid_finds_it(demo):
    grid = locate.locate(117.401, 30.719)

    assert grid is not None and grid.code == GRID
    assert grid.parent.code == "341702001001"


def test_a_point_on_no_grid_finds_nothing(demo):
    assert locate.locate(100.0, 20.0) is None


def test_vectorised_lookup_marks_misses_with_minus_one(demo):
    ids = locate.grid_index().locate_ids([117.401, 100.0], [30.719, 20.0])

    assert ids[0] == Area.objects.get(code=GRID).pk
    assert ids[1] == -1


def test_no_grids_means_no_tree(db):
    assert locate.locate(117.401, 30.719) is None


def test_the_index_is_reused_while_the_grids_do_not_change(demo):
    first = locate.grid_index()

    assert locate.grid_index() is first


def test_the_index_is_rebuilt_when_an_import_moves_a_grid():
    import_areas(actor=None, file=csv_bytes(NEW_DISTRICT), filename="a.csv")
    assert locate.locate(118.02, 31.02).code == "34170300100101"
    # Swap the two grids' boundaries through the importer.
    rows = replace(replace(NEW_DISTRICT, "34170300100101", geometry=NEW_DISTRICT[4][4]),
                   "34170300100102", geometry=NEW_DISTRICT[3][4])

    report = import_areas(actor=None, file=csv_bytes(rows), filename="b.csv")

    assert report.counts()["updated"] == 2
    assert locate.locate(118.02, 31.02).code == "34170300100102"


def test_the_index_is_rebuilt_when_a_grid_is_saved(demo):
    before = locate.grid_index()
    grid = Area.objects.get(code=GRID)
    grid.geometry = square(100.0, 20.0, 100.1, 20.1)
    grid.save()

    assert locate.locate(100.05, 20.05).code == GRID
    assert locate.grid_index() is not before


def test_the_index_sees_a_grid_created_by_an_import(demo):
    assert locate.locate(118.02, 31.02) is None

    import_areas(actor=None, file=csv_bytes(NEW_DISTRICT), filename="a.csv")

    assert locate.locate(118.02, 31.02).code == "34170300100101"


def test_the_index_sees_a_grid_saved_by_a_host_whose_clock_runs_behind(demo):
    """Two app servers' clocks a little apart: a change stamped earlier than the latest is seen too."""
    import datetime

    from django.db.models import Max

    before = locate.grid_index()
    latest = Area.objects.filter(level="grid").aggregate(last=Max("updated_at"))["last"]
    behind = latest - datetime.timedelta(seconds=2)
    Area.objects.filter(code=GRID).update(geometry=square(100.0, 20.0, 100.1, 20.1), updated_at=behind)

    assert locate.grid_index() is not before
    assert locate.locate(100.05, 20.05).code == GRID
