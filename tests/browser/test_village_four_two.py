"""四议两公开 in the demo village (issue 13 item 6, acceptance): the village's staff take a matter
through its steps; the 党员大会 misses its quorum (14 of 30), the page says so with the numbers and
offers no next step; held again with 22 of 30 it passes and the process moves on. The village's
public page shows both attempts without signing in and without names."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

VILLAGE = "341702101201"  # 青山村


def _record(page, step: int, held_on: datetime.date, **fields) -> None:
    form = page.locator("[data-testid=step-form]")
    assert form.locator("input[name=step]").input_value() == str(step)
    form.locator("#id_held_on").fill(held_on.isoformat())
    for name, value in fields.items():
        form.locator(f"#id_{name}").fill(str(value))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_four_two_stops_at_a_failed_party_meeting_and_passes_when_held_again(site, page, open_page, console):
    day = datetime.date.today() - datetime.timedelta(days=10)
    login(page, site, "village")
    page.goto(f"{site}/deliberation/villages/")
    page.click("[data-testid=village-new]")
    page.select_option("#id_village", VILLAGE)
    page.fill("#id_title", "村部东侧文化广场建设")
    page.fill("#id_matter", "在村部东侧空地建设文化广场，面积约 1500 平方米，村集体出资。")
    with page.expect_navigation():
        page.click("[data-testid=village-process-form] button[type=submit]")
    assert "已创建四议两公开事项" in page.inner_text(".messages")

    _record(page, 1, day, expected=5, present=5, yes=5, expected_reason="村党支部委员 5 人", signed_by="黄某、李某")
    _record(page, 2, day + datetime.timedelta(days=1), expected=9, present=8, yes=7, no=1,
            expected_reason="两委委员 9 人", signed_by="黄某、李某")
    _record(page, 3, day + datetime.timedelta(days=2), expected=30, present=14, yes=14,
            expected_reason="按村党支部党员名册", signed_by="黄某")

    message = page.inner_text(".messages")
    assert "党员大会审议未通过：到会党员占应到 46.7%（14/30人），要求 ≥ 1/2" in message
    assert "不能进入下一环节" in message
    review = page.locator("[data-testid=village-step-3]")
    assert "14/30" in review.locator("[data-testid=step-shortfall]").inner_text()
    assert review.locator("[data-testid=step-form] h3").inner_text() == "重新召开并记录"
    assert page.locator("[data-testid=village-step-4] [data-testid=step-form]").count() == 0
    screenshot(page, "village-four-two-stopped")

    _record(page, 3, day + datetime.timedelta(days=5), expected=30, present=22, yes=20, no=2,
            expected_reason="按村党支部党员名册", signed_by="黄某")
    assert "“党员大会审议”已记录并通过" in page.inner_text(".messages")
    review = page.locator("[data-testid=village-step-3]")
    assert review.locator("[data-testid=attempt]").count() == 2  # the failed attempt is kept
    assert page.locator("[data-testid=village-step-4] [data-testid=step-form]").count() == 1
    screenshot(page, "village-four-two-reheld")

    public = open_page(MOBILE)  # nobody signed in
    public.goto(f"{site}/deliberation/villages/{VILLAGE}/public/")
    text = public.inner_text("main")
    assert "村部东侧文化广场建设" in text and "14/30" in text and "22/30" in text
    assert "黄某" not in text and "黄支书" not in text
    screenshot(public, "village-four-two-public")
    assert console.errors == []
