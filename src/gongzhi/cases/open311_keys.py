"""Open311 API keys: issued by district administrators (or on the command line), shown once, revocable.

A key is ``o311_`` followed by 43 random URL-safe characters. Only its SHA-256 is stored
(``Open311Key.hash_key``), as for personal API tokens; the first characters are kept as the
prefix by which administrators recognise and revoke it. Issuing and revoking are audited.

Each web process remembers an active key it has looked up for ``REMEMBER_SECONDS``, so a client
posting many requests is not looked up on each: a revocation takes effect at once in the process
that revokes, and in every other process within those seconds.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record

from .errors import InvalidInput, NotAllowed
from .models import Open311Key

KEY_PREFIX = "o311_"
PREFIX_LENGTH = 12  # "o311_" and 7 random characters: what the list shows and --revoke accepts
NAME_MAX = 100
TOUCH_INTERVAL = timedelta(minutes=1)  # last_used_at is written at most this often
REMEMBER_SECONDS = 5.0  # how long a process trusts an active key it has looked up
REMEMBER_MAX = 1000  # keys remembered at most (only active keys are: unknown ones are always looked up)
_remembered: dict[str, tuple[float, Open311Key]] = {}  # key hash -> (monotonic deadline, row)


def forget_keys() -> None:
    """Forget the keys this process remembers (after a revocation)."""
    _remembered.clear()


def _check_actor(actor) -> None:
    if actor is not None and not has_perm(actor, Perm.CASES_CONFIGURE):
        raise NotAllowed(_("您没有管理 Open311 密钥的权限。"))


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写客户端名称。"), fields={"name": "required"})
    if len(name) > NAME_MAX or "\x00" in name:
        raise InvalidInput(_("客户端名称过长或含有不允许的字符（最多 %(n)d 个字）。") % {"n": NAME_MAX},
                           fields={"name": "invalid"})
    return name


def _repr(key: Open311Key) -> str:
    return f"{key.name} {key.prefix}…"


def issue_open311_key(*, actor, name: str, request=None) -> tuple[Open311Key, str]:
    """Issue a key for the client ``name``; returns (row, key). The key is not stored, only its hash.

    ``actor`` needs ``cases.configure``; None means the command line (recorded as such).
    """
    _check_actor(actor)
    name = _clean_name(name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = Open311Key.objects.create(name=name, prefix=key[:PREFIX_LENGTH], key_hash=Open311Key.hash_key(key),
                                        created_by=actor if getattr(actor, "is_authenticated", False) else None)
        record(actor=actor, actor_name="" if actor is not None else "open311_key command",
               action="cases.open311_key_issue", obj=row, object_repr=_repr(row),
               after={"name": row.name, "prefix": row.prefix}, request=request)
    return row, key


def revoke_open311_key(*, actor, key: Open311Key | int, request=None) -> Open311Key:
    """Revoke a key (idempotent: revoking a revoked key changes and records nothing)."""
    _check_actor(actor)
    pk = key.pk if isinstance(key, Open311Key) else key
    with transaction.atomic():
        row = Open311Key.objects.select_for_update().get(pk=pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            record(actor=actor, actor_name="" if actor is not None else "open311_key command",
                   action="cases.open311_key_revoke", obj=row, object_repr=_repr(row),
                   before={"revoked_at": None}, after={"revoked_at": row.revoked_at}, request=request)
            forget_keys()
            transaction.on_commit(forget_keys)  # and what a request read meanwhile, before the commit
    return row


def key_for(value) -> Open311Key | None:
    """The active key behind ``value`` (the ``api_key`` a client sent), or None.

    Touches ``last_used_at`` at most once a minute. An active key is remembered for
    ``REMEMBER_SECONDS`` (see the module's docstring); the row returned is shared: read it only.
    """
    if not isinstance(value, str) or not value.startswith(KEY_PREFIX) or len(value) > 200 or "\x00" in value:
        return None
    digest = Open311Key.hash_key(value)
    remembered = _remembered.get(digest)
    if remembered is not None and remembered[0] > time.monotonic():
        row = remembered[1]
    else:
        row = Open311Key.objects.filter(key_hash=digest, revoked_at__isnull=True).first()
        if row is None:
            _remembered.pop(digest, None)
            return None
        if len(_remembered) >= REMEMBER_MAX:
            _remembered.clear()
        _remembered[digest] = (time.monotonic() + REMEMBER_SECONDS, row)
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        Open311Key.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row
