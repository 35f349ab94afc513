"""Many writers at once on the embedded SQLite database: none of them sees "database is locked".

Sixteen threads, each with its own connection to the file database (WAL, ``transaction_mode``
IMMEDIATE, the busy timeout of ``settings.base``), post forms through the whole request stack
at the same moment: residents reporting cases, a grid worker logging household visits on a
patrol, staff taking cases' first step. Every write lands, once, and no ``OperationalError``
(or any other exception, or a status other than the form's redirect) reaches a caller.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

THREADS = 16
WRITES = 4  # per thread

# Skipped before any fixture runs (the demo district is not built for nothing on the PostgreSQL lane).
pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != settings.SQLITE_ENGINE,
                                reason="the embedded database's locking (PostgreSQL has row locks, no busy timeout)")


def test_the_test_database_is_a_file_in_wal_mode_with_immediate_transactions(db):
    """A writer waits 30 s for the lock (it was 10 s: the PRAGMA cut the connection's 20 s)."""
    from gongzhi.settings.base import SQLITE_BUSY_SECONDS

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == SQLITE_BUSY_SECONDS * 1000 == 30_000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert connection.settings_dict["OPTIONS"]["timeout"] == SQLITE_BUSY_SECONDS


@pytest.mark.django_db(transaction=True)
def test_sixteen_writer_threads_never_see_database_is_locked_and_every_write_lands(demo, settings):
    # Each thread writes faster than a person: the per-person rate limits would answer 429 first.
    settings.GONGZHI_RATE_CASE_REPORT = settings.GONGZHI_RATE_CASE_REPORT_STAFF = "off"
    from gongzhi.areas.models import Area
    from gongzhi.cases import patrols, services
    from gongzhi.cases.demo_links import link_departments
    from gongzhi.cases.models import Case, CaseEvent, PatrolVisit

    link_departments()
    grid = Area.objects.get(code="34170200100101")
    lon, lat = grid.centroid
    users = demo.users
    patrol = patrols.start_patrol(actor=users["grid"], area=grid)
    # Cases for the staff threads to accept, one per write, in an active 小类 (a transactional test run
    # before this one may have left the catalogue as it configured it).
    from gongzhi.cases.models import Category

    category = Category.objects.filter(active=True, parent__isnull=False).order_by("code").first().code
    staff_threads = THREADS // 4
    waiting = [services.report_case(actor=users["resident"], description=f"楼道堆放杂物，等待立案 {n}",
                                    lon=lon, lat=lat, category=category).pk
               for n in range(staff_threads * WRITES)]
    connection.close()  # every thread opens its own connection; so does the check below

    outcomes: list = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS, timeout=60)

    def writer(number: int) -> None:
        kind = ("report", "report", "visit", "accept")[number % 4]
        client = Client()
        client.force_login(users[{"report": "resident", "visit": "grid", "accept": "community"}[kind]])
        try:
            start.wait()
            for write in range(WRITES):
                marker = f"W{number:02d}-{write}"
                if kind == "report":
                    answer = client.post("/cases/report/", {"description": f"路灯不亮，晚上出行不便（{marker}）",
                                                            "lon": f"{lon:.6f}", "lat": f"{lat:.6f}",
                                                            "category": category})
                elif kind == "visit":
                    answer = client.post(f"/cases/patrols/{patrol.pk}/visit/", {"door": f"{number}栋{write}室",
                                                                                 "note": f"走访正常（{marker}）"})
                else:
                    pk = waiting[(number // 4) * WRITES + write]
                    answer = client.post(f"/cases/{pk}/act/", {"action": "accept", "note": f"立案（{marker}）"})
                outcome = (kind, marker, answer.status_code)
                with lock:
                    outcomes.append(outcome)
        except Exception as error:  # noqa: BLE001 - an OperationalError here is what the test is about
            with lock:
                outcomes.append((kind, "", repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == THREADS * WRITES, outcomes
    assert {status for _kind, _marker, status in outcomes} == {302}, [o for o in outcomes if o[2] != 302]
    for kind, marker, _status in outcomes:
        if kind == "report":
            assert Case.objects.filter(description__contains=f"（{marker}）").count() == 1, marker
        elif kind == "visit":
            assert PatrolVisit.objects.filter(patrol=patrol, note__contains=f"（{marker}）").count() == 1, marker
        else:
            assert CaseEvent.objects.filter(action="accept", note__contains=f"（{marker}）").count() == 1, marker
    assert Case.objects.filter(pk__in=waiting, status="accepted").count() == len(waiting)
