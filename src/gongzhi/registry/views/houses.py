"""Registry pages: houses (以房查人), estates (小区/院落) with the bodies that run them, organisations and
facilities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.core import paging

from .. import selectors, services
from ..choices import MANAGEMENT_MODE_HELP, HouseUse
from ..forms import (
    EstateFilterForm,
    EstateForm,
    FacilityFilterForm,
    HouseFilterForm,
    OrganisationFilterForm,
    add_service_errors,
)
from ..models import Estate, House, Household
from .people import PAGE_SIZE, can_edit, history_rows, querystring


HOUSE_KEYSET = paging.Keyset(("address", "pk"))


@login_required
@require_GET
def house_list(request):
    form = HouseFilterForm(request.GET or None, user=request.user)
    f = form.filters() if form.is_bound else {}
    houses = selectors.houses_for(request.user, q=f.get("q", ""), area_code=f.get("area"), use=f.get("use"))
    # In address order, paged by the last house seen and counted up to ``paging.EXACT_COUNT_LIMIT``.
    page = paging.paginate(houses, request.GET, keyset=HOUSE_KEYSET, per_page=PAGE_SIZE,
                           base=[(k, v) for k, v in (form.data.items() if form.is_bound else [])
                                 if k not in ("page", "after", "before", "last") and v])
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
    moves = selectors.house_moves(house, [p.pk for p in residents])
    return render(request, "registry/house_detail.html", {
        "house": house, "residents": residents, "households": households, "moves": moves,
        "is_rental": house.use == HouseUse.RENTED,
        "history": history_rows(selectors.house_history(request.user, house).select_related("actor"),
                                model=House),
    })


@login_required
@require_GET
def estate_list(request):
    form = EstateFilterForm(request.GET or None, user=request.user)
    f = form.filters() if form.is_bound else {}
    estates = selectors.estates_for(request.user, q=f.get("q", ""), area_code=f.get("area"),
                                    management_mode=f.get("management_mode"))
    # The columns the table shows (an estate's outline and its grid's boundary are not among them).
    estates = estates.only("name", "kind", "management_mode", "building_count", "house_count", "area__name",
                           "property_company__name", "owners_committee__name")
    page = Paginator(estates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/estate_list.html", {
        "form": form, "page": page, "query": querystring(form), "filtered": bool(f),
    })


def _estate_page(request, estate: Estate, form: EstateForm | None = None):
    return render(request, "registry/estate_detail.html", {
        "estate": estate, "form": form, "may_edit": can_edit(request.user, estate),
        "mode_help": MANAGEMENT_MODE_HELP.get(estate.management_mode, ""),
        "buildings": estate.buildings.order_by("name"),
        "history": history_rows(selectors.estate_history(request.user, estate).select_related("actor"),
                                model=Estate),
    })


@login_required
@require_GET
def estate_detail(request, pk: int):
    return _estate_page(request, selectors.estate_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def estate_edit(request, pk: int):
    estate = selectors.estate_for(request.user, pk)
    if not can_edit(request.user, estate):
        raise PermissionDenied
    form = EstateForm(request.POST or None, estate=estate, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_estate(actor=request.user, estate=estate, request=request, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
            estate = selectors.estate_for(request.user, pk)  # the service may have set fields before refusing
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:estate_detail", pk=estate.pk)
    return render(request, "registry/estate_edit.html", {"estate": estate, "form": form})


@login_required
@require_GET
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    f = form.filters() if form.is_bound else {}
    items = selectors.organisations_for(request.user, q=f.get("q", ""), kind=f.get("kind"))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_served_estates(request.user, list(page.object_list))
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
    path("estates/", estate_list, name="estate_list"),
    path("estates/<int:pk>/", estate_detail, name="estate_detail"),
    path("estates/<int:pk>/edit/", estate_edit, name="estate_edit"),
    path("organisations/", organisation_list, name="organisation_list"),
    path("facilities/", facility_list, name="facility_list"),
]
