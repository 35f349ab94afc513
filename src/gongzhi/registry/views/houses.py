"""Registry pages: houses (以房查人), organisations and facilities."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from .. import selectors
from ..choices import HouseUse
from ..forms import FacilityFilterForm, HouseFilterForm, OrganisationFilterForm
from ..models import House, Household, PersonMove
from .people import PAGE_SIZE, history_rows, querystring


@login_required
@require_GET
def house_list(request):
    form = HouseFilterForm(request.GET or None, user=request.user)
    f = form.filters() if form.is_bound else {}
    houses = selectors.houses_for(request.user, q=f.get("q", ""), area_code=f.get("area"), use=f.get("use"))
    page = Paginator(houses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/house_list.html", {
        "form": form, "page": page, "query": querystring(form), "filtered": bool(f),
    })


@login_required
@require_GET
def house_detail(request, pk: int):
    house = selectors.house_for(request.user, pk)
    residents = list(house.residents.all())
    households = (selectors.visible_records(Household, request.user).filter(house=house)
                  .select_related("head").order_by("number", "pk"))
    # Moves at this house (those who moved out included) and the residents' other moves.
    moves = (PersonMove.objects.filter(Q(house=house) | Q(person__in=[p.pk for p in residents]))
             .select_related("person", "recorded_by").order_by("-date", "-pk"))
    return render(request, "registry/house_detail.html", {
        "house": house, "residents": residents, "households": households, "moves": moves,
        "is_rental": house.use == HouseUse.RENTED,
        "history": history_rows(selectors.house_history(request.user, house).select_related("actor"),
                                model=House),
    })


@login_required
@require_GET
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    f = form.filters() if form.is_bound else {}
    items = selectors.organisations_for(request.user, q=f.get("q", ""), kind=f.get("kind"))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/organisation_list.html", {
        "form": form, "page": page, "query": querystring(form), "filtered": bool(f),
    })


@login_required
@require_GET
def facility_list(request):
    form = FacilityFilterForm(request.GET or None)
    f = form.filters() if form.is_bound else {}
    items = selectors.facilities_for(request.user, q=f.get("q", ""), category=f.get("category"))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/facility_list.html", {
        "form": form, "page": page, "query": querystring(form), "filtered": bool(f),
    })


urls: list = [
    path("houses/", house_list, name="house_list"),
    path("houses/<int:pk>/", house_detail, name="house_detail"),
    path("organisations/", organisation_list, name="organisation_list"),
    path("facilities/", facility_list, name="facility_list"),
]
