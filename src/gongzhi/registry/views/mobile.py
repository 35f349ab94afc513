"""Registry pages for grid workers on the phone: the houses of my grid and the household visit (入户走访).

Every change goes through ``registry.services`` (permission in the area, validation, audit).
Forms post back to the house page; on a refused input the page is shown again with the error
next to the resident it belongs to.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts.roles import Perm

from .. import selectors, services
from ..choices import MoveKind
from ..forms import MoveInForm, MoveOutForm, TagForm, VisitUpdateForm, active_groups, add_service_errors

PAGE_SIZE = 30


@login_required
@require_GET
def mobile_households(request):
    q = request.GET.get("q", "").strip()[:50]
    houses = selectors.visit_houses_for(request.user, q=q)
    page = Paginator(houses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/mobile_households.html", {
        "page": page, "q": q, "query": urlencode({"q": q}) if q else "",
    })


def _house_page(request, house, *, forms_for=None, move_in_form=None, offer_move_in=False, status=200):
    forms_for = forms_for or {}
    groups = active_groups()  # once for every resident's tag form
    residents = []
    for person in house.residents.all():
        residents.append({
            "person": person,
            "update_form": forms_for.get((person.pk, "update")) or VisitUpdateForm(initial={
                "residence_status": person.residence_status, "employment": person.employment}),
            "move_out_form": forms_for.get((person.pk, "move_out")) or MoveOutForm(),
            "tag_form": forms_for.get((person.pk, "tag")) or TagForm(groups=groups),
            "open": any(key[0] == person.pk for key in forms_for),
        })
    return render(request, "registry/mobile_house.html", {
        "house": house, "residents": residents,
        "can_edit": selectors.in_perm_scope(request.user, Perm.REGISTRY_EDIT, house.area),
        "move_in_form": move_in_form or MoveInForm(),
        "offer_move_in": offer_move_in,
    }, status=status)


@login_required
@require_GET
def mobile_house(request, pk: int):
    return _house_page(request, selectors.house_for(request.user, pk))


def _resident(request, pk: int, person_pk: int):
    house = selectors.house_for(request.user, pk)
    person = next((p for p in house.residents.all() if p.pk == person_pk), None)
    if person is None:
        raise Http404
    if not selectors.in_perm_scope(request.user, Perm.REGISTRY_EDIT, person.area):
        raise PermissionDenied
    return house, person


def _done(request, pk: int, message: str):
    messages.success(request, message)
    return redirect("registry:mobile_house", pk=pk)


@login_required
@require_POST
def resident_update(request, pk: int, person_pk: int):
    house, person = _resident(request, pk, person_pk)
    form = VisitUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.update_person(actor=request.user, person=person, request=request, **form.changes(person))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, pk, _("已更新 %(name)s 的信息。") % {"name": person.real_name})
    return _house_page(request, selectors.house_for(request.user, pk), forms_for={(person.pk, "update"): form},
                       status=400)


@login_required
@require_POST
def resident_move_out(request, pk: int, person_pk: int):
    house, person = _resident(request, pk, person_pk)
    form = MoveOutForm(request.POST)
    if form.is_valid():
        try:
            services.record_move(actor=request.user, person=person, kind=MoveKind.MOVE_OUT,
                                 date=form.cleaned_data["date"], place=form.cleaned_data["place"],
                                 note=_("入户走访登记"), request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, pk, _("已登记 %(name)s 迁出。") % {"name": person.real_name})
    return _house_page(request, selectors.house_for(request.user, pk), forms_for={(person.pk, "move_out"): form},
                       status=400)


@login_required
@require_POST
def resident_tag(request, pk: int, person_pk: int):
    house, person = _resident(request, pk, person_pk)
    form = TagForm(request.POST)
    if form.is_valid() and form.apply(actor=request.user, person=person, request=request):
        return _done(request, pk, _("已将 %(name)s 加入“%(group)s”。") % {
            "name": person.real_name, "group": form.cleaned_data["group"].name})
    return _house_page(request, selectors.house_for(request.user, pk), forms_for={(person.pk, "tag"): form},
                       status=400)


@login_required
@require_POST
def resident_move_in(request, pk: int):
    house = selectors.house_for(request.user, pk)
    if not selectors.in_perm_scope(request.user, Perm.REGISTRY_EDIT, house.area):
        raise PermissionDenied
    form = MoveInForm(request.POST)
    offer = False
    if form.is_valid():
        data = form.cleaned_data
        fields = {"house": house, "id_number": data["id_number"], "phone": data["phone"]}
        if data["relation_to_head"]:
            household = selectors.first_household_of(request.user, house)
            if household is None:
                form.add_error("relation_to_head", _("该房屋尚未登记户，暂不能填写与户主关系。"))
            else:
                fields.update(household=household, relation_to_head=data["relation_to_head"])
        if not form.errors:
            try:
                with transaction.atomic():
                    try:
                        person = services.create_person(actor=request.user, area=house.area,
                                                        real_name=data["real_name"], request=request, **fields)
                    except ValidationError as error:
                        # Leave the block normally: a refusal's audit entry counts against the
                        # actor's daily limit and must not be rolled back with the registration.
                        refusal: ValidationError | None = error
                    else:
                        refusal = None
                        services.record_move(actor=request.user, person=person, kind=MoveKind.MOVE_IN,
                                             date=datetime.date.today(), note=_("入户走访登记"), request=request)
                if refusal is not None:
                    raise refusal
            except ValidationError as error:
                add_service_errors(form, error)
                offer = services.offers_move_in_request(error)
            else:
                return _done(request, pk, _("已登记新迁入人员 %(name)s。") % {"name": person.real_name})
    return _house_page(request, house, move_in_form=form, offer_move_in=offer, status=400)


urls: list = [
    path("m/", mobile_households, name="mobile_households"),
    path("m/houses/<int:pk>/", mobile_house, name="mobile_house"),
    path("m/houses/<int:pk>/move-in/", resident_move_in, name="mobile_move_in"),
    path("m/houses/<int:pk>/persons/<int:person_pk>/update/", resident_update, name="mobile_resident_update"),
    path("m/houses/<int:pk>/persons/<int:person_pk>/move-out/", resident_move_out, name="mobile_move_out"),
    path("m/houses/<int:pk>/persons/<int:person_pk>/tag/", resident_tag, name="mobile_resident_tag"),
]
