"""Issue 16 item 3 in a real browser: community staff find a resident and issue a 居住证明; the A4
page carries its serial and QR code; anyone opens the verification page without signing in and
sees the masked holder; after revoking, the same page says it was revoked."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, MOBILE, login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(demo):
    from gongzhi.registry.tests.factories import GRID, make_id, make_person
    from gongzhi.services import install

    install.install()
    return make_person(grid=GRID, name="王建民", address_text="幸福路8号3栋201室", id_number=make_id(sequence="321"))


def test_issue_print_verify_and_revoke_a_certificate(site, open_page, console, resident):
    page = open_page(DESKTOP)
    login(page, site, "community")
    page.goto(f"{site}/services/certificates/issue/")
    page.fill("#q", "王建民")
    with page.expect_navigation():
        page.click("[data-testid=holder-search] button")
    with page.expect_navigation():
        page.click("[data-testid=holder-results] a:has-text('王建民')")
    options = page.locator("#id_kind option").all_inner_texts()
    assert "居住证明" in options and "亲属关系证明" not in options  # only kinds on the certificate list
    page.select_option("#id_kind", label="居住证明")
    page.fill("#id_purpose", "办理居住证")
    screenshot(page, "certificate-issue-form")
    with page.expect_navigation():
        page.click("[data-testid=issue-form] button[type=submit]")
    serial = page.inner_text("[data-testid=serial]")
    text = page.inner_text("[data-testid=certificate]")
    assert "王建民" in text and "办理居住证" in text and "居民委员会" in text
    assert page.locator(".cert-qr").evaluate("img => img.naturalWidth > 0")
    screenshot(page, "certificate-a4")

    visitor = open_page(MOBILE)  # anyone, not signed in: what the QR code opens
    visitor.goto(f"{site}/services/verify/{serial}/")
    assert visitor.inner_text("[data-testid=verify-status]") == "该证明真实有效。"
    facts = visitor.inner_text("[data-testid=verify-facts]")
    assert "王*民" in facts and "王建民" not in visitor.content() and "幸福路8号" not in visitor.content()
    screenshot(visitor, "certificate-verify-valid-phone")

    page.fill("#id_reason", "持证人反映地址有误，重新出具")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=revoke-form] button[type=submit]")
    assert "持证人反映地址有误" in page.inner_text("[data-testid=revoked-banner]")
    visitor.reload()
    assert "已被出具单位撤销" in visitor.inner_text("[data-testid=verify-status]")
    screenshot(visitor, "certificate-verify-revoked-phone")

    visitor.goto(f"{site}/services/verify/")
    visitor.fill("#id_serial", serial[:-2] + "ZZ")
    with visitor.expect_navigation():
        visitor.click("form[role=search] button[type=submit]")
    assert "查无此证明" in visitor.inner_text("[data-testid=verify-status]")
    assert console.errors == []
