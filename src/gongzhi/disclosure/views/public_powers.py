"""Public pages of a community (社区/村), readable without signing in: its small-powers list with each
power's flow chart and the recent exercises, and its estates' property evaluations. No personal data:
exercises show the item, date, step, outcome and public summary; evaluations show no rater."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from gongzhi.areas.models import Area, Level
from gongzhi.registry.models import Estate
from gongzhi.core.pagination import page_query

from .. import flowchart
from ..models import EvaluationStatus, PowerExercise, PropertyEvaluation
from ..powers_forms import SearchForm
from ..powers_services import items_for
from .powers import search_exercises

PAGE_SIZE = 20
RESULTS_SHOWN = 8  # the latest quarters shown per estate


def community_or_404(code: str) -> Area:
    area = Area.objects.select_related("parent").filter(code=code, level=Level.COMMUNITY).first() \
        if code.isdigit() else None
    if area is None:
        raise Http404
    return area


@require_GET
def public_powers(request, code: str):
    community = community_or_404(code)
    items = list(items_for(community))
    form = SearchForm(request.GET or None, items=items)
    exercises = search_exercises(
        PowerExercise.objects.filter(area=community).select_related("item", "step")
        .only("date", "outcome", "public_summary", "item__name", "item__code", "step__order", "step__title"), form)
    page = Paginator(exercises, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "disclosure/powers_public.html", {
        "community": community, "items": [(item, flowchart.for_item(item)) for item in items],
        "form": form, "page": page, "query": page_query(request),
    })


@require_GET
def public_property(request, code: str):
    community = community_or_404(code)
    estates = list(Estate.objects.filter(area__path__startswith=community.path)
                   .select_related("property_company", "owners_committee").order_by("name"))
    results: dict[int, list] = {}
    for evaluation in (PropertyEvaluation.objects.filter(estate__in=estates, status=EvaluationStatus.PUBLISHED)
                       .prefetch_related("scores").order_by("-year", "-quarter")):
        shown = results.setdefault(evaluation.estate_id, [])
        if len(shown) < RESULTS_SHOWN:
            shown.append(evaluation)
    return render(request, "disclosure/property_public.html", {
        "community": community, "rows": [(estate, results.get(estate.pk, [])) for estate in estates],
    })


urls: list = [
    path("<str:code>/powers/", public_powers, name="public_powers"),
    path("<str:code>/property/", public_property, name="public_property"),
]
