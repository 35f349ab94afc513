"""The statistics page reads per-area figures the worker keeps, and says when they were computed."""

import datetime

import pytest
from django.urls import reverse

from gongzhi.areas.models import Area
from gongzhi.core import schedule
from gongzhi.registry import selectors, summaries
from gongzhi.registry.models import AreaPopulation, Person, PersonTag, SpecialGroup

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_id
from .factories import make_person as _make_person
from .import_helpers import csv_bytes
from .test_import_page import HEADERS, commit, last_job, upload

pytestmark = pytest.mark.django_db
STATISTICS = reverse("registry:statistics")


def make_person(**fields) -> Person:
    person = _make_person(**fields)
    person.full_clean()
    person.save()
    return person


def born(years: int, days: int = 0) -> str:
    today = datetime.date.today()
    day = today.replace(year=today.year - years, day=min(today.day, 28)) - datetime.timedelta(days=days)
    return day.strftime("%Y%m%d")


@pytest.fixture
def people(demo):
    veteran, elderly = SpecialGroup.objects.get(code="veteran"), SpecialGroup.objects.get(code="oldest_old")
    made = [
        make_person(name="张三", id_number=make_id(birth=born(36), sequence="011"), registration="local",
                    residence_status="permanent"),
        make_person(name="王芳", id_number=make_id(birth=born(5), sequence="022"), registration="non_local",
                    residence_status="floating"),
        make_person(name="李四", id_number=make_id(birth=born(85, 3), sequence="031")),
        make_person(name="赵老", id_number=make_id(birth=born(101), sequence="041"), grid=NEIGHBOUR_GRID),
        make_person(name="钱某", grid=OTHER_STREET_GRID, gender="", birth_date=None),
        make_person(name="孙走", id_number=make_id(birth=born(40), sequence="051"), moved_out=True),
        make_person(name="周故", id_number=make_id(birth=born(90), sequence="061"), deceased=True),
    ]
    PersonTag.objects.create(person=made[0], group=veteran)
    PersonTag.objects.create(person=made[2], group=elderly)
    PersonTag.objects.create(person=made[2], group=veteran)
    PersonTag.objects.create(person=made[6], group=elderly)
    return made


@pytest.mark.parametrize("code", ["341702", "341702001", "341702001001", GRID, NEIGHBOUR_GRID])
def test_stored_figures_equal_a_live_count(demo, people, code):
    area = Area.objects.get(code=code)
    live = selectors.area_statistics(demo.users["district"], area)
    assert summaries.refresh() == AreaPopulation.objects.count() > 0
    stored = selectors.area_statistics(demo.users["district"], area)
    assert stored["as_of"] is not None and live["as_of"] is None
    assert {**stored, "as_of": None} == live


def test_the_page_shows_the_stored_figures_and_when_they_were_computed(login_as, people, django_assert_num_queries):
    client = login_as("community")
    client.get(STATISTICS)
    summaries.refresh()
    make_person(name="新来", id_number=make_id(birth=born(20), sequence="071"))
    with django_assert_num_queries(7):
        html = client.get(STATISTICS).content.decode()
    assert 'data-testid="stat-total">4<' in html  # counted before 新来 arrived
    assert "统计时间：" in html and "实时计算" not in html
    summaries.refresh()
    assert 'data-testid="stat-total">5<' in client.get(STATISTICS).content.decode()


def test_an_area_without_stored_figures_is_counted_live(login_as, people):
    html = login_as("community").get(STATISTICS).content.decode()
    assert 'data-testid="stat-total">4<' in html and "实时计算" in html


def test_the_clock_refreshes_the_figures(people):
    schedule.tick(now=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))  # the test backend runs tasks at once
    assert "registry.refresh_population_summaries" in schedule.REGISTRY
    assert AreaPopulation.objects.get(area__code="341702").figures["total"] == 5


def test_a_committed_import_refreshes_the_figures(login_as, django_capture_on_commit_callbacks):
    client = login_as("community")
    ids = [make_id(birth="19800101", sequence=f"{n:03d}") for n in (101, 112)]
    upload(client, csv_bytes([HEADERS, ["张三", ids[0]], ["李四", ids[1]]]), "people.csv",
           capture=django_capture_on_commit_callbacks)
    assert not AreaPopulation.objects.exists()  # a check writes nothing
    commit(client, last_job(), django_capture_on_commit_callbacks)
    assert AreaPopulation.objects.get(area__code="341702001001").figures["total"] == 2
