"""Property pages: the 居委会's quarterly evaluation of each estate's property company (community staff,
scoped), the score sheet and weights (district), and the resident's satisfaction rating."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.scope import within_paths
from gongzhi.registry.forms import add_service_errors
from gongzhi.registry.models import Estate
from gongzhi.registry.verification import is_verified

from .. import property_services as services
from ..models import EvaluationStatus, PropertyEvaluation, PropertySettings, ScoreCriterion
from ..property_forms import CriterionForm, EvaluationForm, RatingForm, WeightForm

PAGE_SIZE = 30


def _estates(user):
    """The estates in the areas where ``user`` may evaluate (``disclosure.publish``)."""
    if not has_perm(user, Perm.DISCLOSURE_PUBLISH):
        raise PermissionDenied
    qs = Estate.objects.select_related("property_company", "owners_committee", "area").order_by("area__code", "name")
    return within_paths(qs, user, perm_paths(user, Perm.DISCLOSURE_PUBLISH), "area__path")


def _quarter_from(request) -> tuple[int, int]:
    year, quarter = services.current_quarter()
    raw = request.GET.get("quarter", "")
    if len(raw) == 6 and raw[:4].isdigit() and raw[4] == "Q" and raw[5] in "1234":
        wanted = (int(raw[:4]), int(raw[5]))
        if wanted <= (year, quarter):
            return wanted
    return year, quarter


def _recent_quarters(count: int = 8) -> list[tuple[int, int]]:
    quarters = [services.current_quarter()]
    while len(quarters) < count:
        quarters.append(services.previous_quarter(*quarters[-1]))
    return quarters


@login_required
@require_GET
def overview(request):
    year, quarter = _quarter_from(request)
    page = Paginator(_estates(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    evaluations = {e.estate_id: e for e in PropertyEvaluation.objects.filter(
        estate__in=[e.pk for e in page.object_list], year=year, quarter=quarter)}
    return render(request, "disclosure/property_overview.html", {
        "page": page, "year": year, "quarter": quarter, "period": services.quarter_label(year, quarter),
        "rows": [(estate, evaluations.get(estate.pk)) for estate in page.object_list],
        "quarters": [(f"{y}Q{q}", services.quarter_label(y, q), (y, q) == (year, quarter))
                     for y, q in _recent_quarters()],
        "query": f"quarter={year}Q{quarter}",
        "may_configure": has_perm(request.user, Perm.DISCLOSURE_CONFIGURE),
    })


@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request, pk: int, year: int, quarter: int):
    estate = get_object_or_404(_estates(request.user), pk=pk)
    if quarter not in (1, 2, 3, 4) or (year, quarter) > services.current_quarter():
        raise Http404
    evaluation = PropertyEvaluation.objects.filter(estate=estate, year=year, quarter=quarter).first()
    published = evaluation is not None and evaluation.status == EvaluationStatus.PUBLISHED
    criteria = ScoreCriterion.objects.filter(active=True)
    publishing = request.POST.get("action") == "publish"
    # Publishing posts no scores: the sheet is shown as saved.
    form = EvaluationForm(None if publishing else (request.POST or None), criteria=criteria, evaluation=evaluation)
    if request.method == "POST" and not published:
        try:
            if publishing:
                if evaluation is None:
                    raise ValidationError(_("请先填写考评表再公布。"))
                services.publish_evaluation(actor=request.user, evaluation=evaluation, request=request)
                messages.success(request, _("已公布%(period)s的考评结果。") % {
                    "period": services.quarter_label(year, quarter)})
            else:
                services.save_evaluation(actor=request.user, estate=estate, year=year, quarter=quarter,
                                         points=form.points(), comments=request.POST.get("comments", ""),
                                         request=request)
                messages.success(request, _("考评表已保存，确认无误后请公布。"))
        except ValidationError as error:
            if publishing:
                messages.error(request, " ".join(error.messages))
            else:
                add_service_errors(form, error)
        else:
            return redirect("disclosure:property_evaluate", pk=estate.pk, year=year, quarter=quarter)
    totals = services.preview(evaluation) if evaluation is not None and not published else None
    mean, count = services.satisfaction_of(estate, year, quarter)
    return render(request, "disclosure/property_evaluate.html", {
        "estate": estate, "evaluation": evaluation, "published": published, "form": form, "totals": totals,
        "period": services.quarter_label(year, quarter), "rating_count": count,
        "settings": PropertySettings.current(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request):
    if not has_perm(request.user, Perm.DISCLOSURE_CONFIGURE):
        raise PermissionDenied
    settings = PropertySettings.current()
    target = request.POST.get("criterion", "")
    editing = ScoreCriterion.objects.filter(pk=target).first() if target.isdigit() else None
    criterion_form = CriterionForm(request.POST if request.POST.get("form") == "criterion" else None,
                                   instance=editing, prefix="c")
    weight_form = WeightForm(request.POST if request.POST.get("form") == "weight" else None,
                             initial={"sheet_weight": settings.sheet_weight})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "weight" and weight_form.is_valid():
                services.set_sheet_weight(actor=request.user, sheet_weight=weight_form.cleaned_data["sheet_weight"],
                                          request=request)
                messages.success(request, _("权重已保存。"))
                return redirect("disclosure:property_sheet")
            if request.POST.get("form") == "criterion" and criterion_form.is_valid():
                saved = services.save_criterion(actor=request.user, criterion=editing, request=request,
                                                **criterion_form.cleaned_data)
                messages.success(request, _("已保存“%(name)s”。") % {"name": saved.name})
                return redirect("disclosure:property_sheet")
        except ValidationError as error:
            add_service_errors(criterion_form if request.POST.get("form") == "criterion" else weight_form, error)
    criteria = list(ScoreCriterion.objects.all())
    return render(request, "disclosure/property_sheet.html", {
        "criteria": [(c, CriterionForm(instance=c, prefix="c")) for c in criteria],
        "criterion_form": criterion_form if editing is None else CriterionForm(prefix="c"),
        "weight_form": weight_form, "settings": settings,
        "active_max": sum(c.max_points for c in criteria if c.active),
    })


@login_required
@require_http_methods(["GET", "POST"])
def rate(request):
    estate = services.resident_estate(request.user)
    year, quarter = services.current_quarter()
    form = RatingForm(request.POST or None)
    if request.method == "POST" and estate is not None and form.is_valid():
        try:
            services.rate(user=request.user, estate=estate, rating=form.cleaned_data["rating"], request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("disclosure:property_rate")
    closed = estate is not None and PropertyEvaluation.objects.filter(
        estate=estate, year=year, quarter=quarter, status=EvaluationStatus.PUBLISHED).exists()
    return render(request, "disclosure/property_rate.html", {
        "estate": estate, "verified": is_verified(request.user), "form": form, "closed": closed,
        "mine": services.my_rating(request.user, estate) if estate else None,
        "period": services.quarter_label(year, quarter),
        "community": estate.area.parent if estate and estate.area.level == "grid" else (estate.area if estate else None),
    })


urls: list = [
    path("property/", overview, name="property"),
    path("property/estates/<int:pk>/<int:year>-Q<int:quarter>/", evaluate, name="property_evaluate"),
    path("property/sheet/", sheet, name="property_sheet"),
    path("property/rate/", rate, name="property_rate"),
]
