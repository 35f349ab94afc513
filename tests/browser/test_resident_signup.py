"""A resident signs up on a phone: number → SMS code (read from the console SMS log) → password →
name + ID verification → the mobile home shows the community they are bound to."""

from __future__ import annotations

import json
import re

import pytest

from gongzhi.registry.tests.factories import GRID, make_id, make_person
from tests.browser.pages import MOBILE, screenshot

pytestmark = pytest.mark.browser

PHONE = "13966668888"
PASSWORD = "Jumin@2026"
NAME = "林晓燕"
ID_NUMBER = make_id(birth="19920614", sequence="382")


def test_resident_signs_up_verifies_and_sees_the_community(site, open_page, console, settings, tmp_path):
    settings.GONGZHI_NOTICE_LOG = tmp_path / "notices.log"
    make_person(grid=GRID, name=NAME, id_number=ID_NUMBER)
    page = open_page(MOBILE)

    page.goto(f"{site}/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("link", name="居民注册").click()
    assert page.inner_text("h1") == "居民注册"
    page.fill("#id_phone", PHONE)
    screenshot(page, "signup-1-phone")
    with page.expect_navigation():
        page.click("main form[novalidate] button[type=submit]")

    assert page.url == f"{site}/accounts/signup/confirm/"
    assert "139****8888" in page.inner_text("main")
    [line] = [json.loads(raw) for raw in settings.GONGZHI_NOTICE_LOG.read_text(encoding="utf-8").splitlines()]
    assert line["to"] == "139****8888"  # the console stand-in for SMS masks the phone
    code = re.search(r"\d{6}", line["body"]).group()
    page.fill("#id_code", code)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    screenshot(page, "signup-2-code-password")
    with page.expect_navigation():
        page.click("main form[novalidate] button[type=submit]")

    assert page.url == f"{site}/registry/verify/"
    assert "注册成功" in page.inner_text(".messages")
    assert page.evaluate("document.body.classList.contains('layout-mobile')")
    page.fill("#id_real_name", NAME)
    page.fill("#id_id_number", ID_NUMBER)
    screenshot(page, "signup-3-verify")
    with page.expect_navigation():
        page.click("main form[novalidate] button[type=submit]")

    assert page.url == f"{site}/m/"
    assert page.inner_text("h1") == f"您好，{NAME}"
    status = page.inner_text("[data-testid=verification-status]")
    assert "已核验" in status and "幸福社区" in status and "幸福社区第01网格" in status
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(page, "signup-4-home")
    assert console.errors == []
