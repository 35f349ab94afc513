"""The header menu (issue 12 item 18): grouped into drop-downs, folded behind 菜单 on a phone, never
wider than the window, 通知 (with the unread count) always in sight, every entry reachable by
keyboard, Escape closing what is open."""

from __future__ import annotations

import pytest

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
ACCOUNTS = ["grid", "community", "street", "district"]


def _unread_notice(demo, username):
    from gongzhi.notices.services import send_notice

    send_notice(recipients=[demo.users[username]], title="请核查新上报的事件", body="测试通知")


def _tab_through_menu(page) -> list[dict]:
    """Tab from the top of the page through the header, opening 菜单 and each group with Enter as
    the focus reaches them; the links the focus landed on, with their visibility then."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = []
    for _press in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            return {tag: el.tagName, href: el.getAttribute("href"), expanded: el.getAttribute("aria-expanded"),
                    inHeader: !!el.closest(".topbar"), inMenu: !!el.closest("#mainnav"),
                    toggle: el.hasAttribute("data-menu-toggle"), group: el.classList.contains("menu-button"),
                    skip: el.classList.contains("skip-link"),
                    visible: box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= window.innerWidth};
        }""")
        if focused["skip"]:
            continue  # 跳到正文 comes first, before the header
        if not focused["inHeader"]:
            break
        if (focused["toggle"] or focused["group"]) and focused["expanded"] == "false":
            page.keyboard.press("Enter")
        if focused["inMenu"] and focused["href"]:
            reached.append(focused)
    return reached


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
@pytest.mark.parametrize("username", ACCOUNTS)
def test_the_menu_fits_keeps_notices_in_sight_and_works_by_keyboard(site, demo, open_page, console, username,
                                                                    viewport):
    _unread_notice(demo, username)
    page = open_page(viewport)
    login(page, site, username)

    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    notices = page.locator(".pinned a", has_text="通知")
    assert notices.is_visible()
    box = notices.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= viewport["height"]
    assert notices.locator("[data-testid=unread-count]").inner_text() == "1"

    toggle = page.locator("[data-menu-toggle]")
    if viewport is PHONE:
        assert toggle.is_visible() and not page.locator("#mainnav").is_visible()  # folded
    else:
        assert not toggle.is_visible()
        # One row: the menu does not wrap, and 通知 sits on the same line.
        tops = page.evaluate("[...document.querySelectorAll('.menu > li')].map(li => li.getBoundingClientRect().top)")
        assert max(tops) - min(tops) < 4, tops
        menu_box = page.locator(".menu").bounding_box()
        assert abs((box["y"] + box["height"] / 2) - (menu_box["y"] + menu_box["height"] / 2)) < 8
        assert page.locator(".topbar").bounding_box()["height"] < 70

    entries = page.evaluate("[...document.querySelectorAll('#mainnav a')].map(a => a.getAttribute('href'))")
    assert len(entries) >= 4
    reached = _tab_through_menu(page)
    assert [r["href"] for r in reached] == entries
    assert all(r["visible"] for r in reached), reached
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert console.errors == []


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_escape_closes_the_open_group_and_the_folded_menu(site, open_page, console, viewport):
    page = open_page(viewport)
    login(page, site, "community")
    toggle = page.locator("[data-menu-toggle]")
    if viewport is PHONE:
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true" and page.locator("#mainnav").is_visible()
    group = page.locator("#menu-button-cases")
    group.focus()
    page.keyboard.press("Enter")
    assert group.get_attribute("aria-expanded") == "true"
    assert page.locator("#menu-cases").get_by_role("link", name="事件办理").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"menu-community-{viewport['width']}-open")

    page.keyboard.press("Tab")  # into the group's first link
    assert page.evaluate("document.activeElement.closest('#menu-cases') !== null")
    page.keyboard.press("Escape")
    assert group.get_attribute("aria-expanded") == "false" and not page.locator("#menu-cases").is_visible()
    assert page.evaluate("document.activeElement.id") == "menu-button-cases"
    if viewport is PHONE:
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#mainnav").is_visible()
        assert page.evaluate("document.activeElement.hasAttribute('data-menu-toggle')")
    else:
        # Another group opening closes this one; a click elsewhere closes every group.
        group.click()
        page.locator("#menu-button-records").click()
        assert group.get_attribute("aria-expanded") == "false"
        page.locator("main h1").click()
        assert page.locator("#menu-button-records").get_attribute("aria-expanded") == "false"
    assert console.errors == []


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
@pytest.mark.parametrize("username", ACCOUNTS)
def test_menu_screenshots(site, demo, open_page, username, viewport):
    page = open_page(viewport)
    login(page, site, username)
    if viewport is PHONE:
        page.locator("[data-menu-toggle]").click()
    screenshot(page, f"menu-{username}-{viewport['width']}")


def test_the_english_menu_fits_one_row_too(site, open_page, console):
    page = open_page(LAPTOP)
    login(page, site, "district")
    page.goto(f"{site}/console/?lang=en")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    tops = page.evaluate("[...document.querySelectorAll('.menu > li')].map(li => li.getBoundingClientRect().top)")
    assert max(tops) - min(tops) < 4, tops
    assert page.locator(".pinned a").is_visible()
    screenshot(page, "menu-district-1366-en")
    assert console.errors == []
