"""The login page in a real browser: Chinese errors, the lockout message, the language switch."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_wrong_password_shows_the_chinese_error(site, page, console):
    login(page, site, "street", "wrong-password")

    assert page.url == f"{site}/accounts/login/"
    assert page.inner_text("[data-testid=login-error]") == "用户名或密码错误。"
    # The form is shown again with the username kept, ready for another try.
    assert page.input_value("#id_username") == "street"
    screenshot(page, "login-error")
    assert console.errors == []


def test_fifth_failure_locks_the_account_and_the_page_says_so(site, page, console):
    for _attempt in range(4):
        login(page, site, "community", "wrong-password")
        assert page.inner_text("[data-testid=login-error]") == "用户名或密码错误。"

    login(page, site, "community", "wrong-password")
    message = page.inner_text("[data-testid=login-error]")
    assert "账号已锁定 15 分钟" in message

    # While locked, even the right password is refused with the same message.
    login(page, site, "community")
    assert page.url == f"{site}/accounts/login/"
    assert "账号已锁定" in page.inner_text("[data-testid=login-error]")
    screenshot(page, "login-locked")
    assert console.errors == []


def test_lang_en_switches_the_interface_to_english_and_is_remembered(site, page, console):
    page.goto(f"{site}/accounts/login/?lang=en")

    assert page.evaluate("document.documentElement.lang") == "en"
    heading = page.inner_text("h1")
    button = page.inner_text("form button[type=submit]")
    assert not HAN.search(heading) and re.search("[A-Za-z]", heading)
    assert not HAN.search(button) and re.search("[A-Za-z]", button)
    assert page.inner_text(".lang a") == "中文"
    screenshot(page, "login-en")

    # The choice is kept in a cookie: the next page without ?lang is English too.
    page.goto(f"{site}/")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert not HAN.search(page.inner_text(".hero h1"))

    # And the menu switches back to Chinese.
    with page.expect_navigation():
        page.click(".lang a")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "社区治理平台" in page.inner_text(".hero h1")
    assert console.errors == []


def test_signed_in_english_console_keeps_the_users_name(site, page, console):
    login(page, site, "street")
    page.goto(f"{site}/console/?lang=en")

    assert page.evaluate("document.documentElement.lang") == "en"
    assert not HAN.search(page.inner_text("h1"))
    assert "李主任" in page.inner_text(".usermenu .who")
    screenshot(page, "console-en")
    assert console.errors == []
