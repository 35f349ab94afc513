"""Meeting pages: the list, scheduling a meeting for a topic (by default on the next 协商议事日),
and a meeting with its notice, attendance 应到/实到, minutes and opinion, or its cancellation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import DomainError

from .. import meetings, selectors
from ..models import Form, MeetingStatus
from ..models.settings import NOTICE_DAYS
from .topics import parse_local_datetime

PAGE_SIZE = 30


def _require_staff(user) -> None:
    if not selectors.is_staff(user):
        raise PermissionDenied


@login_required
@require_GET
def meeting_list(request):
    _require_staff(request.user)
    status = request.GET.get("status", "")
    status = status if status in MeetingStatus.values else ""
    page = Paginator(selectors.meetings_for(request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/meeting_list.html", {
        "page": page, "status": status, "statuses": MeetingStatus.choices,
        "query": f"status={status}" if status else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    _require_staff(request.user)
    topic = selectors.topic_for(request.user, request.GET.get("topic") or request.POST.get("topic") or 0)
    body_choices = selectors.bodies_of_community(request.user, topic.area)
    default = meetings.default_start(topic.area)
    posted = {"body": str(topic.body_id or ""), "form": topic.form or Form.MEETING,
              "scheduled_at": timezone.localtime(default).strftime("%Y-%m-%dT%H:%M"), "title": "", "place": ""}
    status = 200
    if request.method == "POST":
        posted = {name: request.POST.get(name, "") for name in ("body", "form", "scheduled_at", "title", "place")}
        try:
            meeting = meetings.schedule(
                actor=request.user, topic=topic, body=body_choices.filter(pk=posted["body"] or 0).first(),
                scheduled_at=parse_local_datetime(posted["scheduled_at"]), title=posted["title"],
                place=posted["place"], form=posted["form"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, _("会议已安排，请在会前发送通知。"))
            return redirect("deliberation:meeting_detail", pk=meeting.pk)
    return render(request, "deliberation/meeting_new.html", {
        "topic": topic, "bodies": body_choices, "forms": Form.choices, "posted": posted,
        "default": default, "meeting_day": meetings.meeting_day(topic.area),
    }, status=status)


@login_required
@require_GET
def meeting_detail(request, pk: int):
    _require_staff(request.user)
    meeting = selectors.meeting_for(request.user, pk)
    rows = list(meeting.attendance.select_related("person", "member__kind", "member__organisation", "member__topic")
                .order_by("member__kind__order", "pk"))
    invited = {r.member_id for r in rows}
    uninvited = ([m for m in meetings.members_for(meeting.body, meeting.topic) if m.pk not in invited]
                 if meeting.body is not None and meeting.status == MeetingStatus.SCHEDULED else [])
    return render(request, "deliberation/meeting_detail.html", {
        "meeting": meeting, "rows": rows, "late": meetings.notice_too_late(meeting), "notice_days": NOTICE_DAYS,
        "uninvited": uninvited,
    })


def _act(request, pk: int, step):
    _require_staff(request.user)
    meeting = selectors.meeting_for(request.user, pk)
    try:
        message = step(meeting)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("deliberation:meeting_detail", pk=pk)


def _ids(values) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


@login_required
@require_POST
def meeting_notify(request, pk: int):
    def step(meeting):
        count, late = meetings.send_notice_of(actor=request.user, meeting=meeting, request=request)
        done = _("已向 %(n)d 人发送会议通知。") % {"n": count}
        if late:
            done += _("注意：距开会不足 %(d)d 天，通知偏晚。") % {"d": NOTICE_DAYS}
        return done

    return _act(request, pk, step)


@login_required
@require_POST
def meeting_invite(request, pk: int):
    def step(meeting):
        member = next((m for m in meetings.members_for(meeting.body, meeting.topic)
                       if str(m.pk) == request.POST.get("member")), None) if meeting.body else None
        if member is None:
            raise DomainError(_("请选择议事机构的在任成员。"))
        meetings.invite(actor=request.user, meeting=meeting, member=member, request=request)
        return _("已将该成员列入参会名单。")

    return _act(request, pk, step)


@login_required
@require_POST
def meeting_attendance(request, pk: int):
    def step(meeting):
        meeting = meetings.record_attendance(actor=request.user, meeting=meeting,
                                             present=_ids(request.POST.getlist("present")),
                                             signed=_ids(request.POST.getlist("signed")), request=request)
        return _("已保存出席情况：应到 %(e)d 人，实到 %(p)d 人。") % {"e": meeting.expected, "p": meeting.present}

    return _act(request, pk, step)


@login_required
@require_POST
def meeting_minutes(request, pk: int):
    def step(meeting):
        meetings.record_minutes(actor=request.user, meeting=meeting, minutes=request.POST.get("minutes", ""),
                                opinion=request.POST.get("opinion", ""), request=request)
        return _("已记录会议纪要和形成的意见，意见已在议题页向居民公开。")

    return _act(request, pk, step)


@login_required
@require_POST
def meeting_cancel(request, pk: int):
    def step(meeting):
        meetings.cancel(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""), request=request)
        return _("会议已取消。")

    return _act(request, pk, step)


urls = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/notify/", meeting_notify, name="meeting_notify"),
    path("meetings/<int:pk>/invite/", meeting_invite, name="meeting_invite"),
    path("meetings/<int:pk>/attendance/", meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/minutes/", meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/cancel/", meeting_cancel, name="meeting_cancel"),
]
