"""A year without its holiday arrangement is flagged where the district administrator will see it."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from gongzhi.cases import holidays
from gongzhi.cases.models import CalendarDay

pytestmark = pytest.mark.django_db


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_next_years_arrangement_is_looked_for_from_november(cases_demo):
    assert CalendarDay.objects.filter(date__year=2026, kind="holiday").exists()  # shipped with the catalogue

    assert holidays.years_without_arrangement(datetime.date(2026, 10, 31)) == []
    assert holidays.years_without_arrangement(datetime.date(2026, 11, 1)) == [2027]
    assert holidays.years_without_arrangement(datetime.date(2027, 1, 5)) == [2027]
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
    assert holidays.years_without_arrangement(datetime.date(2026, 12, 4)) == []


@time_machine.travel(at(2026, 12, 4, 10, 0), tick=False)
def test_the_console_asks_the_district_administrator_to_enter_it(client, cases_demo):
    client.force_login(cases_demo.users["district"])
    page = client.get("/console/").content.decode()
    assert 'data-testid="calendar-missing"' in page and "还没有 2027 年的法定节假日安排" in page
    assert 'href="/cases/calendar/?year=2027"' in page

    client.force_login(cases_demo.users["street"])  # does not configure the calendar: not told
    assert 'data-testid="calendar-missing"' not in client.get("/console/").content.decode()


def test_the_calendar_page_says_what_to_do_for_a_year_without_holidays(client, cases_demo):
    client.force_login(cases_demo.users["district"])

    page = client.get("/cases/calendar/", {"year": 2027}).content.decode()
    assert "本平台尚未收录 2027 年的法定节假日安排" in page

    CalendarDay.objects.filter(date__year=2026).delete()
    page = client.get("/cases/calendar/", {"year": 2026}).content.decode()
    assert "2026 年的法定节假日安排尚未导入" in page
    client.post("/cases/calendar/", {"year": 2026, "install": "1"})
    assert 'data-testid="no-holidays"' not in client.get("/cases/calendar/", {"year": 2026}).content.decode()
