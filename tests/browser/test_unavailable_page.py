"""The page shown while the database is unreachable, in a real browser: Chinese, readable, no traceback.

The live server runs in this process, so the database failing is simulated where a page reads it
(the console's summary raises the driver's OperationalError); the real outage runs in
``tests/e2e/test_healthz.py`` and ``src/gongzhi/cases/tests/test_database_outage.py``.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser


def test_a_page_whose_database_is_unreachable_says_so_in_chinese(site, page, monkeypatch):
    login(page, site, "street")

    def unreachable(user):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("gongzhi.core.selectors.console_summary", unreachable)
    answer = page.goto(f"{site}/console/")

    assert answer.status == 503 and answer.headers["retry-after"] == "30"
    assert page.inner_text("h1") == "系统暂时无法使用"
    text = page.inner_text("main")
    assert "数据库暂时无法连接，您的这次操作没有保存" in text
    assert "Traceback" not in page.content() and "5432" not in page.content()
    assert page.get_attribute("html", "lang") == "zh-CN"
    screenshot(page, "database-unreachable")
