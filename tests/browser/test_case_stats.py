"""Statistics and the weekly bulletin in the browser, over the demo's case history (screenshots)."""

from __future__ import annotations

import pytest

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def history_site(site):
    from gongzhi.areas.models import Area
    from gongzhi.cases import demo

    demo.build(Area.objects.get(code="341702"), days=21)
    return site


def test_statistics_and_bulletin(history_site, page, console):
    site = history_site
    login(page, site, "district")
    page.goto(f"{site}/cases/stats/?period=last_week")
    page.wait_for_selector("#heat-map[data-loaded]")
    assert int(page.locator("#heat-map").get_attribute("data-loaded")) > 100
    assert page.locator("[data-testid=card-reported] .stat-n").inner_text() not in ("", "0")
    assert page.locator("[data-testid=table-department] tbody tr").count() >= 1
    screenshot(page, "case-10-statistics")
    page.goto(f"{site}/cases/bulletin/")
    assert "网格事件办理情况通报" in page.locator("h1").inner_text()
    assert page.locator("table").count() >= 2
    screenshot(page, "case-11-bulletin")
    page.goto(f"{site}/cases/supervision/")
    screenshot(page, "case-12-supervision")
    page.goto(f"{site}/cases/map/")
    page.wait_for_selector("#cases-map[data-loaded]")
    screenshot(page, "case-13-map")
    assert console.errors == []


def test_export_of_a_filtered_queue(history_site, page, console):
    """The street exports its overdue cases: the queue's button → the job page → the workbook."""
    import io

    from openpyxl import load_workbook

    site = history_site
    login(page, site, "street")
    page.goto(f"{site}/cases/?queue=all&overdue=on")
    count = page.locator("[data-testid=case-table] tbody tr").count()
    assert count >= 1
    screenshot(page, "case-14-queue-export")
    with page.expect_navigation():
        page.click("[data-testid=export-form] button")
    page.wait_for_selector("[data-testid=job-download]")
    assert "件事件" in page.locator("[data-testid=job-message]").inner_text()
    screenshot(page, "case-15-export-done")
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    rows = list(load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))["事件"].iter_rows(values_only=True))
    assert rows[0][0] == "事件编号" and len(rows) - 1 >= count and all(row[17] == "是" for row in rows[1:])
    assert console.errors == []
