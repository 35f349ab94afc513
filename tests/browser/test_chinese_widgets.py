"""What scripts draw reads as Chinese too (issue 12, item 16): Leaflet's zoom buttons and the
management site's two-box selector, both written in English by their libraries; and the pages that
changed wording: the audit log (actions and operators by name) and the home page (item 19)."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser


def zoom_titles(page, selector: str) -> dict:
    page.wait_for_selector(f"{selector} .leaflet-control-zoom-in")
    return {
        "in": page.get_attribute(f"{selector} .leaflet-control-zoom-in", "title"),
        "in_aria": page.get_attribute(f"{selector} .leaflet-control-zoom-in", "aria-label"),
        "out": page.get_attribute(f"{selector} .leaflet-control-zoom-out", "title"),
    }


def test_map_zoom_buttons_are_named_in_chinese(site, page, open_page, console):
    login(page, site, "district")
    page.goto(f"{site}/areas/map/")
    page.wait_for_selector("#map[data-loaded]")
    assert zoom_titles(page, "#map") == {"in": "放大", "in_aria": "放大", "out": "缩小"}
    page.hover("#map .leaflet-control-zoom-in")
    screenshot(page, "map-zoom-chinese")
    assert console.errors == []

    resident = open_page(MOBILE)
    login(resident, site, "resident")
    resident.goto(f"{site}/cases/report/")
    assert zoom_titles(resident, "#pick-map") == {"in": "放大", "in_aria": "放大", "out": "缩小"}
    assert "Zoom" not in resident.content()
    screenshot(resident, "report-map-zoom-chinese")


def test_the_management_sites_selector_is_chinese(site, page, console):
    login(page, site, "admin")
    page.goto(f"{site}/manage/accounts/department/")
    page.click("th.field-code a >> nth=0")
    page.wait_for_selector(".selector-chooseall", state="attached")
    texts = page.inner_text("#content-main")
    assert "全选服务区域" in texts and "Choose all" not in texts and "Remove all" not in texts
    assert page.inner_text("#user-tools").startswith("欢迎，")
    assert "赵系统" in page.inner_text("#user-tools") and "ADMIN" not in page.inner_text("#user-tools")
    screenshot(page, "manage-department-chinese")
    assert console.errors == []


def test_the_audit_log_names_actions_and_operators(site, page, console):
    from gongzhi.audit.services import record

    record(actor=None, actor_name="demo_setup", action="demo.setup", object_repr="示范区")
    login(page, site, "auditor")
    page.goto(f"{site}/audit/")
    actions = page.locator('[data-testid="audit-action"]').all_inner_texts()
    assert "生成演示数据" in actions and "登录成功" in actions
    table = page.inner_text("table.audit")
    assert "演示数据初始化程序" in table and "钱审计（auditor）" in table
    assert "demo_setup" not in table and "login.success" not in table
    screenshot(page, "audit-log-chinese")
    assert console.errors == []


def test_the_home_page_promises_what_exists(site, page, console):
    page.goto(f"{site}/")
    features = page.inner_text('[data-testid="landing-features"]')
    assert "全息档案" in features and "一网统管" in features and "协商议事与在线表决" in features
    assert "居务公开" in features and "办事服务" not in page.content()  # no service hall yet
    screenshot(page, "home-page")
    assert console.errors == []
