"""Production refuses to start while an account still has the demo password (gongzhi.E001)."""

from __future__ import annotations

import pytest
from django.core.checks import Error, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from gongzhi.accounts.checks import demo_passwords_check
from gongzhi.accounts.models import User

pytestmark = pytest.mark.django_db


def test_check_is_silent_unless_switched_on(demo):
    assert demo_passwords_check() == []


@override_settings(GONGZHI_REFUSE_DEMO_PASSWORDS=True)
def test_every_active_account_with_the_demo_password_is_an_error(demo):
    errors = demo_passwords_check()
    assert all(isinstance(e, Error) and e.id == "gongzhi.E001" for e in errors)
    assert sorted(e.obj for e in errors) == sorted(demo.users)
    assert "仍在使用演示密码" in errors[0].msg


@override_settings(GONGZHI_REFUSE_DEMO_PASSWORDS=True)
def test_changed_or_deactivated_accounts_pass(demo):
    for username in demo.users:
        if username not in ("street", "grid"):
            user = User.objects.get(username=username)
            user.set_password("Geng#gai2025")
            user.save()
    User.objects.filter(username="grid").update(is_active=False)
    User.objects.create(username="nopassword")  # unusable password: nothing to guess

    assert [e.obj for e in demo_passwords_check()] == ["street"]
    # A second run gives the same answer (clean accounts are remembered by their hash).
    assert [e.obj for e in demo_passwords_check()] == ["street"]


@override_settings(GONGZHI_REFUSE_DEMO_PASSWORDS=True)
def test_deploy_check_fails_like_gz_serve_does(demo):
    assert any(e.id == "gongzhi.E001" for e in run_checks(include_deployment_checks=True))
    with pytest.raises(SystemCheckError) as exc:
        call_command("check", "--deploy", "--fail-level", "ERROR")
    assert "gongzhi.E001" in str(exc.value)


@override_settings(GONGZHI_REFUSE_DEMO_PASSWORDS=True)
def test_fresh_database_without_accounts_passes(db):
    assert demo_passwords_check() == []


@override_settings(GONGZHI_REFUSE_DEMO_PASSWORDS=True)
def test_check_before_the_first_migrate_does_not_crash(db, monkeypatch):
    from django.db import DatabaseError

    from gongzhi.accounts import checks

    def no_table():
        raise DatabaseError("no such table: accounts_user")

    monkeypatch.setattr(checks, "accounts_with_demo_password", no_table)
    assert demo_passwords_check() == []
