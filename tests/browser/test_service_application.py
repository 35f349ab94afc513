"""Issue 16's acceptance in a real browser: a resident applies with what the registry holds shown,
not asked → the community's first review asks for corrections once → the resident resubmits → the
community passes it → the street approves → the certificate is printed → its QR verification page
(anyone, no sign-in) shows it valid with a masked holder → the resident rates the service."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, MOBILE, login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def applicant(demo):
    from gongzhi.registry.models import ResidentLink
    from gongzhi.registry.tests.factories import GRID, make_id, make_person
    from gongzhi.services import install
    from gongzhi.services.models import CertificateKind, ServiceItem, ServiceStep

    install.install()
    base = ServiceItem.objects.get(code="residence_proof")
    item = ServiceItem.objects.create(
        code="residence_proof_street", name="居住证明（街道审签）", theme="证明服务", legal_basis=base.legal_basis,
        admission=base.admission, certificate_kind=CertificateKind.objects.get(code="residence"), time_limit_days=5,
        form_fields=[{"name": "purpose", "label": "证明用途", "type": "text", "required": True}])
    ServiceStep.objects.create(item=item, order=1, name="受理初审", level="community", days=2)
    ServiceStep.objects.create(item=item, order=2, name="审签", level="street", days=3)
    person = make_person(grid=GRID, name="王建民", address_text="幸福路8号3栋201室", phone="13912345678",
                         id_number=make_id(sequence="321"))
    ResidentLink.objects.create(user=demo.users["resident"], person=person, method="counter", area=person.area)
    return item


def act(page, action: str, note: str = "") -> None:
    if note:
        page.fill("#id_note", note)
    with page.expect_navigation():
        page.click(f"[data-testid=act-form] button[value={action}]")


def test_apply_correct_approve_print_and_verify(site, open_page, console, applicant):
    resident = open_page(MOBILE)
    login(resident, site, "resident")
    resident.goto(f"{site}/services/items/{applicant.code}/")
    with resident.expect_navigation():
        resident.click("[data-testid=apply-link]")
    prefilled = resident.inner_text("[data-testid=prefilled]")
    assert "王建民" in prefilled and "139****5678" in prefilled and "幸福路8号3栋201室" in prefilled
    resident.fill("#id_purpose", "办理居住证")
    screenshot(resident, "service-apply-phone")
    with resident.expect_navigation():
        resident.click("[data-testid=apply-form] button[type=submit]")
    number = resident.url.rstrip("/").rsplit("/", 1)[1]
    assert resident.inner_text("[data-testid=application-status]") == "办理中"

    community = open_page(DESKTOP)
    login(community, site, "community")
    community.goto(f"{site}/services/applications/")
    with community.expect_navigation():
        community.click(f"text={number}")
    act(community, "ask_correction", "请补充：租房合同复印件；居住起始日期")
    assert community.inner_text("[data-testid=application-status]").startswith("待补正")
    assert community.locator("[data-testid=act-form]").count() == 0  # waiting for the resident, not for staff
    screenshot(community, "service-correction-asked")

    resident.reload()
    assert "租房合同复印件" in resident.inner_text("[data-testid=correction]")
    resident.fill("#id_purpose", "办理居住证（已补充租房合同）")
    resident.fill("#note", "已上交租房合同复印件")
    with resident.expect_navigation():
        resident.click("[data-testid=resubmit-form] button[type=submit]")
    assert resident.inner_text("[data-testid=application-status]") == "办理中"

    community.reload()
    act(community, "approve_step", "材料齐全，居住属实")
    assert "审签" in community.inner_text("[data-testid=application-status]")
    assert community.locator("[data-testid=act-form]").count() == 0  # the street's step, not the community's

    street = open_page(DESKTOP)
    login(street, site, "street")
    street.goto(f"{site}/services/applications/{number}/")
    act(street, "approve_step", "同意出具")
    assert street.inner_text("[data-testid=application-status]") == "已办结（准予）"
    with street.expect_navigation():
        street.click("[data-testid=certificate-link]")
    serial = street.inner_text("[data-testid=serial]")
    assert "办理居住证（已补充租房合同）" in street.inner_text("[data-testid=certificate]")
    screenshot(street, "service-certificate-a4")

    visitor = open_page(MOBILE)
    visitor.goto(f"{site}/services/verify/{serial}/")
    assert visitor.inner_text("[data-testid=verify-status]") == "该证明真实有效。"
    assert "王*民" in visitor.inner_text("[data-testid=verify-facts]") and "王建民" not in visitor.content()
    screenshot(visitor, "service-certificate-verified-phone")

    resident.reload()
    timeline = resident.inner_text("[data-testid=timeline]")
    assert "街道" in timeline and "周书记" not in timeline and "李主任" not in timeline
    resident.check("input[name=rating][value='5']")
    with resident.expect_navigation():
        resident.click("[data-testid=rate-form] button[type=submit]")
    assert resident.locator("[data-testid=rated]").count() == 1
    screenshot(resident, "service-rated-phone")
    assert console.errors == []
