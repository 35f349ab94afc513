"""System check: production refuses to start while an account still has the demo password.

``./gz serve`` runs ``manage check --deploy --fail-level ERROR`` before starting, so one
``gongzhi.E001`` error per offending account stops it. Active when the settings say
``GONGZHI_REFUSE_DEMO_PASSWORDS = True`` (production does).

Each password must be verified one by one (hashes are salted), which costs one Argon2
verification per active account. Accounts already proved *not* to use the demo password are
remembered in the cache under a digest of their stored hash, so with the production Redis cache
a restart only re-checks accounts whose password changed since the last check.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.cache import cache
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from gongzhi.demo.district import DEMO_PASSWORD

CACHE_PREFIX = "gongzhi:not-demo-password:"
CACHE_SECONDS = 30 * 86400


def _cache_key(encoded: str) -> str:
    return CACHE_PREFIX + hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def accounts_with_demo_password() -> list[str]:
    """Usernames of active accounts whose password verifies against the demo password."""
    from .models import User

    accounts = User.objects.filter(is_active=True).order_by("username").values_list("username", "password")
    rows = [(username, encoded) for username, encoded in accounts if is_password_usable(encoded)]
    known_clean = cache.get_many([_cache_key(p) for _u, p in rows])
    offenders, clean = [], {}
    for username, encoded in rows:
        key = _cache_key(encoded)
        if key in known_clean:
            continue
        if check_password(DEMO_PASSWORD, encoded):
            offenders.append(username)
        else:
            clean[key] = True
    if clean:
        cache.set_many(clean, CACHE_SECONDS)
    return offenders


@register(Tags.security, deploy=True)
def demo_passwords_check(app_configs=None, **kwargs) -> list[Error]:
    if not getattr(settings, "GONGZHI_REFUSE_DEMO_PASSWORDS", False):
        return []
    try:
        offenders = accounts_with_demo_password()
    except DatabaseError:
        # Before the first migrate there is no account table, hence no account to refuse.
        return []
    return [
        Error(
            f"账号 {username} 仍在使用演示密码，生产环境拒绝启动。Account {username!r} still has the demo password.",
            hint="请修改该账号的密码或停用该账号：./gz manage changepassword USERNAME",
            obj=username,
            id="gongzhi.E001",
        )
        for username in offenders
    ]
