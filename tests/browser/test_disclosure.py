"""Issue 13 items 7 and 8 in a real browser: the public disclosure page of 幸福社区 on a phone,
without signing in (overdue notice, filters, an item, a financial statement); staff draft, publish
and withdraw an item; a month's statement is published from the books."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

COMMUNITY = "341702001001"


@pytest.fixture
def disclosures(demo):
    from gongzhi.disclosure import demo_items

    demo_items.build(demo.district)


def test_public_page_on_a_phone_without_login(site, open_page, console, disclosures):
    page = open_page(MOBILE)
    page.goto(f"{site}/disclosure/")
    assert "幸福社区" in page.inner_text("[data-testid=communities]")
    screenshot(page, "disclosure-index-phone")
    with page.expect_navigation():
        page.click("[data-testid=communities] a:has-text('幸福社区')")
    assert page.inner_text("h1") == "幸福社区 · 居务公开"
    assert "服务公开已逾期" in page.inner_text("[data-testid=overdue]")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(page, "disclosure-community-phone")

    page.select_option("select[name=category]", "finance")
    with page.expect_navigation():
        page.click("[data-testid=filters] button[type=submit]")
    titles = page.locator("[data-testid=items] .disc-title")
    assert titles.count() > 0 and all("财务收支公开" in t for t in titles.all_inner_texts())
    with page.expect_navigation():
        titles.first.click()
    assert page.locator("[data-testid=statement]").is_visible()
    assert "社区居委会答复" in page.inner_text("#questions")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"] + 1 or \
        page.locator(".table-wrap").count() == 1  # a wide statement scrolls inside its own box
    screenshot(page, "disclosure-statement-phone")
    page.emulate_media(media="print")
    screenshot(page, "disclosure-statement-print")
    assert not page.locator(".topbar").is_visible() and not page.locator("[data-print]").is_visible()
    assert console.errors == []


def test_staff_draft_publish_and_withdraw(site, page, console, demo):
    login(page, site, "community")
    page.goto(f"{site}/disclosure/manage/")
    assert "财务公开：尚未公开过" in page.inner_text("[data-testid=staff-overdue]")
    with page.expect_navigation():
        page.click("[data-testid=new-item]")
    page.select_option("#id_category", "affairs")
    page.fill("#id_title", "关于楼道照明更换的公示")
    page.fill("#id_content", "经居民代表会议讨论，决定更换 3 栋、5 栋楼道照明，费用由社区公益金列支。")
    page.fill("#id_period_start", "2026-10-01")
    page.fill("#id_period_end", "2026-12-31")
    page.check("#id_major")
    screenshot(page, "disclosure-staff-form")
    with page.expect_navigation():
        page.click("[data-testid=item-form] button[type=submit]")
    assert "重大事项须填写决定日期" in page.inner_text("[data-testid=item-form]")  # refused, said why
    page.fill("#id_decided_on", "2026-10-02")
    with page.expect_navigation():
        page.click("[data-testid=item-form] button[type=submit]")
    assert page.inner_text("[data-testid=item-status]") == "草稿"
    with page.expect_navigation():
        page.click("[data-testid=publish]")
    assert page.inner_text("[data-testid=item-status]") == "已公开"
    screenshot(page, "disclosure-staff-published")

    public = page.url
    page.fill("#id_reason", "费用来源需补充说明")
    with page.expect_navigation():
        page.click("[data-testid=withdraw-form] button[type=submit]")
    assert page.inner_text("[data-testid=item-status]") == "已撤回"
    history = page.inner_text("[data-testid=history]")
    assert "费用来源需补充说明" in history and history.count("公开") >= 1
    screenshot(page, "disclosure-staff-history")
    assert public

    # The books: an entry, the month's statement published, the public sees it.
    page.goto(f"{site}/disclosure/manage/finances/entries/new/")
    page.fill("#id_date", "2026-11-03")
    page.fill("#id_voucher", "记-2026-11-001")
    page.select_option("#id_kind", "income")
    page.select_option("#id_category", "grant")
    page.fill("#id_amount", "12000.00")
    page.fill("#id_summary", "上级拨付社区工作经费")
    page.fill("#id_handled_by", "会计")
    with page.expect_navigation():
        page.click("[data-testid=entry-form] button[type=submit]")
    page.goto(f"{site}/disclosure/manage/finances/?area={COMMUNITY}&month=2026-11")
    assert page.inner_text("[data-testid=closing]") == "12,000.00"
    with page.expect_navigation():
        page.click("[data-testid=publish-statement]")
    screenshot(page, "disclosure-staff-finances")
    assert "已公开" in page.inner_text("[data-testid=statement-panel]")
    assert console.errors == []


def test_a_resident_asks_on_a_phone_and_the_answer_is_public_without_names(site, open_page, page, console,
                                                                              disclosures):
    phone = open_page(MOBILE)
    login(phone, site, "resident")
    phone.goto(f"{site}/disclosure/")
    with phone.expect_navigation():
        phone.click("[data-testid=mine] a")
    phone.fill("#disc-ask-text", "小区东门的路灯什么时候修？")
    with phone.expect_navigation():
        phone.click("[data-testid=ask-form] button[type=submit]")
    assert "您的问题已提交" in phone.inner_text(".messages")
    screenshot(phone, "disclosure-ask-phone")

    login(page, site, "community")
    page.goto(f"{site}/disclosure/manage/questions/")
    card = page.locator("[data-testid=question-list] li", has_text="小区东门的路灯")
    card.locator("textarea").fill("已报修，本周内修复。")
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    screenshot(page, "disclosure-staff-questions")

    phone.goto(f"{site}/disclosure/{COMMUNITY}/")
    answered = phone.locator("[data-testid=questions] li", has_text="小区东门的路灯").inner_text()
    assert "社区居委会答复：已报修，本周内修复。" in answered
    assert "王居民" not in answered and "周书记" not in answered
    screenshot(phone, "disclosure-answer-phone")
    assert console.errors == []
