"""Template helpers for case pages: status badges, deadlines, action labels."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from ..models import CaseStatus, Rating
from ..workflow import TRANSITIONS

register = template.Library()

STATUS_STYLE = {
    CaseStatus.REPORTED: "st-new", CaseStatus.ACCEPTED: "st-new", CaseStatus.REJECTED: "st-done",
    CaseStatus.MERGED: "st-done", CaseStatus.HANDLING: "st-run", CaseStatus.DISPATCHED: "st-run",
    CaseStatus.ACKNOWLEDGED: "st-run", CaseStatus.IN_PROGRESS: "st-run", CaseStatus.FEEDBACK: "st-check",
    CaseStatus.VERIFIED: "st-check", CaseStatus.CLOSED: "st-done", CaseStatus.SUSPENDED: "st-hold",
}
EVENT_LABELS = {
    "report": _("上报"), "merged_in": _("合并入"), "remind": _("临期提醒"), "escalate": _("超时升级"),
    "supervise": _("列入督办"), "review_due": _("挂账到期复核"), "accept_overdue": _("立案超时"),
    "dispatch_overdue": _("派遣超时"), "response_overdue": _("报到超时"),
}


# The staff tables' two per-row filters, each a tenth of the inbox's time through Django's general ones
# (``truncatechars`` normalises Unicode and walks the text, ``date`` goes through the format machinery).
@register.filter(is_safe=False)
def clip(text, length: int) -> str:
    """``text`` cut to ``length`` characters with the language's truncation mark (as ``truncatechars``)."""
    text = str(text)
    if len(text) <= length:
        return text
    mark = pgettext("String to return when truncating text", "%(truncated_text)s…")
    return mark % {"truncated_text": text[:max(length - (len(mark) - len("%(truncated_text)s")), 0)]}


@register.filter(expects_localtime=True)
def stamp(value) -> str:
    """A date-time as month-day hour:minute ("03-07 14:05", as ``date:"m-d H:i"``), "" for none."""
    return value.strftime("%m-%d %H:%M") if value else ""


@register.filter
def status_class(case) -> str:
    return STATUS_STYLE.get(case.status, "")


@register.filter
def action_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(EVENT_LABELS.get(action, action))


@register.simple_tag
def deadline_state(case, now=None) -> str:
    """"overdue", "near" or "" for a case's handling deadline (computed, never stored)."""
    now = now or timezone.now()
    if case.is_overdue(now):
        return "overdue"
    if case.is_near_due(now):
        return "near"
    return ""


@register.filter
def rating_label(rating) -> str:
    """The 好差评 level of a rating (5 非常满意 … 1 非常不满意)."""
    try:
        return str(Rating(int(rating)).label)
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
