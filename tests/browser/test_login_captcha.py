"""The image challenge on the login page in a real browser: shown past the address threshold,
labelled, with alt text and a refresh link; the right answer signs a person in."""

from __future__ import annotations

import pytest

from gongzhi.accounts import captcha
from gongzhi.accounts.models import LoginCaptcha, LoginFailure
from tests.browser.pages import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def throttled(site, settings):
    # The live server sees the browser at 127.0.0.1: 50 failures from there, made-up usernames.
    for n in range(settings.GONGZHI_IP_THROTTLE_FAILURES):
        LoginFailure.objects.create(username=f"nobody{n}", ip="127.0.0.1")
    return site


def test_the_login_page_asks_for_the_captcha_and_lets_the_office_in(throttled, page, console):
    page.goto(f"{throttled}/accounts/login/")
    box = page.locator("[data-testid=captcha]")
    assert box.is_visible()
    image = page.locator("[data-testid=captcha-image]")
    assert image.get_attribute("alt").startswith("图形验证码图片")
    assert page.evaluate("document.querySelector('[data-testid=captcha-image]').naturalWidth") == captcha.WIDTH
    assert page.get_by_label("图形验证码").count() == 1  # the input has its label
    first_key = page.input_value("input[name=captcha_key]")
    page.fill("#id_username", "community")
    screenshot(page, "login-captcha")

    page.click("[data-testid=captcha-refresh]")
    page.wait_for_load_state()
    key = page.input_value("input[name=captcha_key]")
    assert key != first_key  # a new image

    LoginCaptcha.objects.filter(key=key).update(answer_hash=captcha._hash(key, "ABCDE"))
    page.fill("#id_username", "community")
    page.fill("#id_password", "Demo@12345")
    page.fill("#id_captcha", "abcde")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == f"{throttled}/console/"
    assert console.errors == []
