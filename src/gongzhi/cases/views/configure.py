"""District administrators' pages: the catalogue (categories, limits, keywords, departments), the
routing rules (who handles what where, with optional corridors) and the working calendar."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.accounts.models import Department
from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area

from .. import configuration, holidays
from ..errors import DomainError
from ..models import CalendarDay, Category, DayKind, HandlingLevel, LimitUnit, RoutingRule

CATEGORY_FORM = ("name", "default_level", "accept_hours", "dispatch_hours", "response_hours", "handling_hours",
                 "handling_unit", "urgent_hours", "limit_unit", "keywords", "sort")


def _require(user) -> None:
    if not has_perm(user, Perm.CASES_CONFIGURE):
        raise PermissionDenied


def _departments(post) -> list[Department]:
    ids = [int(v) for v in post.getlist("departments") if v.isdigit()]
    return list(Department.objects.filter(pk__in=ids, is_active=True))


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request):
    _require(request.user)
    if request.method == "POST" and request.POST.get("form") == "loop_settings":
        district = Area.objects.filter(pk=request.POST.get("district") or 0).first()
        try:
            if district is None:
                raise DomainError(_("区县不存在。"))
            configuration.set_close_after_verify(actor=request.user, district=district,
                                                 close="close_after_verify" in request.POST, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存“%(name)s”的事件办理设置。") % {"name": district.name})
            return redirect(f"{request.path}#loop-settings")
    elif request.method == "POST":
        target = request.POST.get("category", "")
        values = {name: request.POST.get(name) for name in CATEGORY_FORM if request.POST.get(name) is not None}
        values.update(sensitive="sensitive" in request.POST, active="active" in request.POST,
                      community_whistle="community_whistle" in request.POST)
        try:
            if target.isdigit():
                category = Category.objects.get(pk=int(target))
                configuration.save_category(actor=request.user, category=category, request=request,
                                            departments=_departments(request.POST), **values)
            else:
                parent = Category.objects.filter(pk=request.POST.get("parent") or 0, parent__isnull=True).first()
                category = configuration.save_category(actor=request.user, parent=parent,
                                                       code=request.POST.get("code", ""), request=request,
                                                       departments=_departments(request.POST), **values)
        except (DomainError, Category.DoesNotExist) as error:
            messages.error(request, getattr(error, "message", _("类别不存在。")))
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": category})
            return redirect(f"{request.path}#c{category.pk}")
    majors = (Category.objects.filter(parent__isnull=True).prefetch_related("children__departments", "departments")
              .order_by("sort", "code"))
    return render(request, "cases/catalogue.html", {
        "majors": majors, "departments": Department.objects.filter(is_active=True).order_by("code"),
        "levels": HandlingLevel.choices, "handling_units": LimitUnit.choices,
        "districts": configuration.configurable_districts(request.user),
        "units": [(LimitUnit.WORKING, LimitUnit.WORKING.label), (LimitUnit.CALENDAR, LimitUnit.CALENDAR.label)],
    })


def _geometry(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise DomainError(_("范围须为 GeoJSON（Polygon 或 MultiPolygon）。")) from None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    return value


@login_required
@require_http_methods(["GET", "POST"])
def routing(request):
    _require(request.user)
    rules = (RoutingRule.objects.visible_to(request.user)
             .select_related("category", "category__parent", "area", "department").prefetch_related("assist"))
    if request.method == "POST":
        rule = None
        if request.POST.get("rule", "").isdigit():
            rule = rules.filter(pk=int(request.POST["rule"])).first()
            if rule is None:
                raise Http404
        try:
            if request.POST.get("delete") and rule is not None:
                configuration.delete_rule(actor=request.user, rule=rule, request=request)
                messages.success(request, _("已删除派遣规则。"))
                return redirect(request.path)
            category = Category.objects.filter(code=request.POST.get("category_code", "")).first()
            area = Area.objects.visible_to(request.user).filter(code=request.POST.get("area_code", "")).first()
            department = Department.objects.filter(pk=request.POST.get("department") or 0, is_active=True).first()
            if category is None or area is None or department is None:
                raise DomainError(_("请选择类别、适用区域和主办部门。"))
            assist = list(Department.objects.filter(pk__in=[int(v) for v in request.POST.getlist("assist")
                                                            if v.isdigit()], is_active=True))
            rule = configuration.save_rule(actor=request.user, rule=rule, request=request,
                                           name=request.POST.get("name", ""), category=category, area=area,
                                           department=department, assist=assist,
                                           geometry=_geometry(request.POST.get("geometry", "")),
                                           active="active" in request.POST)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存派遣规则“%(name)s”。") % {"name": rule.name})
            return redirect(request.path)
    return render(request, "cases/routing.html", {
        "rules": rules.order_by("category__code", "area__path", "pk"),
        "categories": Category.objects.active().select_related("parent").order_by("sort", "code"),
        "departments": Department.objects.filter(is_active=True).order_by("code"),
        "areas": Area.objects.visible_to(request.user).exclude(level="grid").order_by("path"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    _require(request.user)
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if request.method == "POST":
        try:
            if request.POST.get("install"):
                changed = configuration.install_official_year(actor=request.user, year=year, request=request)
                messages.success(request, _("已导入 %(y)d 年法定节假日安排（变更 %(n)d 天）。") % {"y": year, "n": changed})
            else:
                try:
                    day = datetime.date.fromisoformat(request.POST.get("date", ""))
                except ValueError:
                    raise DomainError(_("请填写日期。")) from None
                kind = request.POST.get("kind") or None
                configuration.set_day(actor=request.user, date=day, kind=kind if kind != "weekly" else None,
                                      name=request.POST.get("name", ""), request=request)
                messages.success(request, _("已更新 %(d)s。") % {"d": day.isoformat()})
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect(f"{request.path}?year={year}")
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    return render(request, "cases/calendar.html", {
        "year": year, "days": days, "kinds": DayKind.choices, "official": holidays.arrangement_known(year),
        "no_holidays": not any(day.kind == DayKind.HOLIDAY for day in days),
        "years": sorted({*holidays.package_years(timezone.localdate()), timezone.localdate().year,
                         timezone.localdate().year + 1}),
    })


urls = [
    path("catalogue/", catalogue, name="catalogue"),
    path("routing/", routing, name="routing"),
    path("calendar/", calendar, name="calendar"),
]
