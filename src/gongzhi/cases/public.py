"""What the reporter sees of their own case: a public timeline, never the inside of the handling.

A resident who reported a case follows it from their case page and the API, like FixMyStreet's
public updates: its status, the public replies (why it was not accepted, the result when it was
closed) and their own rating. They never see staff members' names, internal notes (feedback,
rework, extension and suspension reasons, the centre's instructions), internal time limits or the
reminders and supervision around them. Staff who work the case see everything.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm

from .models import Case, CaseEvent
from .models.case import department_ids

#: Steps shown to the reporter, in their words; True when the step's note is a public reply.
PUBLIC_STEPS: dict[str, tuple[Any, bool]] = {
    "report": (_("已上报"), False),
    "accept": (_("已受理立案"), False),
    "reject": (_("不予立案"), True),
    "merge": (_("与同一问题合并办理"), False),
    "handle": (_("已交网格/社区处置"), False),
    "dispatch": (_("已转职能部门办理"), False),
    "takeover": (_("已转职能部门办理"), False),
    "refer": (_("已提请街道协调"), False),
    "acknowledge": (_("职能部门已签收"), False),
    "start": (_("正在处置"), False),
    "feedback": (_("已处置，待核查"), False),
    "verify": (_("已现场核查"), False),
    "rework": (_("继续处置"), False),
    "close": (_("已办结"), True),
    "suspend": (_("暂缓办理"), False),
    "rate": (_("已评价"), False),
    "callback": (_("已回访"), False),
    "reopen": (_("重新办理"), False),
}


@dataclass(frozen=True)
class PublicEvent:
    """One public step; shaped like a ``CaseEvent`` for the API (``actor`` is always empty)."""

    action: str
    label: str
    from_status: str
    to_status: str
    at: datetime.datetime
    note: str = ""
    actor: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_name(self) -> str:
        return ""

    def get_to_status_display(self) -> str:
        from .models import CaseStatus

        return str(CaseStatus(self.to_status).label) if self.to_status in CaseStatus.values else ""


def sees_internals(user, case: Case) -> bool:
    """Staff who work the case: ``cases.view`` where it is, or its lead or assisting departments.

    Whoever sees a case they did not report sees it as staff (``visible_to`` grants nothing else),
    so only the reporter's own case needs the checks — and lists pay no query per case.
    """
    if case.reporter_id != user.pk or has_perm(user, Perm.CASES_VIEW, case.area):
        return True
    departments = set(department_ids(user))
    if not departments:
        return False
    if case.lead_department_id in departments:
        return True
    return case.assist_departments.filter(pk__in=departments).exists()


def _public_data(event: CaseEvent) -> dict[str, Any]:
    if event.action in ("rate", "callback"):
        return {key: event.data[key] for key in ("rating", "resolved", "reached") if key in event.data}
    if event.action == "merge" and "merged_into" in event.data:
        return {"merged_into": event.data["merged_into"]}
    return {}


def public_timeline(case: Case) -> list[PublicEvent]:
    """The reporter's timeline of ``case``: public steps only, public replies only, no names."""
    events = []
    for event in case.events.order_by("at", "pk"):
        shown = PUBLIC_STEPS.get(event.action)
        if shown is None:
            continue
        label, reply = shown
        # A verification that closed the case at once (where the district closes on verification)
        # carries the result, like a closing.
        reply = reply or (event.action == "verify" and bool(event.data.get("closed")))
        if event.action == "verify" and event.data.get("closed"):
            label = PUBLIC_STEPS["close"][0]
        events.append(PublicEvent(action=event.action, label=str(label), from_status=event.from_status,
                                  to_status=event.to_status, at=event.at, note=event.note if reply else "",
                                  data=_public_data(event)))
    return events
