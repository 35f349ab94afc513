"""Unmasked display: permission in scope plus a typed reason, every attempt audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.privacy.services import can_reveal, reveal

pytestmark = pytest.mark.django_db

RESIDENT_PHONE = "13800000008"


def post_reveal(client, target, reason="", field="phone", model="accounts.user"):
    return client.post("/privacy/reveal/", {"model": model, "pk": target.pk, "field": field, "reason": reason})


@pytest.fixture
def other_street_resident(demo):
    grid = Area.objects.get(code="34170200200101")
    return User.objects.create(username="faraway", real_name="远方", phone="13911112222", home_area=grid)


def test_who_may_reveal_what(demo, other_street_resident):
    u = demo.users
    resident, staff = u["resident"], u["auditor"]
    assert can_reveal(u["community"], resident, "phone") and can_reveal(u["street"], resident, "phone")
    assert can_reveal(u["district"], other_street_resident, "phone")
    assert not can_reveal(u["community"], other_street_resident, "phone")  # outside their area
    assert not can_reveal(u["grid"], resident, "phone")  # no personal.unmask
    assert not can_reveal(u["admin"], resident, "phone")  # residents: by area, not by account admin
    assert can_reveal(u["admin"], staff, "phone")  # staff accounts: account managers only
    assert not can_reveal(u["district"], staff, "phone")
    assert not can_reveal(u["community"], resident, "password")  # not a revealable field


def test_reveal_without_permission_is_refused_and_audited(demo, login_as):
    response = post_reveal(login_as("grid"), demo.users["resident"], reason="想看看号码")
    assert response.status_code == 403
    assert RESIDENT_PHONE not in response.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.success, entry.actor_name) == ("personal.reveal_denied", False, "grid")
    assert entry.object_id == str(demo.users["resident"].pk) and entry.reason == "想看看号码"


def test_staff_phone_cannot_be_revealed_by_area_staff(demo, login_as):
    response = post_reveal(login_as("district"), demo.users["admin"], reason="联系管理员")
    assert response.status_code == 403
    assert AuditEntry.objects.get().action == "personal.reveal_denied"


def test_reveal_without_reason_answers_422_with_the_masked_widget_only(demo, login_as):
    for reason in ("", "  看 "):
        response = post_reveal(login_as("community"), demo.users["resident"], reason=reason)
        page = response.content.decode()
        assert response.status_code == 422
        assert RESIDENT_PHONE not in page
        assert "138****0008" in page and "请填写查看完整信息的事由" in page and 'name="reason"' in page
    assert not AuditEntry.objects.exists()


def test_reveal_with_reason_shows_the_value_and_records_the_reason(demo, login_as):
    response = post_reveal(login_as("community"), demo.users["resident"], reason="上门走访需联系")
    assert response.status_code == 200
    assert f'data-testid="revealed">{RESIDENT_PHONE}<' in response.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.success, entry.actor_name) == ("personal.reveal", True, "community")
    assert entry.reason == "上门走访需联系" and entry.after == {"field": "phone"}
    assert entry.object_type == "accounts.user" and entry.object_id == str(demo.users["resident"].pk)


def test_system_admin_reveals_a_staff_phone(demo, login_as):
    response = post_reveal(login_as("admin"), demo.users["auditor"], reason="核实联系方式")
    assert response.status_code == 200 and "13800000002" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"model": "accounts.user", "field": "password", "pk": "1"},
        {"model": "accounts.department", "field": "phone", "pk": "1"},
        {"model": "nope", "field": "phone", "pk": "1"},
        {"model": "accounts.user", "field": "phone", "pk": "x"},
        {"model": "accounts.user", "field": "phone", "pk": "999999"},
    ],
)
def test_unknown_targets_answer_404(demo, login_as, data):
    assert login_as("community").post("/privacy/reveal/", {**data, "reason": "测试事由"}).status_code == 404


def test_reveal_needs_post_and_a_signed_in_user(client, demo):
    assert client.post("/privacy/reveal/", {}).status_code == 302
    client.force_login(demo.users["community"])
    assert client.get("/privacy/reveal/").status_code == 405


def test_service_refuses_and_records_before_checking_the_reason(demo):
    with pytest.raises(PermissionDenied):
        reveal(actor=demo.users["grid"], obj=demo.users["resident"], field="phone", reason="")
    assert AuditEntry.objects.get().success is False
    with pytest.raises(ValidationError) as exc:
        reveal(actor=demo.users["street"], obj=demo.users["resident"], field="phone", reason="")
    assert exc.value.code == "reason_required"


def test_account_page_shows_masked_phone_with_the_widget_for_staff_accounts(demo, login_as):
    page = login_as("admin").get(f"/accounts/users/{demo.users['auditor'].pk}/").content.decode()
    assert "138****0002" in page and "13800000002" not in page
    assert 'hx-post="/privacy/reveal/"' in page and 'name="reason"' in page


def test_account_page_shows_masked_phone_without_widget_when_admin_may_not_reveal(demo, login_as):
    page = login_as("admin").get(f"/accounts/users/{demo.users['resident'].pk}/").content.decode()
    assert "138****0008" in page and RESIDENT_PHONE not in page
    assert "/privacy/reveal/" not in page


@pytest.mark.parametrize(("username", "target"), [("admin", "auditor"), ("district", "auditor"), ("community", "resident"),
                                                  ("grid", "resident")])
def test_the_masked_widget_is_the_markup_of_its_template(demo, username, target):
    """``{% masked %}`` is written in Python (issue 11): the same markup as privacy/_masked.html, the
    reveal form offered exactly when ``can_reveal`` allows it."""
    from django.template import Context, Template
    from django.template.loader import render_to_string

    from gongzhi.privacy.services import masked_value

    viewer, obj = demo.users[username], demo.users[target]
    fast = Template('{% load privacy_tags %}{% masked obj "phone" %}').render(Context({"obj": obj, "user": viewer}))
    allowed = can_reveal(viewer, obj, "phone")
    reference = render_to_string("privacy/_masked.html", {
        "masked": masked_value(obj, "phone"), "can_reveal": allowed, "model": "accounts.user", "pk": obj.pk,
        "field": "phone", "dom_id": f"reveal-accounts-user-phone-{obj.pk}", "error": "",
    })
    assert fast == reference
    assert ('<details class="reveal">' in fast) is allowed and obj.phone not in fast
