"""API tokens follow the same account rules as the pages (accounts.policy), and end on every
credential or role change, whichever path made the change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts import services
from gongzhi.accounts.models import ApiToken, RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Neu-Passwort#2026"


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def issue(user) -> str:
    _token, key = services.create_api_token(user=user, name="script")
    return key


def me(client, key):
    return client.get("/api/v1/me", **bearer(key))


def assert_refused_as_revoked(client, key):
    response = me(client, key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.revoked_at is not None and not token.is_active


def test_changing_ones_password_revokes_ones_tokens(demo, client, login_as):
    key = issue(demo.users["grid"])
    assert me(client, key).status_code == 200
    web = login_as("grid")
    response = web.post("/accounts/password/", {"old_password": demo.password, "new_password": NEW_PASSWORD,
                                                "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert_refused_as_revoked(Client(), key)
    assert ApiToken.objects.get(key_hash=ApiToken.hash_key(key)).revoked_reason == services.REVOKED_PASSWORD
    entry = AuditEntry.objects.get(action="account.tokens_revoke")
    assert entry.after == {"tokens": 1, "reason": "password_change"}


def test_an_administrators_password_reset_revokes_the_tokens(demo, login_as):
    key = issue(demo.users["grid"])
    admin = login_as("admin")
    response = admin.post(f"/manage/accounts/user/{demo.users['grid'].pk}/password/",
                          {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert_refused_as_revoked(Client(), key)


def test_an_administrators_two_factor_reset_revokes_the_tokens(demo, login_as):
    TOTPDevice.objects.create(user=demo.users["street"], name="TOTP", confirmed=True)
    key = issue(demo.users["street"])
    assert me(Client(), key).status_code == 200
    admin = login_as("admin")
    admin.post("/manage/accounts/user/", {"action": "reset_two_factor",
                                          "_selected_action": [demo.users["street"].pk]})
    assert_refused_as_revoked(Client(), key)


def test_a_new_second_factor_revokes_the_tokens(demo, client):
    key = issue(demo.users["street"])
    TOTPDevice.objects.create(user=demo.users["street"], name="TOTP", confirmed=True)
    assert_refused_as_revoked(client, key)


def test_a_role_granted_by_the_service_revokes_the_tokens(demo, client):
    grid = demo.users["grid"]
    key = issue(grid)
    services.assign_role(actor=demo.users["admin"], user=grid, role=Role.RESIDENT,
                         area=Area.objects.get(code="341702001001"))
    assert_refused_as_revoked(client, key)
    assert ApiToken.objects.get(key_hash=ApiToken.hash_key(key)).revoked_reason == services.REVOKED_ROLES


def test_a_role_removed_on_the_management_site_revokes_the_tokens(demo, login_as):
    street = demo.users["street"]
    key = issue(street)
    assignment = street.role_assignments.get()
    admin = login_as("admin")
    form = {
        "username": street.username, "real_name": street.real_name, "home_area": "", "email": "",
        "is_active": "on", "role_assignments-TOTAL_FORMS": "1", "role_assignments-INITIAL_FORMS": "1",
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-id": str(assignment.pk), "role_assignments-0-user": str(street.pk),
        "role_assignments-0-role": assignment.role, "role_assignments-0-area": str(assignment.area_id),
        "role_assignments-0-department": "", "role_assignments-0-DELETE": "on",
    }
    response = admin.post(f"/manage/accounts/user/{street.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not street.role_assignments.exists()
    assert_refused_as_revoked(Client(), key)


def test_a_scope_moved_by_any_code_path_ends_the_token(demo, client):
    """The general guard: a role moved to another area without any service (a data fix) still
    ends the token, because the token's credential stamp no longer matches."""
    grid = demo.users["grid"]
    key = issue(grid)
    RoleAssignment.objects.filter(user=grid).update(area=Area.objects.get(code="34170200100102"))
    assert_refused_as_revoked(client, key)


def test_unchanged_credentials_keep_the_token_working(demo, client):
    key = issue(demo.users["grid"])
    for _i in range(3):
        assert me(client, key).status_code == 200


# --- one policy for sessions and tokens ---------------------------------------------------------


def expire_password(user):
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))


def test_an_expired_password_blocks_old_tokens_new_tokens_and_sessions(demo, client, token_login, login_as):
    street = demo.users["street"]
    key = issue(street)
    expire_password(street)

    response = me(client, key)
    assert response.status_code == 403
    assert response.json() == {"detail": "密码已过期，请先在网页上修改密码。", "code": "password_expired"}

    issued = token_login("street")
    assert issued.status_code == 403
    assert issued.json()["code"] == "password_expired"
    assert not ApiToken.objects.filter(user=street).exclude(key_hash=ApiToken.hash_key(key)).exists()

    web = login_as("street")
    assert web.get("/console/").url == "/accounts/password/"
    session_api = web.get("/api/v1/me")
    assert session_api.status_code == 403 and session_api.json()["code"] == "password_expired"


def test_residents_passwords_do_not_expire_on_the_api_either(demo, client):
    key = issue(demo.users["resident"])
    expire_password(demo.users["resident"])
    assert me(client, key).status_code == 200


def test_a_forced_password_change_blocks_tokens_until_done(demo, client, token_login, settings):
    settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE = True
    grid = demo.users["grid"]
    key = issue(grid)
    User.objects.filter(pk=grid.pk).update(must_change_password=True)

    response = me(client, key)
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    issued = token_login("grid")
    assert issued.status_code == 403
    assert issued.json()["code"] == "password_change_required"

    services.change_password(user=User.objects.get(pk=grid.pk), old_password=demo.password,
                             new_password=NEW_PASSWORD)
    assert token_login("grid", NEW_PASSWORD).status_code == 200


def test_a_required_but_missing_second_factor_blocks_old_tokens_and_sessions(demo, client, login_as, settings):
    key = issue(demo.users["district"])
    assert me(client, key).status_code == 200
    settings.GONGZHI_REQUIRE_2FA = True

    response = me(client, key)
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_setup_required"
    session_api = login_as("district").get("/api/v1/me")
    assert session_api.status_code == 403
    assert session_api.json()["code"] == "two_factor_setup_required"
    # Roles that need no second factor are not affected.
    assert me(client, issue(demo.users["community"])).status_code == 200
