"""Writes on disclosure items: drafts, publishing, withdrawing, attachments, questions and answers.

Every change of an item appends a ``DisclosureHistory`` row (the version as it was) and an audit
entry. Only holders of ``disclosure.publish`` in the item's community act on it."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import scope_paths
from gongzhi.audit.services import record

from gongzhi.registry.on_behalf import OnBehalf

from .errors import Conflict, InvalidInput, NotAllowed
from .models import (
    Body,
    Category,
    DisclosureAttachment,
    DisclosureHistory,
    DisclosureItem,
    HistoryAction,
    Question,
    Status,
)

TITLE_MAX = 120
CONTENT_MAX = 20000
REASON_MAX = 500
QUESTION_MAX = 1000
ANSWER_MAX = 2000
MAX_ATTACHMENTS = 9
EDITABLE_FIELDS = ("category", "body", "title", "content", "period_start", "period_end", "major", "decided_on")


def may_publish(user, area: Area) -> bool:
    return has_perm(user, Perm.DISCLOSURE_PUBLISH, area)


def _require_publisher(user, area: Area) -> None:
    if not may_publish(user, area):
        raise NotAllowed(_("您无权在%(area)s发布公开事项。") % {"area": area.name})


def _actor_name(actor) -> str:
    if actor is None:
        return "demo_setup"
    return getattr(actor, "display_name", "") or actor.username


def snapshot(item: DisclosureItem) -> dict:
    return {
        "category": item.category, "body": item.body, "title": item.title, "content": item.content,
        "period_start": item.period_start.isoformat(), "period_end": item.period_end.isoformat(),
        "major": item.major, "decided_on": item.decided_on.isoformat() if item.decided_on else None,
        "attachments": [a.pk for a in item.attachments.all()] if item.pk else [],
    }


def _history(item: DisclosureItem, action: str, actor, now, reason: str = "") -> DisclosureHistory:
    return DisclosureHistory.objects.create(
        item=item, version=item.version, action=action, status=item.status, snapshot=snapshot(item),
        reason=reason, actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=_actor_name(actor), at=now)


def _audit(actor, action: str, item: DisclosureItem, request=None, reason: str = "", before=None) -> None:
    record(actor=actor if getattr(actor, "is_authenticated", False) else None,
           actor_name="" if actor is not None else "demo_setup", action=action, obj=item,
           object_repr=f"{item.area.name}：{item.title}"[:200], before=before,
           after={"status": item.status, "version": item.version, "category": item.category,
                  "area": item.area.code, "title": item.title}, reason=reason, request=request)


def _clean(values: dict, area: Area) -> dict:
    """The item's fields checked, with clear Chinese errors (``InvalidInput`` naming the fields)."""
    errors: dict[str, str] = {}
    cleaned = dict(values)
    title = (values.get("title") or "").strip()
    content = (values.get("content") or "").strip()
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题最多 %(n)d 个字。") % {"n": TITLE_MAX}
    if not content:
        errors["content"] = _("请填写公开内容。")
    elif len(content) > CONTENT_MAX:
        errors["content"] = _("内容最多 %(n)d 个字。") % {"n": CONTENT_MAX}
    if values.get("category") not in Category.values:
        errors["category"] = _("请选择公开类别。")
    if (values.get("body") or Body.COMMITTEE) not in Body.values:
        errors["body"] = _("请选择公开主体。")
    start, end = values.get("period_start"), values.get("period_end")
    if not isinstance(start, datetime.date):
        errors["period_start"] = _("请填写公开期间的开始日期。")
    if not isinstance(end, datetime.date):
        errors["period_end"] = _("请填写公开期间的结束日期。")
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        errors["period_end"] = _("结束日期不能早于开始日期。")
    major = bool(values.get("major"))
    decided_on = values.get("decided_on") or None
    if major and not isinstance(decided_on, datetime.date):
        errors["decided_on"] = _("重大事项须填写决定日期，以便计算公开时限。")
    if isinstance(decided_on, datetime.date) and decided_on > timezone.localdate():
        errors["decided_on"] = _("决定日期不能晚于今天。")
    if area.level != Level.COMMUNITY:
        errors["area"] = _("公开事项须属于一个社区或村。")
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    cleaned.update(title=title, content=content, body=values.get("body") or Body.COMMITTEE, major=major,
                   decided_on=decided_on)
    return cleaned


def _store_attachments(item: DisclosureItem, photos: Iterable, now) -> None:
    from gongzhi.cases import photos as photo_processing
    from gongzhi.cases.errors import InvalidInput as PhotoInvalid

    photos = list(photos)
    if item.attachments.count() + len(photos) > MAX_ATTACHMENTS:
        raise InvalidInput(_("每个公开事项最多 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS}, fields={"attachments": "count"})
    for index, upload in enumerate(photos, start=1):
        try:
            processed = photo_processing.process(upload)  # re-encoded: no metadata leaves with the file
        except PhotoInvalid as error:
            raise InvalidInput(error.message, fields={"attachments": "invalid"}) from None
        row = DisclosureAttachment(item=item, content_type=processed.content_type, size=len(processed.content),
                                   width=processed.width, height=processed.height, created_at=now)
        row.file.save(f"{item.area.code}-{item.pk}-{index}-{secrets.token_hex(4)}.{processed.extension}",
                      ContentFile(processed.content), save=False)
        row.save()


def create_item(*, actor, area: Area, attachments: Iterable = (), request=None, now=None, **values) -> DisclosureItem:
    """A new draft in ``area`` (a community or village)."""
    if actor is not None:
        _require_publisher(actor, area)
    now = now or timezone.now()
    values = _clean(values, area)
    with transaction.atomic():
        item = DisclosureItem(area=area, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                              **{name: values[name] for name in EDITABLE_FIELDS})
        item.save()
        _store_attachments(item, attachments, now)
        _history(item, HistoryAction.CREATE, actor, now)
        _audit(actor, "disclosure.item_create", item, request)
    return item


def update_item(*, actor, item: DisclosureItem, attachments: Iterable = (), remove_attachments: Iterable[int] = (),
                request=None, now=None, **values) -> DisclosureItem:
    """A new version of a draft or withdrawn item (a published item is withdrawn first, with a reason)."""
    _require_publisher(actor, item.area)
    now = now or timezone.now()
    values = _clean(values, item.area)
    with transaction.atomic():
        item = DisclosureItem.objects.select_for_update().select_related("area").get(pk=item.pk)
        if item.status == Status.PUBLISHED:
            raise Conflict(_("已公开的事项不能直接修改：请先撤回（说明理由），修改后再公开。"))
        if item.statement_month is not None:
            raise Conflict(_("月度财务报表由收支记录生成，请在“居财居管”中更正后重新公开。"))
        before = snapshot(item)
        for name in EDITABLE_FIELDS:
            setattr(item, name, values[name])
        item.attachments.filter(pk__in=list(remove_attachments)).delete()
        _store_attachments(item, attachments, now)
        item.version += 1
        item.save()
        _history(item, HistoryAction.EDIT, actor, now)
        _audit(actor, "disclosure.item_update", item, request, before={"title": before["title"],
                                                                       "category": before["category"]})
    return item


def publish(*, actor, item: DisclosureItem, request=None, now=None) -> DisclosureItem:
    if actor is not None:
        _require_publisher(actor, item.area)
    now = now or timezone.now()
    with transaction.atomic():
        item = DisclosureItem.objects.select_for_update().select_related("area").get(pk=item.pk)
        if item.status == Status.PUBLISHED:
            raise Conflict(_("该事项已经公开。"))
        item.status = Status.PUBLISHED
        item.published_at = now
        item.withdrawn_at = None
        item.withdraw_reason = ""
        item.save()
        _history(item, HistoryAction.PUBLISH, actor, now)
        _audit(actor, "disclosure.item_publish", item, request)
    return item


def withdraw(*, actor, item: DisclosureItem, reason: str, request=None, now=None) -> DisclosureItem:
    _require_publisher(actor, item.area)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("撤回须说明理由。"), fields={"reason": "required"})
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("理由最多 %(n)d 个字。") % {"n": REASON_MAX}, fields={"reason": "long"})
    now = now or timezone.now()
    with transaction.atomic():
        item = DisclosureItem.objects.select_for_update().select_related("area").get(pk=item.pk)
        if item.status != Status.PUBLISHED:
            raise Conflict(_("只有已公开的事项可以撤回。"))
        item.status = Status.WITHDRAWN
        item.withdrawn_at = now
        item.withdraw_reason = reason
        item.save()
        _history(item, HistoryAction.WITHDRAW, actor, now, reason=reason)
        _audit(actor, "disclosure.item_withdraw", item, request, reason=reason)
    return item


# --- Questions ----------------------------------------------------------------------------------

def may_ask(user, area: Area) -> bool:
    """Residents (and staff) of the community: the community lies in the scope of their account."""
    return bool(getattr(user, "is_authenticated", False)) and any(area.path.startswith(p) for p in scope_paths(user))


def ask(*, actor, area: Area, text: str, item: DisclosureItem | None = None, on_behalf: OnBehalf | None = None,
        request=None, now=None) -> Question:
    """A resident's question; with ``on_behalf`` staff (``disclosure.publish``) write down the question
    of a resident of the community who cannot use a phone (代办): the question is the resident's, the
    answer is sent to their account when they have one."""
    acting = on_behalf.check(staff=actor, area=area, perm=Perm.DISCLOSURE_PUBLISH) if on_behalf else None
    if acting is None and not may_ask(actor, area):
        raise NotAllowed(_("只有本社区（村）的居民可以提问。"))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("请填写您的问题。"), fields={"text": "required"})
    if len(text) > QUESTION_MAX:
        raise InvalidInput(_("问题最多 %(n)d 个字。") % {"n": QUESTION_MAX}, fields={"text": "long"})
    if item is not None and (item.area_id != area.pk or item.status != Status.PUBLISHED):
        raise InvalidInput(_("只能就本社区已公开的事项提问。"), fields={"item": "invalid"})
    now = now or timezone.now()
    with transaction.atomic():
        if acting is not None:
            question = Question.objects.create(area=area, item=item, text=text, asker=acting.account,
                                               person=acting.person, asked_at=now, **acting.fields())
        else:
            question = Question.objects.create(area=area, item=item, text=text, asker=actor, asked_at=now)
        record(actor=actor, action="disclosure.question_ask_on_behalf" if acting else "disclosure.question_ask",
               obj=question, object_repr=f"{area.name}：{item.title if item else _('公开工作')}"[:200],
               after={"area": area.code, "item": item.pk if item else None, **(acting.audit() if acting else {})},
               request=request)
        if acting is not None:
            acting.notify(title=_("社区工作人员已代您就居务公开提问，答复后会通知您"),
                          link=reverse("disclosure:community", kwargs={"code": area.code}) + "#questions",
                          kind="disclosure")
        from gongzhi.accounts.selectors import staff_over
        from gongzhi.accounts.roles import Role
        from gongzhi.notices.services import send_notice

        staff = [user for user in staff_over(area, [Role.COMMUNITY_STAFF]) if may_publish(user, area)]
        if staff:
            send_notice(recipients=staff, title=_("居民对公开事项提问：%(area)s") % {"area": area.name},
                        body=text[:200], link=reverse("disclosure:manage_questions"), kind="disclosure")
    return question


def answer(*, actor, question: Question, text: str, request=None, now=None) -> Question:
    if actor is not None:
        _require_publisher(actor, question.area)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("请填写答复。"), fields={"answer": "required"})
    if len(text) > ANSWER_MAX:
        raise InvalidInput(_("答复最多 %(n)d 个字。") % {"n": ANSWER_MAX}, fields={"answer": "long"})
    now = now or timezone.now()
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("area").get(pk=question.pk)
        before = {"answer": question.answer}
        question.answer, question.answered_at = text, now
        question.answered_by = actor if getattr(actor, "is_authenticated", False) else None
        question.save()
        record(actor=actor if getattr(actor, "is_authenticated", False) else None,
               actor_name="" if actor is not None else "demo_setup", action="disclosure.question_answer",
               obj=question, object_repr=question.area.name, before=before, after={"answer": text}, request=request)
        if question.asker_id:
            from gongzhi.notices.services import send_notice

            send_notice(recipients=[question.asker], title=_("您的提问已答复"), body=text[:200],
                        link=reverse("disclosure:community", kwargs={"code": question.area.code}) + "#questions",
                        kind="disclosure")
    return question
