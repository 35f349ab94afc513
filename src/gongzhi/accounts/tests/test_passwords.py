"""Passwords: Argon2, the rules with Chinese messages, the change page, expiry and forced change."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongzhi.accounts import services
from gongzhi.accounts.models import User
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

TOO_SHORT = "密码太短，至少需要 8 个字符。"
TOO_SIMPLE = "密码须包含小写字母、大写字母、数字、符号中的至少 3 类。"
HAS_USERNAME = "密码不能包含用户名。"
TOO_COMMON = "这个密码太常见了。"
NEW_PASSWORD = "Xin#mima2025"
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def rule_messages(password: str, username: str = "zhangsan") -> list[str]:
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        return exc.messages
    return []


def test_base_settings_hash_with_argon2():
    base = importlib.import_module("gongzhi.settings.base")
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert get_hasher().algorithm == "argon2"


def test_stored_hashes_are_argon2(demo):
    for user in User.objects.all():
        assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1@xyz", TOO_SHORT),
        ("abcdefgh123", TOO_SIMPLE),
        ("ABCDEFGH!!", TOO_SIMPLE),
        ("Zhangsan@2025", HAS_USERNAME),
        ("my-ZHANGSAN-9", HAS_USERNAME),
        ("password", TOO_COMMON),
        ("qwerty123", TOO_COMMON),
    ],
)
def test_password_rules_explain_themselves_in_chinese(password, expected):
    messages = rule_messages(password)
    assert expected in messages
    assert all(HAN.search(m) and not LATIN_WORD.search(m) for m in messages), messages


@pytest.mark.parametrize("password", ["Demo@12345", "Hao#Mima2025", "abcDEF1234", "社区Abc!9xyz"])
def test_good_passwords_pass(password):
    assert rule_messages(password) == []


def test_rules_are_listed_in_chinese_help():
    from django.contrib.auth.password_validation import password_validators_help_texts

    texts = password_validators_help_texts()
    assert TOO_SIMPLE in texts and HAS_USERNAME in texts


def test_create_user_applies_the_rules(db):
    with pytest.raises(ValidationError) as exc:
        services.create_user(actor=None, username="wang", password="wang12345")
    assert HAS_USERNAME in exc.value.messages and TOO_SIMPLE in exc.value.messages


def change(client, old: str, new: str, new2: str | None = None):
    return client.post("/accounts/password/", {"old_password": old, "new_password": new,
                                               "new_password2": new if new2 is None else new2})


def test_change_password_page_refuses_a_wrong_old_password(demo, login_as):
    client = login_as("community")
    response = change(client, "Not@theold1", NEW_PASSWORD)
    assert response.status_code == 200
    assert "原密码不正确。" in response.content.decode()


def test_change_password_page_refuses_a_mismatch(demo, login_as):
    client = login_as("community")
    response = change(client, demo.password, NEW_PASSWORD, "Xin#mima2026")
    assert "两次输入的新密码不一致。" in response.content.decode()


@pytest.mark.parametrize(("new", "message"), [
    ("Ab1@", TOO_SHORT), ("abcdefghij", TOO_SIMPLE), ("Community@1", HAS_USERNAME), ("password", TOO_COMMON),
])
def test_change_password_page_shows_rule_violations(demo, login_as, new, message):
    client = login_as("community")
    response = change(client, demo.password, new)
    assert response.status_code == 200
    assert message in response.content.decode()
    demo.users["community"].refresh_from_db()
    assert demo.users["community"].check_password(demo.password)


def test_change_password_page_refuses_the_same_password(demo, login_as):
    response = change(login_as("community"), demo.password, demo.password)
    assert "新密码不能与原密码相同。" in response.content.decode()


def test_change_password_succeeds_keeps_the_session_and_is_audited(demo, login_as):
    client = login_as("community")
    response = change(client, demo.password, NEW_PASSWORD)
    assert response.status_code == 302
    user = User.objects.get(username="community")
    assert user.check_password(NEW_PASSWORD)
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    assert client.get("/console/").status_code == 200
    assert AuditEntry.objects.filter(action="account.password_change", actor=user).exists()


def age_password(username: str, days: int) -> None:
    User.objects.filter(username=username).update(password_changed_at=timezone.now() - timedelta(days=days))


@pytest.mark.parametrize("username", ["street", "community", "grid", "dept", "admin"])
def test_staff_with_a_91_day_old_password_must_change_it(demo, login_as, username):
    age_password(username, 91)
    client = login_as(username)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/"
    assert "为保障账号安全，请先修改密码后继续使用。" in response.content.decode()

    assert change(client, demo.password, NEW_PASSWORD).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_staff_with_an_89_day_old_password_is_not_asked(demo, login_as):
    age_password("street", 89)
    assert login_as("street").get("/console/").status_code == 200


def test_residents_passwords_do_not_expire(demo, login_as):
    age_password("resident", 400)
    assert login_as("resident").get("/m/").status_code == 200


def test_password_max_age_is_configurable(demo, login_as, settings):
    settings.GONGZHI_PASSWORD_MAX_AGE_DAYS = 30
    age_password("street", 31)
    assert login_as("street").get("/console/").url == "/accounts/password/"
    settings.GONGZHI_PASSWORD_MAX_AGE_DAYS = 0
    assert login_as("street").get("/console/").status_code == 200


def test_first_login_forces_a_password_change_when_configured(demo, client, settings, page_login):
    settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE = True
    new = services.create_user(actor=demo.users["admin"], username="newclerk", password="Chu#shi2025",
                               real_name="新同事")
    services.assign_role(actor=demo.users["admin"], user=new, role="community_staff",
                         area=demo.users["community"].role_assignments.get().area)
    assert new.must_change_password

    assert page_login("newclerk", "Chu#shi2025").status_code == 302
    for path in ["/", "/console/", "/areas/", "/accounts/profile/"]:
        assert client.get(path).url == "/accounts/password/"

    assert change(client, "Chu#shi2025", NEW_PASSWORD).status_code == 302
    assert not User.objects.get(username="newclerk").must_change_password
    assert client.get("/console/").status_code == 200


def test_forced_change_is_off_unless_configured(demo, login_as, settings):
    settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE = False
    User.objects.filter(username="street").update(must_change_password=True)
    assert login_as("street").get("/console/").status_code == 200


def test_logout_stays_possible_while_a_change_is_required(demo, login_as, settings):
    settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE = True
    User.objects.filter(username="street").update(must_change_password=True)
    client = login_as("street")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
