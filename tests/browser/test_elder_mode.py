"""长辈模式 in a real browser (适老化): the switch on a resident's phone page makes body text ≥ 18 px with
line height ≥ 1.5, every button and field at least 44 px tall, and is still on after a reload and on
other pages; switching back restores the standard page."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

MEASURE = """() => {
  const body = getComputedStyle(document.body);
  const small = [...document.querySelectorAll('main button, main .button, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, header button')]
    .filter(el => el.offsetParent !== null)
    .map(el => ({text: (el.innerText || el.name || el.type).trim(), height: el.getBoundingClientRect().height}))
    .filter(item => item.height < 44);
  return {font: parseFloat(body.fontSize), line: parseFloat(body.lineHeight), small};
}"""


def test_elder_mode_enlarges_a_residents_pages_and_is_remembered(site, open_page, console, demo):
    phone = open_page(MOBILE)
    login(phone, site, "resident")
    phone.goto(f"{site}/m/")
    standard = phone.evaluate(MEASURE)
    assert standard["font"] < 18
    with phone.expect_navigation():
        phone.click("[data-testid=elder-switch] button")
    assert phone.url.endswith("/m/")
    measured = phone.evaluate(MEASURE)
    assert measured["font"] >= 18 and measured["line"] >= 1.5 * measured["font"], measured
    assert measured["small"] == [], measured["small"]
    screenshot(phone, "elder-mode-home-phone")

    phone.reload()
    assert "elder" in phone.get_attribute("body", "class")
    phone.goto(f"{site}/cases/report/")
    measured = phone.evaluate(MEASURE)
    assert measured["font"] >= 18 and measured["small"] == [], measured
    screenshot(phone, "elder-mode-report-phone")

    with phone.expect_navigation():
        phone.click("[data-testid=elder-switch] button")
    assert "elder" not in phone.get_attribute("body", "class")
    assert console.errors == []
