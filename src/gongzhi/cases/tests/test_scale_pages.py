"""The pages reworked for a district's million cases (issue 15) run a pinned number of queries,
whatever the number of cases: the queue's tab counts (one bounded count a tab), its keyset pages,
the department inbox and the supervision board. The limits are the numbers measured when pinned."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import case_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closes_on_verify")]

# (who, url, queries at most)
PAGES = [
    # The tabs: the unfinished cases counted by status in one query, the finished in another.
    ("district", "/cases/", 9),
    ("district", "/cases/?queue=all&order=reported", 9),
    ("district", "/cases/?queue=all&order=reported&last=1", 9),
    ("community", "/cases/", 10),  # + whether they reported any case themselves (selectors.queue_counts)
    ("street", "/cases/supervision/", 12),
    ("dept", "/cases/inbox/", 12),
]


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_scale_page_query_counts_are_pinned_and_do_not_grow(client, cases_demo):
    """One set of cases for every page (cheap): measured with two cases, then with six."""
    for state in ("in_progress", "closed"):
        case_in(cases_demo, state)

    def counts() -> list[int]:
        found = []
        for who, url, _limit in PAGES:
            client.force_login(cases_demo.users[who])
            count(client, url)  # the first request fills per-process caches
            found.append(count(client, url))
        return found

    small = counts()
    for state in ("dispatched", "feedback", "closed", "reported"):
        case_in(cases_demo, state)
    assert counts() == small == [limit for _who, _url, limit in PAGES]


def test_queue_counts_hold_the_cases_staff_reported_elsewhere_only_when_there_are_some(cases_demo):
    """Without own reports, the counts leave the "reported by me" branch out; with one outside the
    areas, it is counted in every tab that holds it."""
    from gongzhi.areas.models import Area
    from gongzhi.cases import selectors, services
    from gongzhi.cases.models import Case

    community = cases_demo.users["community"]
    in_area = Case.objects.visible_to(community)
    before = selectors.queue_counts(community)
    assert before["all"].value == in_area.count() and before["all"].exact
    grid = Area.objects.filter(level="grid").exclude(path__startswith=cases_demo.grid.parent.path).first()
    mine = services.report_case(actor=community, description="别的社区门口的路灯不亮了", lon=grid.centroid[0],
                                lat=grid.centroid[1])
    assert mine.area_id == grid.pk and not Case.objects.visible_to(community, own_reports=False).filter(pk=mine.pk)
    after = selectors.queue_counts(community)
    assert after["all"].value == before["all"].value + 1 and after["open"].value == before["open"].value + 1
    # Nobody's areas, no own reports: nothing (not every case).
    assert not Case.objects.visible_to(cases_demo.users["resident"], own_reports=False).exists()


def test_the_tabs_counted_by_status_are_the_tabs_counted_one_by_one(cases_demo, monkeypatch):
    """One count by status of the unfinished cases gives each tab's count; beyond the exact-count limit
    each tab is counted on its own (bounded), as before."""
    from gongzhi.core import paging

    from .. import selectors
    from ..models import Case

    for state in ("reported", "accepted", "dispatched", "in_progress", "feedback", "closed", "closed"):
        case_in(cases_demo, state)
    user = cases_demo.users["street"]
    visible = Case.objects.visible_to(user, own_reports=False)
    one_by_one = {name: visible.filter(selectors.QUEUES[name]).count() for name in (*selectors.TAB_STATUSES, "closed")}
    assert sum(one_by_one.values()) == visible.count() and one_by_one["closed"] == 2
    counts = selectors.queue_counts(user)
    assert {name: counts[name].value for name in one_by_one} == one_by_one
    assert all(counts[name].exact for name in one_by_one)
    assert counts["open"].value == visible.filter(selectors.QUEUES["open"]).count() and counts["all"].value == visible.count()

    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 3)  # five unfinished cases: past the limit
    unfinished = visible.filter(status__in=[s for statuses in selectors.TAB_STATUSES.values() for s in statuses])
    assert paging.tally_rows(unfinished, "status") is None
    counts = selectors.queue_counts(user)  # each tab (three at most) counted on its own, exactly
    assert {name: (counts[name].value, counts[name].exact) for name in one_by_one} == {
        name: (n, True) for name, n in one_by_one.items()}


def test_staff_case_tables_load_the_columns_they_show(client, cases_demo):
    """A row of the queue, the inbox and the board loads what it shows: no area boundary and no
    reporter's name or phone (unshown columns were a fifth of the queue page at 1,000,000 cases)."""
    for state in ("in_progress", "dispatched", "feedback", "closed"):
        case_in(cases_demo, state)
    for who, url, _limit in PAGES:
        client.force_login(cases_demo.users[who])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        rows = [q["sql"] for q in captured if q["sql"].startswith('SELECT') and ' FROM "cases_case"' in q["sql"]
                and '"cases_case"."number"' in q["sql"].split(' FROM "cases_case"')[0]]
        assert rows, url
        for sql in rows:
            assert "geometry" not in sql and "reporter_phone" not in sql and "rating_comment" not in sql, (url, sql)


def test_the_boards_extension_requests_load_what_they_show_in_one_query(client, cases_demo):
    from django.utils import timezone

    from ..models import ExtensionRequest

    def ask(case):
        ExtensionRequest.objects.create(case=case, hours=8, reason="材料未到", requested_by=cases_demo.users["dept"],
                                        requested_at=timezone.now())

    ask(case_in(cases_demo, "in_progress"))
    client.force_login(cases_demo.users["street"])
    count(client, "/cases/supervision/")
    one = count(client, "/cases/supervision/")
    ask(case_in(cases_demo, "in_progress"))
    assert count(client, "/cases/supervision/") == one
    page = client.get("/cases/supervision/").content.decode()
    assert page.count("材料未到") == 2 and cases_demo.users["dept"].display_name in page


@pytest.mark.parametrize("text", ["", "短", "幸福路第12号路灯不亮，晚上出行不便" * 3, "a" * 36, "a" * 37])
def test_the_row_filters_answer_as_djangos(text):
    import datetime

    from django.template import Context, Template
    from django.utils import timezone

    when = timezone.make_aware(datetime.datetime(2026, 3, 7, 23, 5), datetime.timezone.utc)  # 3-08 07:05 in Shanghai
    ours = Template('{% load cases_tags %}{{ t|clip:36 }}|{{ w|stamp }}|{{ none|stamp|default:"—" }}')
    django = Template('{{ t|truncatechars:36 }}|{{ w|date:"m-d H:i" }}|{{ none|date:"m-d H:i"|default:"—" }}')
    context = {"t": text, "w": when, "none": None}
    assert ours.render(Context(context)) == django.render(Context(context))
    assert "03-08 07:05" in ours.render(Context(context))
