"""Keyset pages in the browser (issue 15): the audit log and the case queue page by the last row seen,
with first / previous / next / last links and a count that stops at 10,000 ("约 N" / "超过 N")."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, login, screenshot

pytestmark = pytest.mark.browser


def follow(page, testid):
    """Click a paging link and wait for the page it loads (reading rows straight after a bare click
    can catch the blank document between the two pages)."""
    with page.expect_navigation():
        page.click(f'[data-testid="{testid}"]')


def test_the_audit_log_and_the_case_queue_page_to_the_end_and_back(site, page, open_page, console):
    from gongzhi.audit.models import AuditEntry
    from gongzhi.audit.services import record

    for n in range(max(0, 120 - AuditEntry.objects.count())):
        record(actor=None, actor_name="demo_setup", action="demo.setup", object_repr=f"示范区{n}")
    login(page, site, "auditor")
    page.goto(f"{site}/audit/")
    assert page.inner_text('[data-testid="audit-count"]').startswith("共 ")
    first = page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    follow(page, "page-last")
    last = page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    assert int(last[-1]) < int(first[-1]) and page.locator('[data-testid="page-next"]').count() == 0
    screenshot(page, "audit-log-last-page")
    follow(page, "page-previous")
    before = page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    assert int(before[-1]) == int(last[0]) + 1  # the page just before, newest first, no entry skipped
    if page.locator('[data-testid="page-first"]').count():  # else the page before the last is the first
        follow(page, "page-first")
    assert page.locator("table.audit tbody tr td:first-child").all_inner_texts() == first

    # More cases than two pages of the queue (30 a page), so the keyset links have somewhere to go.
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.cases import services
    from gongzhi.registry.tests.factories import GRID

    lon, lat = Area.objects.get(code=GRID).centroid
    resident = User.objects.get(username="resident")
    for n in range(65):
        services.report_case(actor=resident, description=f"幸福路第{n:02d}号路灯不亮，晚上出行不便", lon=lon, lat=lat)
    page = open_page(DESKTOP)
    login(page, site, "district")
    page.goto(f"{site}/cases/?queue=all&order=reported")
    assert page.locator('[data-testid="queue-tabs"]').count() == 1
    assert page.locator('[data-testid="case-count"]').count() == 1
    assert "第64号" in page.content()  # newest first
    follow(page, "page-last")
    assert page.locator('[data-testid="page-next"]').count() == 0 and "第00号" in page.content()
    screenshot(page, "case-queue-keyset-pages")
    assert console.errors == []
