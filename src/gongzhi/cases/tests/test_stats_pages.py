"""The statistics page, the heat map's data and the weekly bulletin (page and Excel): who sees
what, the figures shown, the ranking, the workbook's rows, the audit entry, the query counts."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.cases.models import Case, Category

from .helpers import case_in, new_case
from .test_indicators import AFTER, at, build_week, history

# Closing on verification keeps these tests about closures to one step (the two steps: test_transitions).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closes_on_verify", "forty_hour_limits")]
WEEK = "?period=custom&start=2026-11-30&end=2026-12-06"
BULLETIN = "?week=2026-12-02"


@pytest.fixture
def week(cases_demo):
    return build_week(cases_demo)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def card(html: str, key: str) -> str:
    match = re.search(rf'data-testid="card-{key}"><span class="stat-n">([^<]*)</span>', html)
    assert match, key
    return match.group(1)


def table_rows(html: str, testid: str) -> list[list[str]]:
    """The text of each body row of the table ``data-testid=testid`` (cells stripped of tags)."""
    body = re.search(rf'data-testid="{testid}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, testid
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


@pytest.mark.parametrize(("url", "allowed", "refused"), [
    ("/cases/stats/", ["community", "street", "district", "grid", "dept"], ["resident", "admin", "auditor"]),
    ("/cases/stats/grids.geojson", ["community", "street", "district", "dept"], ["resident", "admin"]),
    ("/cases/bulletin/", ["community", "street", "district"], ["dept", "resident", "admin", "auditor"]),
    ("/cases/bulletin.xlsx", ["street"], ["dept", "resident", "auditor"]),
])
def test_pages_open_to_their_roles_only(client, cases_demo, url, allowed, refused):
    for username in allowed:
        client.force_login(cases_demo.users[username])
        assert client.get(url).status_code == 200, (url, username)
    for username in refused:
        client.force_login(cases_demo.users[username])
        assert client.get(url).status_code == 403, (url, username)
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@time_machine.travel(AFTER, tick=False)
def test_statistics_page_shows_the_weeks_indicators(client, week, cases_demo):
    client.force_login(cases_demo.users["district"])
    html = page(client, f"/cases/stats/{WEEK}")
    assert "2026-11-30 至 2026-12-06" in html
    assert (card(html, "reported"), card(html, "accepted")) == ("8", "7")
    assert card(html, "on_time_acceptance_rate") == "85.7%"  # 6/7
    assert card(html, "on_time_closure_rate") == "66.7%" and "4/6" in html
    assert (card(html, "overdue"), card(html, "rework_rate")) == ("2", "16.7%")
    assert card(html, "mean_handling_hours") == "7.9"
    assert card(html, "satisfaction_rate") == "100.0%" and "平均 4.00 分" in html  # 好差评: 3 and up
    streets = table_rows(html, "table-street")
    # 满意率 and 解决率 lead; then 上报数, 立案数.
    assert [row[:5] for row in streets] == [["东城街道", "100.0%", "—", "8", "7"], ["西城街道", "—", "—", "0", "0"],
                                          ["南湖街道", "—", "—", "0", "0"], ["青山镇", "—", "—", "0", "0"]]
    assert streets[1][5] == "—"  # no acceptance: a dash, not an error
    departments = {row[0]: row for row in table_rows(html, "table-department")}
    assert departments["区住房和城乡建设局"][4:6] == ["1", "0.0%"]
    assert departments["区城市管理局"][4:6] == ["6", "100.0%"]
    assert {row[0] for row in table_rows(html, "table-category")} == {"环境卫生", "公共设施"}
    assert 'class="pygal-chart" role="img"' in html and "<script>" not in html.split("</head>")[1]
    assert 'data-geojson="/cases/stats/grids.geojson?period=custom' in html


@time_machine.travel(AFTER, tick=False)
def test_period_choices_and_bad_input(client, week, cases_demo):
    client.force_login(cases_demo.users["street"])
    # The last seven days by default, named (before: this week, which on a Monday showed nothing).
    default = page(client, "/cases/stats/")
    assert "近7天（2026-12-03 至 2026-12-09）" in default and card(default, "reported") not in ("0", "")
    assert "2026-12-07 至 2026-12-13" in page(client, "/cases/stats/?period=this_week")
    html = page(client, "/cases/stats/?period=last_week")
    assert "2026-11-30 至 2026-12-06" in html and card(html, "reported") == "8"
    assert "2026-12-01 至 2026-12-31" in page(client, "/cases/stats/?period=this_month")
    html = page(client, "/cases/stats/?period=custom&start=2026-12-06&end=2026-12-01")
    assert "结束日期不能早于开始日期" in html and "2026-12-03 至 2026-12-09" in html  # reported, then the default
    html = page(client, "/cases/stats/?period=custom&start=2025-01-01&end=2026-12-01")
    assert "统计周期最长" in html
    html = page(client, "/cases/stats/?period=nonsense&start=x")
    assert 'data-testid="stats-errors"' in html and "2026-12-03 至 2026-12-09" in html


@time_machine.travel(AFTER, tick=False)
def test_area_filter_narrows_and_never_widens(client, week, cases_demo):
    client.force_login(cases_demo.users["street"])
    html = page(client, f"/cases/stats/{WEEK}&area=341702001002")  # 和平社区: nothing this week
    assert 'data-testid="stats-scope">和平社区' in html and card(html, "reported") == "0"
    assert card(html, "on_time_closure_rate") == "—"
    html = page(client, f"/cases/stats/{WEEK}&area=341702002")  # another street: refused, own scope shown
    assert 'data-testid="stats-errors"' in html and 'data-testid="stats-scope">东城街道' in html
    assert '<option value="341702002"' not in html


@time_machine.travel(AFTER, tick=False)
def test_community_sees_only_its_community(client, week, cases_demo):
    other = Area.objects.get(code="34170200100201")  # 和平社区, same street
    history(cases_demo, "0303", at(12, 2, 9), [], area=other, reporter="district")
    client.force_login(cases_demo.users["community"])
    html = page(client, f"/cases/stats/{WEEK}")
    assert card(html, "reported") == "8"
    assert "table-street" not in html and "table-community" not in html  # nothing above it to compare
    features = client.get(f"/cases/stats/grids.geojson{WEEK}").json()["features"]
    assert len(features) == 10 and {f["properties"]["code"][:12] for f in features} == {"341702001001"}
    assert {f["properties"]["code"]: f["properties"]["count"] for f in features if f["properties"]["count"]} == {
        "34170200100101": 8}
    client.force_login(cases_demo.users["street"])
    features = client.get(f"/cases/stats/grids.geojson{WEEK}").json()["features"]
    counts = {f["properties"]["code"]: f["properties"]["count"] for f in features if f["properties"]["count"]}
    assert len(features) == 40 and counts == {"34170200100101": 8, "34170200100201": 1}


@time_machine.travel(AFTER, tick=False)
def test_department_staff_see_their_departments_handling_only(client, week, cases_demo):
    client.force_login(cases_demo.users["dept"])
    html = page(client, f"/cases/stats/{WEEK}")
    assert 'data-testid="stats-scope">区城市管理局' in html
    assert card(html, "on_time_closure_rate") == "66.7%" and card(html, "closed") == "5"
    assert 'data-testid="card-on_time_acceptance_rate"' not in html
    assert 'data-testid="card-accurate_dispatch_rate"' not in html
    assert [row[0] for row in table_rows(html, "table-department")] == ["区城市管理局"]
    assert "区住房和城乡建设局" not in html and 'href="/cases/bulletin/' not in html


@time_machine.travel(AFTER, tick=False)
def test_category_names_in_the_chart_are_escaped(client, cases_demo):
    Category.objects.filter(code="03").update(name='<script>alert("x")</script>')
    history(cases_demo, "0303", at(12, 2, 9), [])
    client.force_login(cases_demo.users["district"])
    html = page(client, f"/cases/stats/{WEEK}")
    assert '<script>alert("x")' not in html and "&lt;script&gt;" in html


@time_machine.travel(AFTER, tick=False)
def test_bulletin_ranks_departments_and_communities(client, week, cases_demo):
    # 和平社区: one case closed on time and rated 5 — as satisfied as 幸福社区, it ranks above it on
    # closures (1 of 1 on time, against 4 of 6).
    other = Area.objects.get(code="34170200100201")
    history(cases_demo, "0303", at(12, 2, 9), [
        (at(12, 2, 9, 5), "district", "accept", {}),
        (at(12, 2, 9, 10), "street", "dispatch", {"department": "dept:CG"}),
        (at(12, 2, 9, 20), "dept", "acknowledge", {}), (at(12, 2, 9, 30), "dept", "start", {}),
        (at(12, 2, 10), "dept", "feedback", {"note": "已修"}), (at(12, 2, 11), "street", "verify", {}),
        (at(12, 2, 12), "resident", "rate", {"rating": 5})], area=other, reporter="resident")
    client.force_login(cases_demo.users["street"])
    html = page(client, f"/cases/bulletin/{BULLETIN}")
    assert "东城街道网格事件办理情况通报" in html and "2026年第49周（2026-11-30 至 2026-12-06）" in html
    communities = table_rows(html, "rank-communities")
    assert [(row[0], row[2]) for row in communities[:2]] == [("1", "和平社区"), ("2", "幸福社区")]
    assert communities[0][9] == "100.0%" and communities[1][9] == "66.7%"  # 按期结案率
    assert communities[0][4] == communities[1][4] == "100.0%"  # 满意率 leads the table
    assert [row[0] for row in communities[2:]] == ["3", "3"]  # 阳光社区 and 翠苑社区: nothing due, tied
    departments = table_rows(html, "rank-departments")
    assert [(row[0], row[1]) for row in departments] == [("1", "区城市管理局"), ("2", "区住房和城乡建设局")]
    assert re.search(r'data-testid="overdue-total">2<', html)
    overdue = table_rows(html, "bulletin-overdue")
    assert [row[6] for row in overdue] == ["超期在办", "超期结案"] and overdue[0][7] == "12.3"


@time_machine.travel(AFTER, tick=False)
def test_bulletin_defaults_to_last_week_and_links_weeks(client, week, cases_demo):
    client.force_login(cases_demo.users["district"])
    html = page(client, "/cases/bulletin/")
    assert "2026-11-30 至 2026-12-06" in html and "?week=2026-11-23" in html and "?week=2026-12-07" in html
    assert "?week=2026-12-14" not in page(client, "/cases/bulletin/?week=2026-12-08")  # no future week


@time_machine.travel(AFTER, tick=False)
def test_bulletin_workbook(client, week, cases_demo):
    client.force_login(cases_demo.users["street"])
    response = client.get(f"/cases/bulletin.xlsx{BULLETIN}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and "2026W49.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["汇总", "部门排名", "社区排名", "类别", "超期事件"]
    summary = {row[0]: row[1:] for row in book["汇总"].iter_rows(values_only=True) if row and row[0]}
    assert summary["范围"][0] == "东城街道" and summary["上报数"][0] == 8
    assert summary["按期结案率"][0] == pytest.approx(0.6667) and summary["按期结案率"][1] == "4/6"
    assert summary["准确派遣率"][0] == pytest.approx(0.8571)
    departments = list(book["部门排名"].iter_rows(values_only=True))
    assert departments[0][:6] == ("名次", "部门", "评价数", "满意率", "解决率", "响应率（按时报到率）")
    assert [row[:2] + row[6:7] for row in departments[1:]] == [(1, "区城市管理局", 6), (2, "区住房和城乡建设局", 1)]
    assert departments[2][10] == "—"  # 住建: nothing due
    communities = list(book["社区排名"].iter_rows(values_only=True))
    assert [row[:3] for row in communities[1:]] == [(1, "东城街道", "幸福社区"), (2, "东城街道", "和平社区"),
                                                   (2, "东城街道", "翠苑社区"), (2, "东城街道", "阳光社区")]
    overdue = list(book["超期事件"].iter_rows(values_only=True))
    assert [(row[0], row[9]) for row in overdue[1:]] == [(week["E"].number, "超期在办"), (week["B"].number, "超期结案")]
    assert overdue[1][5] == "区城市管理局" and overdue[1][10] == pytest.approx(12.33, abs=0.01)
    entry = AuditEntry.objects.filter(action="cases.bulletin_export").get()
    assert entry.actor == cases_demo.users["street"] and entry.after["week"] == "2026-11-30"
    assert entry.after["overdue"] == 2


@time_machine.travel(AFTER, tick=False)
def test_workbook_text_cells_are_never_formulas(client, cases_demo):
    Category.objects.filter(code="03").update(name="=HYPERLINK(\"http://x\")")
    history(cases_demo, "0303", at(12, 2, 9), [])
    client.force_login(cases_demo.users["district"])
    response = client.get(f"/cases/bulletin.xlsx{BULLETIN}")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = next(c for row in book["类别"].iter_rows() for c in row if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


@pytest.mark.parametrize("url", [f"/cases/stats/{WEEK}", f"/cases/stats/grids.geojson{WEEK}",
                                 f"/cases/bulletin/{BULLETIN}", f"/cases/bulletin.xlsx{BULLETIN}"])
def test_pages_keep_their_query_count(client, cases_demo, url):
    client.force_login(cases_demo.users["district"])

    def count():
        with time_machine.travel(AFTER, tick=False), CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return len(captured)

    build_week(cases_demo)
    count()
    before = count()
    for state in ("dispatched", "closed", "in_progress", "reported", "feedback", "closed"):
        case_in(cases_demo, state)  # reported and moved on Wednesday 12-02, inside the week
    assert Case.objects.count() == 15
    assert count() == before <= 25  # session, user and roles, scope, the period's three reads, names


def test_the_statistics_body_is_kept_for_its_scope_and_period_and_says_when_it_was_computed(
        client, week, cases_demo, settings):
    """At district scale the figures take up to a second: they are computed once a minute per scope
    and period, shared by users who count the same cases, never by users who count others."""
    settings.GONGZHI_STATS_CACHE_SECONDS = 60
    client.force_login(cases_demo.users["district"])
    with CaptureQueriesContext(connection) as first:
        html = page(client, f"/cases/stats/{WEEK}")
    computed = re.search(r'data-testid="stats-computed">统计于 (\d\d:\d\d:\d\d)（60 秒内', html).group(1)
    reported = card(html, "reported")
    new_case(cases_demo, now=at(12, 2, 10))  # a new case in the week
    with CaptureQueriesContext(connection) as again:
        kept = page(client, f"/cases/stats/{WEEK}")
    assert card(kept, "reported") == reported and f"统计于 {computed}" in kept
    assert len(again) < len(first) - 2  # the case queries were not run again
    # Another period is computed afresh and counts the new case; a street counts its own cases.
    other = page(client, "/cases/stats/?period=custom&start=2026-11-30&end=2026-12-07")
    assert int(card(other, "reported")) == int(reported) + 1
    client.force_login(cases_demo.users["street"])
    street = card(page(client, f"/cases/stats/{WEEK}"), "reported")
    settings.GONGZHI_STATS_CACHE_SECONDS = 0
    assert card(page(client, f"/cases/stats/{WEEK}"), "reported") == street  # its own, not the district's kept body
    client.force_login(cases_demo.users["district"])
    assert int(card(page(client, f"/cases/stats/{WEEK}"), "reported")) == int(reported) + 1


def test_names_in_the_kept_statistics_body_are_escaped(client, week, cases_demo, settings):
    """The kept body goes into the page as rendered HTML: names typed by staff are escaped in it."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    settings.GONGZHI_STATS_CACHE_SECONDS = 60
    Category.objects.update(name=Concat(Value("<script>alert(1)</script>"), Cast("pk", CharField())))
    client.force_login(cases_demo.users["district"])
    for _ in range(2):  # computed, then read from the cache
        html = page(client, f"/cases/stats/{WEEK}")
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
