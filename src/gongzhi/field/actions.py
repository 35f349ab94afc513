"""The offline queue's server side: each action the browser queued arrives once with its
idempotency key and is applied exactly once.

An app registers a handler per action kind (``register("case.report", handler)``); the handler
runs the app's own service and returns where the result can be seen. The first arrival of a key
is applied inside one transaction with its ``FieldAction`` row, so the row exists if and only if
the change does; any later arrival of the same key (a retry after a lost answer, a replayed
request) gets the stored answer and changes nothing. A conflict (the case moved on meanwhile) or a
refused input writes nothing — sent again it is checked again and answers the same, since a case
only moves forward; the browser keeps the worker's text and photos to edit and send under a new key.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict, DomainError, InvalidInput

from .models import ActionStatus, FieldAction

KEY_MAX = 64
MAX_AGE = datetime.timedelta(days=14)  # an action recorded offline longer ago than this is refused
CLOCK_SKEW = datetime.timedelta(minutes=10)


@dataclass
class Applied:
    """What a handler returns: a short label of what was written and the page showing it."""

    label: str
    url: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    actor: Any
    payload: dict
    photos: list
    recorded_at: datetime.datetime
    request: Any = None


Handler = Callable[[Context], Applied]
_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Plug a field form into the queue (later apps: hazard checks, emergency roll-call…)."""
    _HANDLERS[kind] = handler


@dataclass
class Answer:
    status: str
    message: str
    result: dict
    replayed: bool = False
    code: str = ""
    fields: dict = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        return {ActionStatus.APPLIED: 200, ActionStatus.CONFLICT: 409}.get(self.status, 422)

    def as_json(self, key: str) -> dict:
        body = {"key": key, "status": self.status, "message": self.message, "result": self.result,
                "replayed": self.replayed}
        if self.status != ActionStatus.APPLIED:  # the API's error shape: detail and code
            body.update(detail=self.message, code=self.code or "invalid", fields=self.fields)
        return body


def _stored(row: FieldAction) -> Answer:
    return Answer(status=row.status, message=row.message, result=row.result, replayed=True)


def parse_payload(raw: str) -> dict:
    try:
        payload = json.loads(raw or "{}")
    except ValueError:
        raise InvalidInput(_("提交的内容格式不正确。"), fields={"payload": "json"}) from None
    if not isinstance(payload, dict):
        raise InvalidInput(_("提交的内容格式不正确。"), fields={"payload": "json"})
    return payload


def offline_time(raw, field_name: str, *, now: datetime.datetime) -> datetime.datetime:
    """A time the browser recorded offline (its own clock): a valid ISO time, not in the future,
    not weeks old. Refused with the field's name otherwise."""
    try:
        value = parse_datetime(raw) if isinstance(raw, str) and raw else None
    except ValueError:  # well formed but not a date (2026-13-40)
        value = None
    if value is None:
        raise InvalidInput(_("时间格式不正确。"), fields={field_name: "invalid"})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise InvalidInput(_("记录时间晚于当前时间，请检查手机的日期和时间。"), fields={field_name: "future"})
    if value < now - MAX_AGE:
        raise InvalidInput(_("该记录离线保存已超过 14 天，不能再同步，请重新填写。"), fields={field_name: "old"})
    return min(value, now)


def parse_recorded_at(raw: str | None, now: datetime.datetime) -> datetime.datetime:
    """When the worker did the action (now when the browser did not say)."""
    return offline_time(raw, "recorded_at", now=now) if raw else now


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX or not all(c.isalnum() or c in "-_" for c in key):
        raise InvalidInput(_("缺少或无效的同步编号，请刷新页面后重试。"), fields={"key": "invalid"})
    return key


def replayed(actor, key: str) -> Answer | None:
    row = FieldAction.objects.filter(user=actor, key=key).first()
    return _stored(row) if row is not None else None


def apply(*, actor, key: str, kind: str, payload: dict, photos: list, recorded_at: datetime.datetime,
          request=None) -> Answer:
    """Apply one queued action exactly once (see the module docstring)."""
    key = check_key(key)
    previous = replayed(actor, key)
    if previous is not None:
        return previous
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise InvalidInput(_("未知的离线操作类型。"), fields={"kind": "unknown"})
    context = Context(actor=actor, payload=payload, photos=photos, recorded_at=recorded_at, request=request)
    try:
        with transaction.atomic():
            row = FieldAction.objects.create(user=actor, key=key, kind=kind, status=ActionStatus.APPLIED,
                                             recorded_at=recorded_at)
            applied = handler(context)
            row.message = applied.label[:300]
            row.result = {"label": applied.label, "url": applied.url, **applied.data}
            row.save(update_fields=["message", "result"])
    except IntegrityError:
        # The same key arrived twice at once: the other request applied it.
        previous = replayed(actor, key)
        if previous is None:
            raise
        return previous
    except Conflict as error:
        # Nothing is kept: the case only moves forward, so the same action conflicts again.
        return Answer(status=ActionStatus.CONFLICT, message=error.message, result={}, code=error.code,
                      fields=error.fields)
    except (DomainError, ValidationError) as error:
        message, fields = _refusal(error)
        return Answer(status=ActionStatus.REFUSED, message=message, result={},
                      code=getattr(error, "code", None) or "invalid", fields=fields)
    return Answer(status=row.status, message=row.message, result=row.result)


def _refusal(error: DomainError | ValidationError) -> tuple[str, dict]:
    if isinstance(error, DomainError):
        return error.message, {name: str(value) for name, value in error.fields.items()}
    if hasattr(error, "message_dict"):
        fields = {name: "；".join(str(m) for m in messages) for name, messages in error.message_dict.items()}
        return "；".join(fields.values()), fields
    return "；".join(str(m) for m in error.messages), {}
