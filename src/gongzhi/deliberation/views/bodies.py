"""Consultation bodies: the list of the user's area, a body with its members by kind (and which
fixed kinds are missing), adding a registry person or an organisation's contact, removing a member."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.areas.scope import paths_q
from gongzhi.core.errors import DomainError
from gongzhi.registry.models.places import community_path

from .. import bodies, selectors
from ..models import BodyKind, BodyMember, MemberKind, TopicStatus

PAGE_SIZE = 30


def _require_staff(user) -> None:
    if not selectors.is_staff(user):
        raise PermissionDenied


@login_required
@require_GET
def body_list(request):
    _require_staff(request.user)
    kind = request.GET.get("kind", "")
    kind = kind if kind in BodyKind.values else ""
    page = Paginator(selectors.bodies_for(request.user, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    from gongzhi.registry.models import Building, Estate

    areas = list(selectors.managed_areas(request.user))
    paths = [a.path for a in areas]
    return render(request, "deliberation/body_list.html", {
        "page": page, "kind": kind, "kinds": BodyKind.choices, "query": f"kind={kind}" if kind else "",
        "areas": areas,
        "estates": Estate.objects.filter(paths_q(paths, "area__path")).order_by("name")[:300] if paths else [],
        "buildings": (Building.objects.filter(paths_q(paths, "area__path")).select_related("estate")
                      .order_by("estate__name", "name")[:600]) if paths else [],
    })


@login_required
@require_POST
def body_new(request):
    _require_staff(request.user)
    from gongzhi.registry.models import Building, Estate

    areas = {str(a.pk): a for a in selectors.managed_areas(request.user)}
    area = areas.get(request.POST.get("area", ""))
    estate = Estate.objects.filter(pk=request.POST.get("estate") or 0).select_related("area").first()
    building = Building.objects.filter(pk=request.POST.get("building") or 0).select_related("area", "estate").first()
    try:
        if area is None:
            raise DomainError(_("请选择议事机构所在的社区或网格。"))
        body = bodies.create_body(actor=request.user, area=area, kind=request.POST.get("kind", ""),
                                  name=request.POST.get("name", ""), estate=estate, building=building,
                                  request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("deliberation:body_list")
    messages.success(request, _("已设立“%(name)s”。") % {"name": body.name})
    return redirect("deliberation:body_detail", pk=body.pk)


@login_required
@require_GET
def body_detail(request, pk: int):
    _require_staff(request.user)
    body = selectors.body_for(request.user, pk)
    groups, parties, members = selectors.members_by_kind(body)
    kinds = bodies.kinds_of(body)
    q = request.GET.get("q", "").strip()
    return render(request, "deliberation/body_detail.html", {
        "body": body, "parties": parties, "kinds": kinds,
        "rows": [(k, groups.get(k, [])) for k in kinds] + [(k, ms) for k, ms in groups.items() if k not in kinds],
        "missing": bodies.missing_kinds(body, members),
        "q": q, "candidates": selectors.person_candidates(request.user, body, q),
        "organisations": selectors.organisation_candidates(request.user, body),
        "topics": selectors.topics_for(request.user).filter(
            area__path__startswith=community_path(body.area),
            status__in=(TopicStatus.PROPOSED, TopicStatus.DISCUSSING, TopicStatus.DECIDING))[:100],
        "meetings": body.meetings.order_by("-scheduled_at")[:10],
    })


@login_required
@require_POST
def member_add(request, pk: int):
    _require_staff(request.user)
    body = selectors.body_for(request.user, pk)
    kind = MemberKind.objects.filter(pk=request.POST.get("kind") or 0, body_kind=body.kind).first()
    topic = None
    if request.POST.get("topic"):
        topic = selectors.topics_for(request.user).filter(pk=request.POST.get("topic") or 0).first()
    person = organisation = None
    try:
        if request.POST.get("person"):
            from gongzhi.registry.models import Person
            from gongzhi.registry.selectors import visible_records

            person = visible_records(Person, request.user).filter(pk=request.POST.get("person") or 0).select_related(
                "area").first()
            if person is None:
                raise DomainError(_("所选人员不存在或不在您的辖区。"))
        elif request.POST.get("organisation"):
            organisation = next((o for o in selectors.organisation_candidates(request.user, body)
                                 if str(o.pk) == request.POST.get("organisation")), None)
            if organisation is None:
                raise DomainError(_("所选单位不存在或不在本辖区。"))
        if request.POST.get("topic") and topic is None:
            raise DomainError(_("所选议题不存在。"))
        bodies.add_member(actor=request.user, body=body, kind=kind, topic=topic, person=person,
                          organisation=organisation, contact_name=request.POST.get("contact_name", ""),
                          title=request.POST.get("title", ""), request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已添加成员。"))
    return redirect("deliberation:body_detail", pk=body.pk)


@login_required
@require_POST
def member_remove(request, pk: int):
    _require_staff(request.user)
    member = get_object_or_404(BodyMember, pk=pk)
    body = selectors.body_for(request.user, member.body_id)
    try:
        bodies.remove_member(actor=request.user, member=member, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已移出成员。"))
    return redirect("deliberation:body_detail", pk=body.pk)


urls = [
    path("bodies/", body_list, name="body_list"),
    path("bodies/new/", body_new, name="body_new"),
    path("bodies/<int:pk>/", body_detail, name="body_detail"),
    path("bodies/<int:pk>/members/", member_add, name="member_add"),
    path("members/<int:pk>/remove/", member_remove, name="member_remove"),
]
