"""One permission matrix: in code, in docs/permissions.md, and as pages each role may or may not open."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from gongzhi.accounts import services
from gongzhi.accounts.management.commands.permissions_doc import DOC_PATH, render
from gongzhi.accounts.permissions import has_perm, user_perms
from gongzhi.accounts.roles import MATRIX, PERM_ENGLISH, ROLE_ENGLISH, ROLE_HOME, Perm, Role

DEMO_ROLE = {
    "admin": Role.SYSTEM_ADMIN, "auditor": Role.SECURITY_AUDITOR, "district": Role.DISTRICT_ADMIN,
    "street": Role.STREET_STAFF, "community": Role.COMMUNITY_STAFF, "grid": Role.GRID_WORKER,
    "dept": Role.DEPARTMENT_STAFF, "resident": Role.RESIDENT,
}


def test_docs_permissions_md_is_generated_from_the_matrix():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/permissions.md is out of date: run ./gz manage permissions_doc")


def test_permissions_doc_check_mode_agrees(capsys):
    call_command("permissions_doc", "--check")
    assert "is up to date" in capsys.readouterr().out


def test_doc_lists_every_permission_for_every_role():
    text = render()
    for perm in Perm:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{perm.value}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")][3:]
        assert cells == ["✓" if perm in MATRIX[role] else "" for role in Role], perm
        assert str(perm.label) in row and PERM_ENGLISH[perm] in row
    for heading in ["数据范围 · Scope rules", "三员分立 · Three-admin separation"]:
        assert f"## {heading}" in text


def test_matrix_is_complete():
    assert set(MATRIX) == set(Role)
    assert set(ROLE_ENGLISH) == set(Role)
    assert set(PERM_ENGLISH) == set(Perm)
    assert {role for role, _url in ROLE_HOME} == set(Role)
    assert set().union(*MATRIX.values()) <= set(Perm)


@pytest.mark.django_db
@pytest.mark.parametrize("username", list(DEMO_ROLE))
def test_each_demo_account_holds_exactly_its_roles_permissions(demo, username):
    assert user_perms(demo.users[username]) == MATRIX[DEMO_ROLE[username]]


@pytest.mark.django_db
def test_inactive_users_hold_no_permission(demo):
    user = demo.users["district"]
    user.is_active = False
    assert user_perms(user) == frozenset()
    assert not has_perm(user, Perm.AREAS_VIEW)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "home"),
    [("admin", "/accounts/users/"), ("auditor", "/audit/"), ("district", "/console/"), ("street", "/console/"),
     ("community", "/console/"), ("dept", "/console/"), ("grid", "/m/"), ("resident", "/m/")],
)
def test_home_redirects_to_the_roles_page(demo, login_as, username, home):
    client = login_as(username)
    response = client.get("/")
    assert (response.status_code, response.url) == (302, home)
    assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_anonymous_home_is_the_landing_page(demo, client):
    assert client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("admin", "/audit/"),
        ("admin", "/console/"),
        ("auditor", "/manage/"),
        ("auditor", "/manage/accounts/user/"),
        ("auditor", "/console/"),
        ("auditor", "/areas/"),
        ("auditor", "/areas/map/"),
        ("auditor", "/accounts/users/"),
        ("district", "/manage/"),
        ("district", "/audit/"),
        ("street", "/accounts/users/"),
        ("grid", "/console/"),
        ("resident", "/console/"),
        ("resident", "/areas/"),
        ("dept", "/audit/"),
    ],
)
def test_roles_are_refused_pages_outside_their_permissions(demo, login_as, username, path):
    response = login_as(username).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "path"), [("admin", "/manage/"), ("admin", "/manage/accounts/user/"),
                                                ("admin", "/accounts/users/"), ("auditor", "/audit/")])
def test_administrators_open_their_own_pages(demo, login_as, username, path):
    assert login_as(username).get(path).status_code == 200


@pytest.mark.django_db
def test_management_site_has_no_login_form_of_its_own(demo, client):
    response = client.get("/manage/")
    assert response.status_code == 302
    login = client.get(response.url)
    assert (login.status_code, login.url) == (302, "/accounts/login/?next=/manage/")
    assert client.post("/manage/login/", {"username": "admin", "password": demo.password}).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_system_admin_and_auditor_are_never_the_same_account(demo):
    admin = demo.users["admin"]
    with pytest.raises(ValidationError) as exc:
        services.assign_role(actor=admin, user=admin, role=Role.SECURITY_AUDITOR, area=demo.district)
    assert exc.value.messages == ["系统管理员与安全审计员须由不同账号担任（三员分立）。"]
    with pytest.raises(ValidationError):
        services.assign_role(actor=admin, user=demo.users["auditor"], role=Role.SYSTEM_ADMIN, area=demo.district)
    services.assign_role(actor=admin, user=demo.users["street"], role=Role.COMMUNITY_STAFF,
                         area=demo.users["community"].role_assignments.get().area)


@pytest.mark.django_db
def test_management_site_refuses_to_combine_admin_and_auditor(demo, login_as):
    auditor = demo.users["auditor"]
    assignment = auditor.role_assignments.get()
    client = login_as("admin")
    prefix = "role_assignments"
    data = {
        "username": "auditor", "real_name": auditor.real_name, "email": "", "is_active": "on",
        f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": str(assignment.pk), f"{prefix}-0-user": str(auditor.pk),
        f"{prefix}-0-role": "security_auditor", f"{prefix}-0-area": str(demo.district.pk),
        f"{prefix}-1-user": str(auditor.pk), f"{prefix}-1-role": "system_admin",
        f"{prefix}-1-area": str(demo.district.pk),
    }
    response = client.post(f"/manage/accounts/user/{auditor.pk}/change/", data)
    assert response.status_code == 200
    assert "系统管理员与安全审计员须由不同账号担任（三员分立）。" in response.content.decode()
    assert list(auditor.role_assignments.values_list("role", flat=True)) == ["security_auditor"]


@pytest.mark.django_db
def test_non_admins_cannot_assign_roles(demo):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.assign_role(actor=demo.users["district"], user=demo.users["grid"], role=Role.DISTRICT_ADMIN,
                             area=demo.district)
