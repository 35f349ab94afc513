"""Keyset pages in the browser (issue 15): the audit log and the case queue page by the last row seen,
with first / previous / next / last links and a count that stops at 10,000 ("约 N" / "超过 N")."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, login, screenshot

pytestmark = pytest.mark.browser


def test_the_audit_log_and_the_case_queue_page_to_the_end_and_back(site, page, open_page, console):
    from gongzhi.audit.models import AuditEntry
    from gongzhi.audit.services import record

    for n in range(max(0, 120 - AuditEntry.objects.count())):
        record(actor=None, actor_name="demo_setup", action="demo.setup", object_repr=f"示范区{n}")
    login(page, site, "auditor")
    page.goto(f"{site}/audit/")
    assert page.inner_text('[data-testid="audit-count"]').startswith("共 ")
    first = page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    page.click('[data-testid="page-last"]')
    last = page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    assert int(last[-1]) < int(first[-1]) and page.locator('[data-testid="page-next"]').count() == 0
    screenshot(page, "audit-log-last-page")
    page.click('[data-testid="page-previous"]')
    before = page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    assert int(before[-1]) == int(last[0]) + 1  # the page just before, newest first, no entry skipped
    if page.locator('[data-testid="page-first"]').count():  # else the page before the last is the first
        page.click('[data-testid="page-first"]')
    assert page.locator("table.audit tbody tr td:first-child").all_inner_texts() == first

    page = open_page(DESKTOP)
    login(page, site, "district")
    page.goto(f"{site}/cases/?queue=all&order=reported")
    assert page.locator('[data-testid="queue-tabs"]').count() == 1
    # The browser's demo may hold no case: then the queue says so instead of counting.
    assert page.locator('[data-testid="case-count"]').count() == 1 or "这里暂时没有事件" in page.content()
    if page.locator('[data-testid="page-last"]').count():
        page.click('[data-testid="page-last"]')
        assert page.locator('[data-testid="page-next"]').count() == 0
    screenshot(page, "case-queue-keyset-pages")
    assert console.errors == []
