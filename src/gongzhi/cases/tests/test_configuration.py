"""District administrators configure categories, routing and the calendar; deadlines and routes follow."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.cases import configuration, services
from gongzhi.cases.errors import InvalidInput, NotAllowed
from gongzhi.cases.models import CalendarDay, Category, RoutingRule
from gongzhi.cases.routing import route

from .helpers import new_case

pytestmark = pytest.mark.django_db
WEDNESDAY = timezone.make_aware(datetime.datetime(2026, 12, 2, 9, 0))


def box(lon, lat, half=0.0005):
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


def test_changed_limits_apply_to_new_deadlines(cases_demo):
    category = cases_demo.category("0303")
    configuration.save_category(actor=cases_demo.users["district"], category=category, handling_hours="7.5",
                                handling_unit="working", response_hours="1")
    case = new_case(cases_demo, now=WEDNESDAY)
    case = services.act(actor=cases_demo.users["community"], case=case, action="accept", category="0303",
                        now=WEDNESDAY)
    case = services.act(actor=cases_demo.users["street"], case=case, action="dispatch", now=WEDNESDAY)
    assert case.handle_due == timezone.make_aware(datetime.datetime(2026, 12, 3, 9, 0))  # one working day
    entry = AuditEntry.objects.filter(action="cases.category_update").get()
    assert entry.before["handling_hours"] == "5.0" and entry.after["handling_hours"] == "7.5"
    assert (entry.before["handling_unit"], entry.after["handling_unit"]) == ("workday", "working")


def test_only_district_administrators_configure(cases_demo):
    for username in ("street", "community", "admin", "dept"):
        with pytest.raises(NotAllowed):
            configuration.save_category(actor=cases_demo.users[username], category=cases_demo.category("0101"),
                                        name="改名")


@pytest.mark.parametrize(("values", "field"), [
    ({"code": "9901", "name": "新类"}, "code"),  # a 小类's code starts with its 大类's
    ({"code": "0199", "name": "新类", "handling_hours": "0"}, "handling_hours"),
    ({"code": "0199", "name": "新类", "handling_hours": "abc"}, "handling_hours"),
    ({"code": "0101", "name": "重复"}, "code"),
])
def test_invalid_categories_are_refused_with_a_reason(cases_demo, values, field):
    with pytest.raises(InvalidInput) as error:
        configuration.save_category(actor=cases_demo.users["district"], parent=cases_demo.category("01"), **values)
    assert field in error.value.fields


def test_a_corridor_rule_wins_inside_its_polygon_only(cases_demo):
    demo = cases_demo
    category = demo.category("0303")
    community = demo.grid.parent
    configuration.save_rule(actor=demo.users["district"], name="秋浦河河道", category=category, area=demo.district,
                            department=demo.departments["ZJ"], geometry=box(demo.lon, demo.lat))
    inside = route(category, demo.grid, demo.lon, demo.lat)
    outside = route(category, demo.grid, demo.lon + 0.002, demo.lat)
    assert inside.department == demo.departments["ZJ"] and inside.rule.name == "秋浦河河道"
    assert outside.department == demo.departments["CG"] and outside.reason == "category"
    # A rule of a deeper area beats one of the district; a 小类 rule beats its 大类's.
    configuration.save_rule(actor=demo.users["district"], name="全区公共设施", category=demo.category("03"),
                            area=demo.district, department=demo.departments["YJ"])
    assert route(category, demo.grid, demo.lon + 0.002, demo.lat).department == demo.departments["YJ"]
    configuration.save_rule(actor=demo.users["district"], name="幸福社区道路", category=demo.category("03"),
                            area=community, department=demo.departments["SJ"])
    assert route(category, demo.grid, demo.lon + 0.002, demo.lat).department == demo.departments["SJ"]
    assert route(category, demo.grid, demo.lon, demo.lat).department == demo.departments["ZJ"]  # the corridor


def test_dispatch_follows_the_rule_and_without_one_the_centre_chooses(cases_demo):
    demo = cases_demo
    configuration.save_rule(actor=demo.users["district"], name="道路", category=demo.category("0303"),
                            area=demo.district, department=demo.departments["ZJ"], assist=[demo.departments["CG"]])
    case = new_case(demo)
    case = services.act(actor=demo.users["community"], case=case, action="accept", category="0303")
    case = services.act(actor=demo.users["street"], case=case, action="dispatch")
    assert case.lead_department == demo.departments["ZJ"] and list(case.assist_departments.all()) == [
        demo.departments["CG"]]
    orphan = Category.objects.create(code="1299", name="无人负责", parent=demo.category("12"))
    other = new_case(demo)
    other = services.act(actor=demo.users["community"], case=other, action="accept", category=orphan.code)
    with pytest.raises(InvalidInput) as error:
        services.act(actor=demo.users["street"], case=other, action="dispatch")
    assert error.value.fields == {"department": "required"}


def test_invalid_corridor_geometry_is_refused(cases_demo):
    for geometry in ({"type": "Point", "coordinates": [1, 2]}, {"type": "Polygon", "coordinates": "x"}):
        with pytest.raises(InvalidInput):
            configuration.save_rule(actor=cases_demo.users["district"], name="坏范围",
                                    category=cases_demo.category("0303"), area=cases_demo.district,
                                    department=cases_demo.departments["ZJ"], geometry=geometry)
    assert not RoutingRule.objects.exists()


def test_a_day_marked_as_holiday_moves_deadlines(cases_demo):
    configuration.set_day(actor=cases_demo.users["district"], date=datetime.date(2026, 12, 3), kind="holiday",
                          name="临时停工")
    case = new_case(cases_demo, now=WEDNESDAY)
    assert case.accept_due == timezone.make_aware(datetime.datetime(2026, 12, 2, 10, 0))
    late = new_case(cases_demo, now=timezone.make_aware(datetime.datetime(2026, 12, 2, 17, 0)))
    # 17:00 + 1 working hour: 30 minutes today, Thursday is off, Friday 08:30 + 30 minutes.
    assert late.accept_due == timezone.make_aware(datetime.datetime(2026, 12, 4, 9, 0))
    configuration.set_day(actor=cases_demo.users["district"], date=datetime.date(2026, 12, 3), kind=None)
    assert not CalendarDay.objects.filter(date=datetime.date(2026, 12, 3)).exists()
    assert AuditEntry.objects.filter(action="cases.calendar_update").count() == 2


def test_official_year_installs_and_unknown_years_are_refused(cases_demo):
    CalendarDay.objects.all().delete()
    assert configuration.install_official_year(actor=cases_demo.users["district"], year=2026) == 28
    assert configuration.install_official_year(actor=cases_demo.users["district"], year=2026) == 0
    with pytest.raises(InvalidInput):
        configuration.install_official_year(actor=cases_demo.users["district"], year=1999)


def test_configuration_pages(client, cases_demo):
    client.force_login(cases_demo.users["street"])
    for url in ("/cases/catalogue/", "/cases/routing/", "/cases/calendar/"):
        assert client.get(url).status_code == 403
    client.force_login(cases_demo.users["district"])
    for url in ("/cases/catalogue/", "/cases/routing/", "/cases/calendar/?year=2026"):
        assert client.get(url).status_code == 200
    category = cases_demo.category("0101")
    response = client.post("/cases/catalogue/", {"category": category.pk, "name": "暴露垃圾", "default_level": "grid",
                                                 "accept_hours": "1", "response_hours": "2", "handling_hours": "3",
                                                 "limit_unit": "working", "keywords": "垃圾 堆积", "sort": "1",
                                                 "active": "on", "departments": [cases_demo.departments["CG"].pk]})
    assert response.status_code == 302
    category.refresh_from_db()
    assert str(category.handling_hours) == "3.0" and category.keywords == "垃圾 堆积"
    response = client.post("/cases/routing/", {"name": "河道", "category_code": "0303",
                                               "area_code": cases_demo.district.code,
                                               "department": cases_demo.departments["ZJ"].pk, "active": "on",
                                               "geometry": "not json"}, follow=True)
    assert "GeoJSON" in response.content.decode() and not RoutingRule.objects.exists()
    response = client.post("/cases/calendar/", {"year": "2026", "date": "2026-12-31", "kind": "holiday",
                                                "name": "跨年"})
    assert response.status_code == 302 and CalendarDay.objects.filter(date="2026-12-31").exists()
    assert "2026-12-31" in client.get("/cases/calendar/?year=2026").content.decode()


def test_a_category_code_is_never_read_as_another_categorys_id(cases_demo):
    """Codes are digits: "0101" is the code 0101, even when some category's id is 101."""
    resolve_category = services.resolve_category
    litter = Category.objects.get(code="0101")
    parent = litter.parent
    other = Category.objects.create(pk=101, code="0199", name="其他环卫问题", parent=parent, active=True)
    assert resolve_category("0101") == litter and resolve_category(" 0101 ") == litter
    assert resolve_category(101) == other and resolve_category("101") == other  # an id as the detail form used to post
    assert resolve_category(litter) == litter
    case = services.report_case(actor=cases_demo.users["resident"], description="小区门口垃圾堆放多日无人清理",
                                lon=cases_demo.lon, lat=cases_demo.lat, category="0101")
    assert case.category == litter
