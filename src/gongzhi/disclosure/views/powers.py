"""Staff pages of the small-powers list: the exercises of one's area (log, list, detail) and the
district's catalogue (``disclosure.configure``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.privacy.masking import mask_name
from gongzhi.registry.forms import add_service_errors
from gongzhi.core.pagination import page_query

from .. import flowchart, powers_services
from ..models import PowerExercise, PowerItem
from ..powers_forms import ExerciseForm, PowerItemForm, SearchForm

PAGE_SIZE = 20


def _require_publish(user) -> None:
    if not has_perm(user, Perm.DISCLOSURE_PUBLISH):
        raise PermissionDenied


def search_exercises(exercises, form: SearchForm):
    if form.is_valid():
        q = form.cleaned_data.get("q", "").strip()
        if q:
            exercises = exercises.filter(Q(item__name__icontains=q) | Q(public_summary__icontains=q))
        if form.cleaned_data.get("item"):
            exercises = exercises.filter(item__code=form.cleaned_data["item"])
    return exercises


@login_required
@require_GET
def exercise_list(request):
    _require_publish(request.user)
    items = PowerItem.objects.order_by("sort", "code")
    form = SearchForm(request.GET or None, items=items)
    exercises = search_exercises(PowerExercise.objects.visible_to(request.user)
                                 .select_related("item", "area", "step"), form)
    page = Paginator(exercises, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "disclosure/powers_exercises.html", {
        "form": form, "page": page, "query": page_query(request),
        "may_configure": has_perm(request.user, Perm.DISCLOSURE_CONFIGURE),
    })



@login_required
@require_http_methods(["GET", "POST"])
def exercise_log(request):
    _require_publish(request.user)
    form = ExerciseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = powers_services.find_subject(request.user, data["subject_id_number"])
            exercise = powers_services.log_exercise(
                actor=request.user, item=data["step"].item, area=data["area"], date=data["date"],
                step=data["step"], outcome=data["outcome"], public_summary=data["public_summary"],
                subject=subject, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记“%(item)s”的运行记录。") % {"item": exercise.item.name})
            return redirect("disclosure:power_exercise", pk=exercise.pk)
    return render(request, "disclosure/powers_log.html", {"form": form})


@login_required
@require_GET
def exercise_detail(request, pk: int):
    exercise = get_object_or_404(PowerExercise.objects.visible_to(request.user)
                                 .select_related("item", "area", "step", "subject", "recorded_by"), pk=pk)
    return render(request, "disclosure/powers_exercise.html", {
        "exercise": exercise, "chart": flowchart.for_item(exercise.item),
        "subject_name": mask_name(exercise.subject.real_name) if exercise.subject else "",
    })


def _require_configure(user) -> None:
    if not has_perm(user, Perm.DISCLOSURE_CONFIGURE):
        raise PermissionDenied


@login_required
@require_GET
def catalogue(request):
    _require_configure(request.user)
    items = PowerItem.objects.prefetch_related("steps").order_by("sort", "code")
    return render(request, "disclosure/powers_catalogue.html", {
        "items": [(item, flowchart.for_item(item)) for item in items],
    })


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int | None = None):
    _require_configure(request.user)
    item = get_object_or_404(PowerItem, pk=pk) if pk else None
    initial = {"steps": powers_services.steps_text(item)} if item else {}
    form = PowerItemForm(request.POST or None, instance=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        steps = data.pop("steps")
        code = data.pop("code", "")
        try:
            item = powers_services.save_item(actor=request.user, item=item, code=code if item is None else "",
                                             steps=steps, request=request, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": item.name})
            return redirect(f"{_catalogue_url()}#item-{item.pk}")
    return render(request, "disclosure/powers_item_edit.html", {"form": form, "item": item})


def _catalogue_url() -> str:
    from django.urls import reverse

    return reverse("disclosure:power_catalogue")


urls: list = [
    path("powers/", exercise_list, name="powers"),
    path("powers/log/", exercise_log, name="power_log"),
    path("powers/exercises/<int:pk>/", exercise_detail, name="power_exercise"),
    path("powers/catalogue/", catalogue, name="power_catalogue"),
    path("powers/catalogue/new/", item_edit, name="power_item_new"),
    path("powers/catalogue/<int:pk>/", item_edit, name="power_item_edit"),
]
