"""Services for consultation meetings: scheduling (by default on the district's monthly 协商议事日),
the notice sent in advance, attendance 应到/实到, minutes and the opinion formed.

The 协商议事日 is a day of the month per district (``DeliberationSettings.meeting_day``, default
the 15th, set on the catalogue page). A meeting's notice should go out at least ``NOTICE_DAYS`` (3)
days ahead: sending it later is allowed (an urgent matter) but the page warns.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.areas.models import Area
from gongzhi.audit.services import record
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.notices.services import send_notice

from .models import Attendance, Body, BodyMember, Form, Meeting, MeetingStatus, ScopeKind, Topic, TopicStatus
from .models.settings import DEFAULT_MEETING_DAY, NOTICE_DAYS, DeliberationSettings
from .topics import NOTICE_KIND, same_community

MANAGE = "deliberation.manage"
MEETING_HOUR = 9  # the default time of day of a 协商议事日 meeting
OPEN_TOPIC = (TopicStatus.DISCUSSING, TopicStatus.DECIDING)


def meeting_day(area: Area) -> int:
    """The district's 协商议事日 (day of the month)."""
    row = DeliberationSettings.objects.filter(district__code=area.code[:6]).only("meeting_day").first()
    return row.meeting_day if row is not None else DEFAULT_MEETING_DAY


def next_meeting_date(area: Area, today: datetime.date | None = None) -> datetime.date:
    """The next 协商议事日 after ``today`` (this month's if it is still to come, else next month's)."""
    today = today or timezone.localdate()
    day = meeting_day(area)
    candidate = today.replace(day=day)
    if candidate <= today:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        candidate = datetime.date(year, month, day)
    return candidate


def default_start(area: Area, today: datetime.date | None = None) -> datetime.datetime:
    date = next_meeting_date(area, today)
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(MEETING_HOUR)))


def notice_too_late(meeting: Meeting, now=None) -> bool:
    """The meeting is less than ``NOTICE_DAYS`` days away (a notice sent now is short)."""
    now = now or timezone.now()
    return meeting.status == MeetingStatus.SCHEDULED and meeting.scheduled_at - now < datetime.timedelta(
        days=NOTICE_DAYS)


def _require(actor, area: Area) -> None:
    if not has_perm(actor, MANAGE, area):
        raise NotAllowed(_("您没有组织该区域议事会议的权限。"))


def members_for(body: Body, topic: Topic | None):
    """The body's active members for this meeting: its fixed members and the topic's interested parties."""
    q = Q(topic__isnull=True)
    if topic is not None:
        q |= Q(topic=topic)
    return body.members.filter(q, active=True).select_related("person", "organisation")


@transaction.atomic
def schedule(*, actor, topic: Topic, body: Body, scheduled_at: datetime.datetime | None = None, title: str = "",
             place: str = "", form: str = Form.MEETING, request=None) -> Meeting:
    """Schedule a meeting of ``body`` on ``topic`` (by default on the next 协商议事日); the body's members
    (and the topic's interested parties) are invited: 应到 is their number."""
    _require(actor, topic.area)
    if topic.status not in OPEN_TOPIC:
        raise Conflict(_("议题须先受理，才能安排协商会议。"))
    if body is None or not body.active or not same_community(body.area, topic.area):
        raise InvalidInput(_("请选择本社区的议事机构。"), fields={"body": "required"})
    if form not in Form.values:
        raise InvalidInput(_("请选择协商形式。"), fields={"form": "required"})
    scheduled_at = scheduled_at or default_start(topic.area)
    if scheduled_at <= timezone.now():
        raise InvalidInput(_("会议时间须晚于现在。"), fields={"scheduled_at": "past"})
    title = (title or "").strip() or _("关于“%(topic)s”的协商会议") % {"topic": topic.title[:80]}
    meeting = Meeting.objects.create(area=topic.area, topic=topic, body=body, title=title[:200], form=form,
                                     scheduled_at=scheduled_at, place=(place or "").strip()[:200])
    members = list(members_for(body, topic))
    Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m, person=m.person) for m in members],
                                   ignore_conflicts=True)
    meeting.expected = meeting.attendance.count()
    meeting.save(update_fields=["expected"])
    record(actor=actor, action="deliberation.meeting.schedule", obj=meeting, request=request, after={
        "topic": topic.pk, "body": body.name, "at": scheduled_at.isoformat(), "form": form,
        "expected": meeting.expected})
    return meeting


def _scope_residents(topic: Topic):
    """Accounts of verified residents living in the topic's scope (the interested households)."""
    from gongzhi.registry.models import ResidentLink

    links = ResidentLink.objects.filter(user__is_active=True, person__moved_out=False, person__deceased=False)
    if topic.scope_kind == ScopeKind.BUILDING and topic.building_id:
        links = links.filter(person__house__building=topic.building_id)
    elif topic.scope_kind == ScopeKind.ESTATE and topic.estate_id:
        links = links.filter(person__house__building__estate=topic.estate_id)
    else:
        links = links.filter(person__area__path__startswith=topic.area.path)
    return links.values_list("user", flat=True)


def notice_recipients(meeting: Meeting) -> list:
    """Members with accounts (their registry person bound to an account) and the verified residents of
    the topic's scope; each once."""
    from gongzhi.accounts.models import User
    from gongzhi.registry.models import ResidentLink

    persons = [a.person_id for a in meeting.attendance.all() if a.person_id]
    ids = set(ResidentLink.objects.filter(person__in=persons).values_list("user", flat=True))
    if meeting.topic_id:
        ids |= set(_scope_residents(meeting.topic))
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def send_notice_of(*, actor, meeting: Meeting, request=None) -> tuple[int, bool]:
    """Send the meeting's notice; returns (how many were told, whether it is later than ``NOTICE_DAYS``)."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("area", "topic__area").get(pk=meeting.pk)
    _require(actor, meeting.area)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(_("只有待召开的会议可以发送通知。"))
    late = notice_too_late(meeting)
    recipients = notice_recipients(meeting)
    when = timezone.localtime(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")
    link = reverse("deliberation:topic_detail", args=[meeting.topic_id]) if meeting.topic_id else ""
    send_notice(recipients=recipients, title=_("会议通知：%(title)s") % {"title": meeting.title[:80]},
                body=_("时间：%(when)s；地点：%(place)s；形式：%(form)s。") % {
                    "when": when, "place": meeting.place or _("另行通知"), "form": meeting.get_form_display()},
                link=link, kind=NOTICE_KIND)
    first = meeting.notice_sent_at is None
    meeting.notice_sent_at = timezone.now()
    meeting.save(update_fields=["notice_sent_at", "updated_at"])
    record(actor=actor, action="deliberation.meeting.notify", obj=meeting, request=request,
           after={"recipients": len(recipients), "late": late, "again": not first})
    return len(recipients), late


@transaction.atomic
def invite(*, actor, meeting: Meeting, member: BodyMember, request=None) -> Attendance:
    """Invite one more member (e.g. an interested party seated after the meeting was scheduled)."""
    _require(actor, meeting.area)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(_("会议已召开或已取消。"))
    if member.body_id != meeting.body_id or not member.active:
        raise InvalidInput(_("所选成员不属于本会议的议事机构。"), fields={"member": "body"})
    row, created = Attendance.objects.get_or_create(meeting=meeting, member=member,
                                                    defaults={"person": member.person})
    if not created:
        raise Conflict(_("该成员已在参会名单中。"))
    meeting.expected = meeting.attendance.count()
    meeting.save(update_fields=["expected", "updated_at"])
    record(actor=actor, action="deliberation.meeting.invite", obj=meeting, request=request,
           after={"member": member.pk, "expected": meeting.expected})
    return row


@transaction.atomic
def record_attendance(*, actor, meeting: Meeting, present: set[int], signed: set[int], request=None) -> Meeting:
    """Tick who came (实到) and who signed in, by attendance row; 应到 and 实到 are counted and stored."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(actor, meeting.area)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(_("会议已取消。"))
    rows = list(meeting.attendance.all())
    for row in rows:
        row.present = row.pk in present or row.pk in signed
        row.signed = row.pk in signed
    Attendance.objects.bulk_update(rows, ["present", "signed"])
    before = {"expected": meeting.expected, "present": meeting.present}
    meeting.expected = len(rows)
    meeting.present = sum(1 for row in rows if row.present)
    meeting.save(update_fields=["expected", "present", "updated_at"])
    record(actor=actor, action="deliberation.meeting.attendance", obj=meeting, request=request, before=before,
           after={"expected": meeting.expected, "present": meeting.present})
    return meeting


@transaction.atomic
def record_minutes(*, actor, meeting: Meeting, minutes: str, opinion: str, request=None) -> Meeting:
    """The meeting was held: its minutes and the opinion formed, which becomes the topic's opinion
    (shown to residents)."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("topic").get(pk=meeting.pk)
    _require(actor, meeting.area)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(_("会议已取消，不能记录纪要。"))
    minutes, opinion = (minutes or "").strip(), (opinion or "").strip()
    if not minutes:
        raise InvalidInput(_("请填写会议纪要。"), fields={"minutes": "required"})
    if not opinion:
        raise InvalidInput(_("请填写会议形成的意见。"), fields={"opinion": "required"})
    meeting.minutes, meeting.opinion, meeting.status, meeting.recorded_by = minutes, opinion, MeetingStatus.HELD, actor
    # Held earlier than planned (a meeting brought forward): it took place now, not on the planned day.
    if meeting.scheduled_at > timezone.now():
        meeting.scheduled_at = timezone.now()
    meeting.save()
    if meeting.topic is not None:
        meeting.topic.opinion = opinion
        meeting.topic.save(update_fields=["opinion", "updated_at"])
    record(actor=actor, action="deliberation.meeting.minutes", obj=meeting, request=request,
           after={"expected": meeting.expected, "present": meeting.present, "opinion": opinion[:200]})
    return meeting


@transaction.atomic
def cancel(*, actor, meeting: Meeting, reason: str, request=None) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(actor, meeting.area)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(_("只有待召开的会议可以取消。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("取消会议须说明原因。"), fields={"reason": "required"})
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="deliberation.meeting.cancel", obj=meeting, reason=reason, request=request)
    if meeting.notice_sent_at is not None:
        send_notice(recipients=notice_recipients(meeting),
                    title=_("会议取消：%(title)s") % {"title": meeting.title[:80]}, body=reason,
                    link=reverse("deliberation:topic_detail", args=[meeting.topic_id]) if meeting.topic_id else "",
                    kind=NOTICE_KIND)
    return meeting
