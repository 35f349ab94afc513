"""Topic pages: the list, proposing (from scratch or from a case), the topic with its screening,
discussion, support and meetings, and its attachments (served only to who may see the topic)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.areas.models import Area
from gongzhi.core.errors import DomainError
from gongzhi.core.uploads import DOCUMENT, UploadRefused, accepts_uploads, files_from
from gongzhi.core.pagination import page_size_for
from gongzhi.registry import on_behalf

from .. import selectors, topics
from .follow_up import followup_panel
from ..models import CatalogueKind, Comment, Form, ScopeKind, TopicAttachment, TopicStatus

PAGE_SIZE = 20


def parse_local_datetime(value: str | None):
    """A ``datetime-local`` input's value as an aware datetime (``None`` when empty or malformed)."""
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@login_required
@require_GET
def topic_list(request):
    status = request.GET.get("status", "")
    status = status if status in TopicStatus.values else ""
    mine = request.GET.get("mine") == "1"
    qs = selectors.topics_for(request.user, status=status, mine=mine)
    page = Paginator(qs, page_size_for(request.user, PAGE_SIZE)).get_page(request.GET.get("page"))
    query = "&".join(part for part in (f"status={status}" if status else "", "mine=1" if mine else "") if part)
    return render(request, "deliberation/topic_list.html", {
        "page": page, "status": status, "mine": mine, "statuses": TopicStatus.choices, "query": query,
        "is_staff": selectors.is_staff(request.user), "may_propose": topics.may_propose(request.user),
        "verified": topics.resident_link(request.user) is not None,
    })


def _scope_choices(user):
    """Areas, estates and buildings the user may propose for: staff their managed communities and grids;
    a verified resident their community and its grids."""
    from gongzhi.registry.models import Building, Estate

    if selectors.is_staff(user):
        areas = list(selectors.managed_areas(user))
    else:
        path_ = topics.resident_community_path(user)
        areas = list(Area.objects.filter(path__startswith=path_).order_by("path")) if path_ else []
    paths = [a.path for a in areas if a.level == "community"] or [a.path for a in areas]
    if not paths:
        return areas, [], []
    from gongzhi.areas.scope import paths_q

    estates = list(Estate.objects.filter(paths_q(paths, "area__path")).order_by("name")[:300])
    buildings = list(Building.objects.filter(paths_q(paths, "area__path")).select_related("estate")
                     .order_by("estate__name", "name")[:600])
    return areas, estates, buildings


def _source_case(request):
    from gongzhi.cases.selectors import case_for

    raw = request.POST.get("case") or request.GET.get("case") or ""
    if not raw.isdigit():
        return None
    case = case_for(request.user, int(raw))
    if not topics.is_staff_for(request.user, case.area):
        raise Http404
    return case


@accepts_uploads(DOCUMENT, field="attachments")
@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request):
    user = request.user
    if not topics.may_propose(user):
        return render(request, "deliberation/topic_verify_first.html", status=403)
    case = _source_case(request)
    areas, estates, buildings = _scope_choices(user)
    posted: dict = {}
    errors: dict = {}
    error_message = ""
    if request.method == "POST":
        posted = {name: request.POST.get(name, "") for name in ("title", "description", "area", "scope_kind",
                                                                 "estate", "building")}
        try:
            files = files_from(request, DOCUMENT, "attachments")
            area = next((a for a in areas if str(a.pk) == posted["area"]), None)
            if area is None:
                raise DomainError(_("请选择议题所在的社区或网格。"), fields={"area": "required"})
            estate = next((e for e in estates if str(e.pk) == posted["estate"]), None)
            building = next((b for b in buildings if str(b.pk) == posted["building"]), None)
            topic = topics.propose(actor=user, title=posted["title"], description=posted["description"], area=area,
                                   scope_kind=posted["scope_kind"] or ScopeKind.COMMUNITY, estate=estate,
                                   building=building, files=files, source_case=case, request=request)
        except (DomainError, UploadRefused) as error:
            # Shown above the form and tied to the fields in error (aria-describedby), not as a notice.
            error_message = error.message
            errors = dict(getattr(error, "fields", {}) or {})
        else:
            messages.success(request, _("议题已提交，社区将按协商事项目录审核，结果会通知您。"))
            return redirect("deliberation:topic_detail", pk=topic.pk)
    elif case is not None:
        posted = {"title": _("关于“%(category)s”的议题") % {"category": case.category or _("反复反映的问题")},
                  "description": case.description, "area": str(case.area_id), "scope_kind": ScopeKind.GRID}
    elif len(areas) >= 1:
        posted = {"area": str(areas[0].pk), "scope_kind": ScopeKind.COMMUNITY}
    return render(request, "deliberation/topic_new.html", {
        "areas": areas, "estates": estates, "buildings": buildings, "scopes": ScopeKind.choices, "posted": posted,
        "errors": errors, "error_message": error_message, "case": case, "max_files": settings.GONGZHI_ATTACHMENTS_PER_STEP,
        "max_size": settings.GONGZHI_ATTACHMENT_MAX_BYTES,
    }, status=422 if request.method == "POST" else 200)


FOLLOW_UP_STATUSES = (TopicStatus.DECIDED, TopicStatus.IMPLEMENTING, TopicStatus.DONE)


def _render_topic(request, topic, *, status: int = 200):
    user = request.user
    staff = topics.is_staff_for(user, topic.area)
    context = {
        "topic": topic, "staff": staff, "comments": selectors.comments_for(user, topic),
        "attachments": list(topic.attachments.all()), "meetings": selectors.topic_meetings(topic),
        "may_take_part": topics.may_take_part(user, topic), "open": topics.discussion_open(topic),
        "supported": (support := topic.supports.filter(user=user).only("pk", "on_behalf_channel").first()) is not None,
        "supported_by_proxy": support is not None and support.by_proxy,
        "verified": topics.resident_link(user) is not None,
        "mine": topic.proposed_by_id == user.pk,
    }
    if topic.by_proxy:  # 代办: the resident's topic; residents never see who typed it
        context["proxy_proposer"] = (
            _("我（%(label)s）") % {"label": on_behalf.PUBLIC_LABEL} if context["mine"] and not staff
            else on_behalf.shown_name(topic, topic.proposed_for, staff=staff))
    if staff and topic.status == TopicStatus.PROPOSED:
        context.update(may_items=selectors.catalogue(CatalogueKind.MAY),
                       may_not_items=selectors.catalogue(CatalogueKind.MAY_NOT), forms=Form.choices,
                       bodies=selectors.bodies_of_community(user, topic.area))
    if staff and topic.status in (TopicStatus.DISCUSSING, TopicStatus.DECIDING):
        context["may_schedule"] = True
    # 民事民决: the topic's votes with their results; 民事民办/民事民评: the follow-up panel.
    context["votes"] = list(topic.votes.select_related("area").order_by("-opens"))
    context["may_vote_on"] = staff and topic.status in (TopicStatus.DISCUSSING, TopicStatus.DECIDING,
                                                        TopicStatus.REJECTED)
    if topic.status in FOLLOW_UP_STATUSES:
        context = {**followup_panel(request, topic), **context, "followup": True}
    return render(request, "deliberation/topic_detail.html", context, status=status)


@login_required
@require_GET
def topic_detail(request, pk: int):
    return _render_topic(request, selectors.topic_for(request.user, pk))


@login_required
@require_POST
def topic_screen(request, pk: int):
    topic = selectors.topic_for(request.user, pk)
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            item = selectors.catalogue(CatalogueKind.MAY).filter(pk=request.POST.get("item") or 0).first()
            body = selectors.bodies_of_community(request.user, topic.area).filter(
                pk=request.POST.get("body") or 0).first()
            topics.accept(actor=request.user, topic=topic, catalogue_item=item, form=request.POST.get("form", ""),
                          body=body, discussion_closes=parse_local_datetime(request.POST.get("closes")),
                          request=request)
            messages.success(request, _("议题已受理，进入协商。"))
        elif decision == "refuse":
            item = selectors.catalogue(CatalogueKind.MAY_NOT).filter(pk=request.POST.get("item") or 0).first()
            topics.refuse(actor=request.user, topic=topic, reason=request.POST.get("reason", ""),
                          catalogue_item=item, request=request)
            messages.success(request, _("已不予受理，提议人会收到通知和理由。"))
        else:
            raise DomainError(_("请选择受理或不予受理。"))
    except DomainError as error:
        messages.error(request, error.message)
        return _render_topic(request, selectors.topic_for(request.user, pk), status=error.status)
    return redirect("deliberation:topic_detail", pk=pk)


@login_required
@require_POST
def topic_comment(request, pk: int):
    topic = selectors.topic_for(request.user, pk)
    parent = None
    if request.POST.get("parent", "").isdigit():
        parent = topic.comments.filter(pk=int(request.POST["parent"])).first()
    try:
        item = topics.comment(actor=request.user, topic=topic, text=request.POST.get("text", ""), parent=parent,
                              request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("deliberation:topic_detail", args=[pk]) + "#discussion")
    messages.success(request, _("发言已发表。"))
    return redirect(reverse("deliberation:topic_detail", args=[pk]) + f"#c{item.pk}")


@login_required
@require_POST
def comment_hide(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("topic"), pk=pk)
    selectors.topic_for(request.user, comment.topic_id)  # 404 when the topic is not visible
    try:
        topics.hide_comment(actor=request.user, comment=comment, reason=request.POST.get("reason", ""),
                            request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已屏蔽该发言，发言人会收到通知。"))
    return redirect(reverse("deliberation:topic_detail", args=[comment.topic_id]) + f"#c{comment.pk}")


@login_required
@require_POST
def topic_support(request, pk: int):
    topic = selectors.topic_for(request.user, pk)
    try:
        topics.support(actor=request.user, topic=topic, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已附议。"))
    return redirect("deliberation:topic_detail", pk=pk)


@login_required
@require_GET
def topic_attachment(request, pk: int):
    """An attachment, for those who may see its topic (never a public file)."""
    attachment = get_object_or_404(TopicAttachment, pk=pk)
    selectors.topic_for(request.user, attachment.topic_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=attachment.content_type == "application/pdf", filename=attachment.name)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urls = [
    path("topics/", topic_list, name="topic_list"),
    path("topics/new/", topic_new, name="topic_new"),
    path("topics/<int:pk>/", topic_detail, name="topic_detail"),
    path("topics/<int:pk>/screen/", topic_screen, name="topic_screen"),
    path("topics/<int:pk>/comments/", topic_comment, name="topic_comment"),
    path("topics/<int:pk>/support/", topic_support, name="topic_support"),
    path("comments/<int:pk>/hide/", comment_hide, name="comment_hide"),
    path("attachments/<int:pk>/", topic_attachment, name="topic_attachment"),
]
