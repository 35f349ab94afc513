"""Phone pages: a resident's own cases; a grid worker's tasks and patrols (巡查走访)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm, Role
from gongzhi.registry.models import Household
from gongzhi.core.pagination import page_size_for

from .. import patrols as patrol_services
from ..errors import DomainError
from ..models import Case, CaseStatus, HandlingLevel, Patrol
from ..models.case import RUNNING_STATUSES
from ..workflow import role_paths

TASKS_SHOWN = 30  # cases per task list on the phone; the queue page pages through the rest

PAGE_SIZE = 20


@login_required
@require_GET
def my_cases(request):
    """The cases I reported, newest first, with their state (and a nudge to rate the closed ones)."""
    if not has_perm(request.user, Perm.CASES_REPORT):
        raise PermissionDenied
    cases = (Case.objects.filter(reporter=request.user).select_related("category", "area", "merged_into")
             .order_by("-reported_at", "-pk"))
    page = Paginator(cases, page_size_for(request.user, PAGE_SIZE)).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"page": page, "now": timezone.now()})


def _grid_paths(user) -> tuple[str, ...]:
    return role_paths(user, Role.GRID_WORKER)


@login_required
@require_GET
def tasks(request):
    """A grid worker's tasks in their grids: to verify, to handle in the grid, reported and waiting."""
    paths = _grid_paths(request.user)
    if not paths:
        raise PermissionDenied
    in_grids = Q()
    for grid_path in paths:
        in_grids |= Q(area__path__startswith=grid_path)
    mine = Case.objects.visible_to(request.user).filter(in_grids).select_related("category", "area", "lead_department")
    to_verify, to_handle = Q(status=CaseStatus.FEEDBACK), Q(status__in=RUNNING_STATUSES, level=HandlingLevel.GRID)
    counts = mine.aggregate(to_verify=Count("pk", filter=to_verify), to_handle=Count("pk", filter=to_handle))
    return render(request, "cases/tasks.html", {
        "to_verify": mine.filter(to_verify).order_by("feedback_at")[:TASKS_SHOWN],
        "to_handle": mine.filter(to_handle).order_by("handle_due")[:TASKS_SHOWN],
        "waiting": mine.filter(status=CaseStatus.REPORTED, reporter=request.user).order_by("-reported_at")[:20],
        "open_patrol": Patrol.objects.filter(worker=request.user, ended_at__isnull=True).first(),
        "counts": counts, "shown": TASKS_SHOWN, "now": timezone.now(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def patrol_list(request):
    grids = patrol_services.patrol_grids(request.user)
    if not grids.exists():
        raise PermissionDenied
    if request.method == "POST":
        area = grids.filter(code=request.POST.get("grid", "")).first() or (grids.first() if grids.count() == 1
                                                                            else None)
        if area is None:
            messages.error(request, _("请选择要巡查的网格。"))
        else:
            try:
                patrol = patrol_services.start_patrol(actor=request.user, area=area,
                                                      companions=request.POST.get("companions", ""), request=request)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                return redirect("cases:patrol", pk=patrol.pk)
    patrols = (Patrol.objects.visible_to(request.user).filter(worker=request.user).select_related("area")
               .order_by("-started_at"))
    page = Paginator(patrols, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/patrol_list.html", {"page": page, "grids": grids,
                                                      "open_patrol": patrols.filter(ended_at__isnull=True).first()})


def _patrol_for(user, pk: int) -> Patrol:
    patrol = Patrol.objects.visible_to(user).select_related("area", "worker").filter(pk=pk).first()
    if patrol is None:
        raise Http404
    return patrol


@login_required
@require_GET
def patrol_detail(request, pk: int):
    patrol = _patrol_for(request.user, pk)
    households = []
    if patrol.is_open and patrol.worker_id == request.user.pk:
        households = (Household.objects.visible_to(request.user).filter(area__path__startswith=patrol.area.path)
                      .select_related("head", "house").order_by("number")[:500])
    return render(request, "cases/patrol_detail.html", {
        "patrol": patrol, "visits": patrol.visits.select_related("household"),
        "cases": patrol.cases.select_related("category").order_by("reported_at"),
        "households": households, "minutes": patrol_services.duration_minutes(patrol),
        "count_fields": [(name, Patrol._meta.get_field(name).verbose_name, getattr(patrol, name))
                         for name in patrol_services.COUNT_FIELDS],
        "mine": patrol.worker_id == request.user.pk,
    })


@login_required
@require_POST
def patrol_visit(request, pk: int):
    patrol = _patrol_for(request.user, pk)
    household = None
    if request.POST.get("household", "").isdigit():
        household = (Household.objects.visible_to(request.user).select_related("house", "head", "area")
                     .filter(pk=int(request.POST["household"])).first())
    try:
        patrol_services.add_visit(actor=request.user, patrol=patrol, door=request.POST.get("door", ""),
                                  head_name=request.POST.get("head_name", ""), note=request.POST.get("note", ""),
                                  household=household)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已记录走访。"))
    return redirect("cases:patrol", pk=patrol.pk)


@login_required
@require_POST
def patrol_end(request, pk: int):
    patrol = _patrol_for(request.user, pk)
    try:
        patrol_services.end_patrol(actor=request.user, patrol=patrol, summary=request.POST.get("summary", ""),
                                   counts={name: request.POST.get(name) for name in patrol_services.COUNT_FIELDS},
                                   request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("巡查已结束。"))
    return redirect("cases:patrol", pk=patrol.pk)


urls = [
    path("mine/", my_cases, name="mine"),
    path("tasks/", tasks, name="tasks"),
    path("patrols/", patrol_list, name="patrols"),
    path("patrols/<int:pk>/", patrol_detail, name="patrol"),
    path("patrols/<int:pk>/visit/", patrol_visit, name="patrol_visit"),
    path("patrols/<int:pk>/end/", patrol_end, name="patrol_end"),
]
