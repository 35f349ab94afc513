"""Statistics of the case loop (/cases/stats/) and the weekly bulletin (定期通报, /cases/bulletin/).

The statistics page shows the indicators of a period (this week, last week, this month or chosen
dates) for the user's scope or one street or community in it: cards, sortable tables by area,
department and category, two server-rendered charts and a heat map of grids. The bulletin ranks
departments and communities for one week, as a printable page and as an Excel workbook
(downloaded at once: a week's figures take a few queries and one pass over the rows, so no
background job is needed; every download is audited).

Who sees what: holders of ``cases.view`` count the cases of the areas where they hold it; staff
of a department count only the cases their department leads, see only their department's row,
and do not get the acceptance and dispatch indicators (those measure the command centre, and a
case a department returned leaves its view) nor the bulletin (which ranks every department).
Definitions: docs/indicators.md; computations: ``cases.indicators``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl.cell import WriteOnlyCell
from pygal.style import Style

from gongzhi.accounts.models import Department
from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import CODE_LENGTH, Area, Level
from gongzhi.audit.services import record
from gongzhi.core.spreadsheets import GuardedWorkbook, bold_row, moment_cell, new_workbook, text_cell
from gongzhi.registry.charts import FONT, _clean

from .. import indicators as ind
from ..models import CaseStatus, Category

GRID_ROWS_SHOWN = 100  # grids listed under the heat map (the busiest); the map shows every one
OVERDUE_ROWS_SHOWN = 100  # overdue cases listed on the bulletin page; the workbook lists all
PERCENT_FORMAT = "0.0%"

# --- What each indicator is called and how it is shown --------------------------------------

COLUMNS: dict[str, tuple[Any, str]] = {
    "reported": (gettext_lazy("上报数"), "count"),
    "accepted": (gettext_lazy("立案数"), "count"),
    "on_time_acceptance_rate": (gettext_lazy("按时立案率"), "rate"),
    "dispatched": (gettext_lazy("派遣数"), "count"),
    "accurate_dispatch_rate": (gettext_lazy("准确派遣率"), "rate"),
    "closed": (gettext_lazy("结案数"), "count"),
    "closures_due": (gettext_lazy("应结案数"), "count"),
    "closed_on_time": (gettext_lazy("按期结案数"), "count"),
    "on_time_closure_rate": (gettext_lazy("按期结案率"), "rate"),
    "rework_rate": (gettext_lazy("返工率"), "rate"),
    "overdue_open": (gettext_lazy("超期在办"), "count"),
    "closed_late": (gettext_lazy("超期结案"), "count"),
    "overdue": (gettext_lazy("超期数"), "count"),
    "mean_handling_hours": (gettext_lazy("平均处置时长（工作小时）"), "hours"),
    "ratings": (gettext_lazy("评价数"), "count"),
    "satisfaction_rate": (gettext_lazy("满意率"), "rate"),
    "mean_rating": (gettext_lazy("平均评分"), "score"),
    "response_rate": (gettext_lazy("响应率（按时报到率）"), "rate"),
    "resolution_rate": (gettext_lazy("解决率"), "rate"),
    "callbacks": (gettext_lazy("回访数"), "count"),
    "callback_reach_rate": (gettext_lazy("回访联系率"), "rate"),
}
# The counts a rate is made of (shown as "17/20" beside it).
RATE_PARTS = {
    "on_time_acceptance_rate": ("accepted_on_time", "acceptances_due"),
    "response_rate": ("responded_on_time", "responses_due"),
    "resolution_rate": ("resolved", "resolved_answers"),
    "callback_reach_rate": ("callbacks_reached", "callbacks"),
    "accurate_dispatch_rate": ("dispatched_accurately", "dispatched"),
    "on_time_closure_rate": ("closed_on_time", "closures_due"),
    "rework_rate": ("reworks", "feedbacks"),
    "satisfaction_rate": ("satisfied", "ratings"),
}
# Satisfaction leads every table, card row and ranking: the seeds make residents' satisfaction
# the main measure. The 12345 three (响应率, 解决率, 满意率) stand beside the GB/T 30428 ones.
AREA_COLUMNS = ("satisfaction_rate", "resolution_rate", "reported", "accepted", "on_time_acceptance_rate", "closed",
                "on_time_closure_rate", "rework_rate", "overdue", "mean_handling_hours")
DEPARTMENT_COLUMNS = ("satisfaction_rate", "resolution_rate", "response_rate", "dispatched", "accurate_dispatch_rate",
                      "closed", "on_time_closure_rate", "rework_rate", "overdue", "mean_handling_hours")
CATEGORY_COLUMNS = ("satisfaction_rate", "reported", "accepted", "closed", "on_time_closure_rate", "rework_rate",
                    "overdue", "mean_handling_hours")
# Department staff: the handling indicators of the cases their department leads.
HANDLING_COLUMNS = ("satisfaction_rate", "resolution_rate", "response_rate", "closed", "on_time_closure_rate",
                    "rework_rate", "overdue", "mean_handling_hours")
CENTRE_CARDS = ("satisfaction_rate", "resolution_rate", "response_rate", "reported", "accepted",
                "on_time_acceptance_rate", "accurate_dispatch_rate", "on_time_closure_rate", "rework_rate", "overdue",
                "mean_handling_hours")
DEPARTMENT_CARDS = ("satisfaction_rate", "resolution_rate", "response_rate", "closed", "on_time_closure_rate",
                    "rework_rate", "overdue", "mean_handling_hours")
BULLETIN_DEPARTMENT_COLUMNS = ("ratings", "satisfaction_rate", "resolution_rate", "response_rate", "dispatched",
                               "accurate_dispatch_rate", "closures_due", "closed_on_time", "on_time_closure_rate",
                               "overdue_open", "closed_late", "overdue")
BULLETIN_COMMUNITY_COLUMNS = ("ratings", "satisfaction_rate", "resolution_rate", "reported", "closures_due",
                              "closed_on_time", "on_time_closure_rate", "overdue_open", "closed_late", "overdue")
BULLETIN_CATEGORY_COLUMNS = ("satisfaction_rate", "reported", "accepted", "closed", "closures_due",
                             "on_time_closure_rate", "rework_rate", "overdue", "mean_handling_hours")
SUMMARY_ROWS = ("ratings", "satisfaction_rate", "mean_rating", "resolution_rate", "callbacks", "callback_reach_rate",
                "reported", "accepted", "on_time_acceptance_rate", "dispatched", "accurate_dispatch_rate",
                "response_rate", "closed", "closures_due", "on_time_closure_rate", "rework_rate", "overdue_open",
                "closed_late", "overdue", "mean_handling_hours")


def show(value: Any, kind: str) -> str:
    """An indicator as text: counts as they are, rates in per cent, "—" when there is nothing to divide."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    if kind == "score":
        return f"{value:.2f}"
    return str(value)


def cell(row: dict[str, Any], key: str) -> dict[str, Any]:
    """A table cell: the text, the raw value to sort by ("" for "—"), and a rate's counts."""
    value, kind = row[key], COLUMNS[key][1]
    parts = RATE_PARTS.get(key)
    return {"text": show(value, kind), "value": "" if value is None else value,
            "title": f"{row[parts[0]]}/{row[parts[1]]}" if parts else ""}


def table(rows: Iterable[dict[str, Any]], keys: Sequence[str], *, first: Any, parent: Any = None,
          ranked: bool = False, unnamed: Any = None) -> dict[str, Any]:
    """Rows of ``indicators`` as a table for the templates: headers, then cells in ``keys`` order.
    ``unnamed`` names the row of cases without a group (filed above the level, or uncategorised)."""
    head = [{"label": COLUMNS[key][0], "key": key} for key in keys]
    unnamed = unnamed or _("（未细化到该层级）")
    body = []
    for row in rows:
        body.append({"rank": row.get("rank"), "name": row["name"] or unnamed,
                     "parent": row.get("parent", ""), "cells": [cell(row, key) for key in keys], "key": row["key"]})
    return {"first": first, "parent": parent, "head": head, "rows": body, "ranked": ranked}


# --- Charts (pygal, inlined without script or inline style: see registry.charts) ------------


def _style(colour: str = "#2f6fb5") -> Style:
    return Style(font_family=FONT, label_font_family=FONT, major_label_font_family=FONT, legend_font_family=FONT,
                 title_font_family=FONT, tooltip_font_family=FONT, value_font_family=FONT,
                 value_label_font_family=FONT, no_data_font_family=FONT, colors=(colour,))


def _count_label(value) -> str:
    if value is None or not float(value).is_integer():
        return ""
    return f"{int(value)}"


def category_chart_svg(rows: list[dict[str, Any]], *, title: str) -> str:
    """Cases reported per 大类 as horizontal bars, the most at the top (markup for ``.chart``)."""
    shown = sorted((row for row in rows if row["reported"]), key=lambda row: row["reported"])
    chart = pygal.HorizontalBar(
        style=_style(), js=[], disable_xml_declaration=True, width=720, height=max(240, 60 + 30 * len(shown)),
        show_legend=False, truncate_label=-1, no_data_text=_("暂无数据"), value_formatter=_count_label,
    )
    chart.x_labels = [row["name"] or _("（未分类）") for row in shown]
    chart.add(_("上报数"), [row["reported"] for row in shown])
    return _clean(chart.render(is_unicode=True), title)


def daily_chart_svg(days: list[tuple[dt.date, int]], *, title: str) -> str:
    """Cases reported per day as a line (markup for ``.chart``)."""
    chart = pygal.Line(
        style=_style(), js=[], disable_xml_declaration=True, width=720, height=300, show_legend=False,
        show_dots=len(days) <= 31, x_label_rotation=0 if len(days) <= 14 else 30, truncate_label=-1,
        no_data_text=_("暂无数据"), value_formatter=_count_label, include_x_axis=True,
        show_minor_x_labels=len(days) <= 14, x_labels_major_every=max(1, len(days) // 10),
    )
    chart.x_labels = [f"{day:%m-%d}" for day, _n in days]
    chart.add(_("上报数"), [n for _day, n in days] if any(n for _day, n in days) else [])
    return _clean(chart.render(is_unicode=True), title)


# --- Choosing a period and an area ----------------------------------------------------------

# The page opens on the last seven days: "本周" on a Monday morning showed zeros over months of cases.
PERIODS = (("last_7_days", gettext_lazy("近7天")), ("this_week", gettext_lazy("本周")),
           ("last_week", gettext_lazy("上周")), ("this_month", gettext_lazy("本月")),
           ("custom", gettext_lazy("自定义")))
DEFAULT_PERIOD = "last_7_days"


def area_options(user, scope: ind.Scope) -> list[Area]:
    """The streets and communities of the user's scope that the page can be narrowed to (one query)."""
    return list(Area.objects.visible_to(user).filter(ind.within_paths(scope.paths, "path"),
                                                       level__in=(Level.STREET, Level.COMMUNITY))
                .order_by("path").only("code", "name", "level", "path"))


class _AreaForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("区域"), required=False)

    def __init__(self, *args, areas: Sequence[Area], **kwargs):
        super().__init__(*args, **kwargs)
        indent = {Level.COMMUNITY: "　"}
        self.fields["area"].choices = [("", _("全部辖区"))] + [
            (area.code, f"{indent.get(area.level, '')}{area.name}") for area in areas]


class PeriodForm(_AreaForm):
    """The statistics page's choices; invalid values are reported and the defaults used instead."""

    period = forms.ChoiceField(label=gettext_lazy("统计周期"), choices=PERIODS, required=False)
    start = forms.DateField(label=gettext_lazy("开始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=gettext_lazy("结束日期"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    field_order = ["period", "start", "end", "area"]

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                self.add_error("start", _("自定义周期请填写开始和结束日期。"))
            elif end < start:
                self.add_error("end", _("结束日期不能早于开始日期。"))
            elif (end - start).days >= ind.MAX_PERIOD_DAYS:
                self.add_error("end", _("统计周期最长 %(n)d 天。") % {"n": ind.MAX_PERIOD_DAYS})
        return data


class BulletinForm(_AreaForm):
    week = forms.DateField(label=gettext_lazy("通报周（选该周任一天）"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    field_order = ["week", "area"]


@dataclass
class Selection:
    """A page's scope, period and choices, read from the query string."""

    scope: ind.Scope
    area: Area | None
    start: dt.datetime
    end: dt.datetime
    form: forms.Form
    label: str
    scope_name: str


def _scope_name(scope: ind.Scope, area: Area | None) -> str:
    if area is not None:
        return area.name
    if scope.is_department:
        return "、".join(Department.objects.filter(pk__in=scope.departments).order_by("code")
                        .values_list("name", flat=True))
    names = list(Area.objects.filter(path__in=scope.paths).order_by("path").values_list("name", flat=True))
    return "、".join(names) or _("辖区")


def _cleaned(form: forms.Form) -> dict[str, Any]:
    """The valid values of a bound form (invalid ones are left out and shown as errors)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _chosen_area(form: forms.Form, areas: Sequence[Area]) -> Area | None:
    code = _cleaned(form).get("area")
    return next((area for area in areas if area.code == code), None) if code else None


def _dates(start: dt.datetime, end: dt.datetime) -> str:
    last = timezone.localdate(end - dt.timedelta(microseconds=1))
    return _("%(start)s 至 %(end)s") % {"start": f"{timezone.localdate(start):%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}


def select_period(request, now: dt.datetime) -> Selection:
    """The statistics page's scope and period; ``PermissionDenied`` for users without statistics."""
    if not ind.may_view_statistics(request.user):
        raise PermissionDenied
    whole = ind.scope_for(request.user)
    areas = area_options(request.user, whole)
    form = PeriodForm(request.GET or None, areas=areas)
    data = _cleaned(form)
    period = data.get("period") or DEFAULT_PERIOD
    today = timezone.localdate(now)
    if period == "custom" and data.get("start") and data.get("end"):  # both valid (``clean`` drops bad ones)
        start, end = ind.day_bounds(data["start"], data["end"])
    elif period == "this_week":
        start, end = ind.week_bounds(today)
    elif period == "last_week":
        start, end = ind.week_bounds(today - dt.timedelta(days=7))
    elif period == "this_month":
        start, end = ind.month_bounds(today)
    else:
        period = DEFAULT_PERIOD
        start, end = ind.day_bounds(today - dt.timedelta(days=6), today)
    area = _chosen_area(form, areas)
    scope = ind.scope_for(request.user, area) if area is not None else whole
    label = f"{dict(PERIODS)[period]}（{_dates(start, end)}）"
    return Selection(scope=scope, area=area, start=start, end=end, form=form, label=label,
                     scope_name=_scope_name(scope, area))


# --- The statistics page ---------------------------------------------------------------------


def _cards(totals: dict[str, Any], keys: Sequence[str]) -> list[dict[str, Any]]:
    details = {
        "overdue": _("在办 %(open)d · 结案 %(late)d") % {"open": totals["overdue_open"], "late": totals["closed_late"]},
        "mean_handling_hours": _("%(n)d 件结案") % {"n": totals["handled"]},
        "satisfaction_rate": _("%(satisfied)d/%(n)d · 平均 %(mean)s 分") % {
            "satisfied": totals["satisfied"], "n": totals["ratings"], "mean": show(totals["mean_rating"], "score")},
    }
    cards = []
    for key in keys:
        label, kind = COLUMNS[key]
        parts = RATE_PARTS.get(key)
        detail = details.get(key) or (f"{totals[parts[0]]}/{totals[parts[1]]}" if parts else "")
        cards.append({"key": key, "label": label, "text": show(totals[key], kind), "detail": detail})
    return cards


def _area_levels(scope: ind.Scope) -> list[str]:
    """The levels below the top of the scope that get a table: streets and communities (grids are
    many; they are on the heat map and in the list of the busiest under it)."""
    if len(scope.paths) == 1:
        top = len(scope.paths[0].strip("/").split("/")[-1])  # the code length of the scope's one area
    else:
        top = CODE_LENGTH[Level.DISTRICT]
    return [level for level in (Level.STREET, Level.COMMUNITY) if CODE_LENGTH[level] > top]


def _cache_key(request, chosen: Selection) -> str:
    """One entry per scope counted (its areas, its departments), period, query string and language:
    two users who count the same cases share it, and nothing of a user's own is in the body."""
    scope = chosen.scope
    parts = (translation.get_language(), scope.paths, scope.departments, chosen.start.isoformat(),
             chosen.end.isoformat(), chosen.area.pk if chosen.area else None, request.GET.urlencode())
    return "cases:stats:" + hashlib.sha256(repr(parts).encode()).hexdigest()


@login_required
@require_GET
def statistics(request):
    """The statistics page. Its body (cards, tables, charts) takes 0.3–1 s to compute at 1,000,000
    cases (docs/scale.md): it is kept in the cache for ``GONGZHI_STATS_CACHE_SECONDS`` per scope and
    period, and the page says when it was computed."""
    now = timezone.now()
    chosen = select_period(request, now)
    seconds = settings.GONGZHI_STATS_CACHE_SECONDS
    key = _cache_key(request, chosen)
    kept = cache.get(key) if seconds > 0 else None
    if kept is None:
        kept = {"body": _statistics_body(request, chosen, now), "at": now}
        if seconds > 0:
            cache.set(key, kept, seconds)
    return render(request, "cases/stats.html", {
        "chosen": chosen, "form": chosen.form, "department_view": chosen.scope.is_department,
        "body": kept["body"],  # a SafeString from render_to_string (autoescaped), kept as one by the cache
        "computed_at": timezone.localtime(kept["at"]), "cache_seconds": seconds,
        "may_bulletin": has_perm(request.user, Perm.CASES_VIEW),
    })


def _statistics_body(request, chosen: Selection, now: dt.datetime) -> str:
    scope = chosen.scope
    facts = scope.collect(chosen.start, chosen.end, now=now)
    totals = facts.totals()
    department_view = scope.is_department
    area_keys = HANDLING_COLUMNS if department_view else AREA_COLUMNS
    # The level's own words (街道/乡镇, 社区/村, 网格/村民小组): towns and villages are listed too.
    level_labels = {level: Level(level).label for level in (Level.STREET, Level.COMMUNITY, Level.GRID)}
    area_tables = []
    for level in _area_levels(scope):
        rows = facts.by_area(level, include_empty=not department_view)
        area_tables.append({"level": level, "title": _("按%(level)s") % {"level": level_labels[level]},
                            "table": table(rows, area_keys, first=level_labels[level],
                                           parent=_("街道") if level == Level.COMMUNITY else None)})
    grids = sorted((row for row in facts.by_area("grid") if row["key"] is not None),
                   key=lambda row: (-row["reported"], row["key"]))[:GRID_ROWS_SHOWN]
    majors = facts.by_category(major=True)
    minors = facts.by_category(major=False)
    query = request.GET.urlencode()
    daily = facts.daily_reports()
    return render_to_string("cases/_stats_body.html", request=request, context={
        "department_view": department_view, "query": query,
        "cards": _cards(totals, DEPARTMENT_CARDS if department_view else CENTRE_CARDS), "totals": totals,
        "area_tables": area_tables,
        "department_table": table(facts.by_department(), HANDLING_COLUMNS if department_view else DEPARTMENT_COLUMNS,
                                  first=_("部门")),
        "major_table": table(majors, area_keys if department_view else CATEGORY_COLUMNS, first=_("大类"),
                             unnamed=_("（未分类）")),
        "minor_table": table(minors, area_keys if department_view else CATEGORY_COLUMNS, first=_("小类"),
                             parent=_("大类"), unnamed=_("（未分类）")),
        "grid_table": table(grids, area_keys, first=_("网格"), parent=_("社区")),
        "category_chart": category_chart_svg(majors, title=_("各大类上报量")),
        "daily": daily, "daily_chart": daily_chart_svg(daily, title=_("每日上报量")),
    })


@login_required
@require_GET
def stats_grids(request):
    """The heat map's data: the grids of the scope (GeoJSON polygons) with the cases reported in
    the period in each (``count``)."""
    chosen = select_period(request, timezone.now())
    scope = chosen.scope
    counts = dict(scope.cases.filter(reported_at__gte=chosen.start, reported_at__lt=chosen.end).order_by()
                  .values_list("area__code").annotate(n=Count("pk")))
    grids = (Area.objects.visible_to(request.user).filter(ind.within_paths(scope.paths, "path"), level=Level.GRID,
                                                          geometry__isnull=False)
             .order_by("path").values_list("code", "name", "geometry", "parent__name"))
    features = [{"type": "Feature", "geometry": geometry,
                 "properties": {"code": code, "name": name, "parent": parent or "", "count": counts.get(code, 0)}}
                for code, name, geometry, parent in grids]
    return JsonResponse({"type": "FeatureCollection", "features": features,
                         "period": {"start": chosen.start.isoformat(), "end": chosen.end.isoformat()}})


# --- The weekly bulletin (定期通报) ----------------------------------------------------------


@dataclass
class Bulletin:
    """One week's bulletin: what the page and the workbook show."""

    title: str
    scope_name: str
    week_label: str
    monday: dt.date
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    totals: dict[str, Any]
    departments: list[dict[str, Any]]
    communities: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    overdue: list[dict[str, Any]]


def week_label(monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    sunday = monday + dt.timedelta(days=6)
    return _("%(year)d年第%(week)d周（%(start)s 至 %(end)s）") % {
        "year": year, "week": week, "start": f"{monday:%Y-%m-%d}", "end": f"{sunday:%Y-%m-%d}"}


def _overdue_rows(facts: ind.Facts) -> list[dict[str, Any]]:
    cases = facts.overdue_cases()
    codes = {code for case in cases for code in case.where.path.strip("/").split("/")}
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    categories = dict(Category.objects.values_list("pk", "name"))
    departments = dict(Department.objects.values_list("pk", "name"))

    def at_level(path: str, level: str) -> str:
        code = next((c for c in path.strip("/").split("/") if len(c) == CODE_LENGTH[level]), None)
        return names.get(code, "") if code else ""

    return [{
        "pk": case.pk, "number": case.number, "category": categories.get(case.where.category, ""),
        "street": at_level(case.where.path, Level.STREET), "community": at_level(case.where.path, Level.COMMUNITY),
        "grid": at_level(case.where.path, Level.GRID), "department": departments.get(case.where.department, ""),
        "status": CaseStatus(case.status).label if case.status in CaseStatus.values else case.status,
        "handle_due": case.handle_due, "done_at": case.done_at,
        "kind": _("超期结案") if case.closed else _("超期在办"), "hours": case.overdue_hours,
    } for case in cases]


def build_bulletin(scope: ind.Scope, scope_name: str, monday: dt.date, *, now: dt.datetime) -> Bulletin:
    """The figures of the week starting ``monday``: totals, departments and communities ranked
    (``indicators.ranked``), 大类, and the overdue cases."""
    start, end = ind.week_bounds(monday)
    facts = scope.collect(start, end, now=now)
    communities = [row for row in facts.by_area("community", include_empty=True) if row["key"] is not None]
    return Bulletin(
        title=_("%(scope)s网格事件办理情况通报") % {"scope": scope_name}, scope_name=scope_name,
        week_label=week_label(monday), monday=monday, start=start, end=end, generated_at=now,
        totals=facts.totals(), departments=ind.ranked(facts.by_department()), communities=ind.ranked(communities),
        categories=facts.by_category(major=True), overdue=_overdue_rows(facts),
    )


def select_week(request, now: dt.datetime) -> tuple[Selection, dt.date]:
    """The bulletin's scope and week (default: last week, the latest complete one)."""
    if not has_perm(request.user, Perm.CASES_VIEW):
        raise PermissionDenied
    whole = ind.scope_for(request.user)
    areas = area_options(request.user, whole)
    form = BulletinForm(request.GET or None, areas=areas)
    day = _cleaned(form).get("week") or timezone.localdate(now) - dt.timedelta(days=7)
    monday = day - dt.timedelta(days=day.weekday())
    area = _chosen_area(form, areas)
    scope = ind.scope_for(request.user, area) if area is not None else whole
    start, end = ind.week_bounds(monday)
    return Selection(scope=scope, area=area, start=start, end=end, form=form, label=week_label(monday),
                     scope_name=_scope_name(scope, area)), monday


def _week_link(monday: dt.date, area: Area | None) -> str:
    return urlencode([("week", f"{monday:%Y-%m-%d}"), *([("area", area.code)] if area else [])])


@login_required
@require_GET
def bulletin(request):
    now = timezone.now()
    chosen, monday = select_week(request, now)
    data = build_bulletin(chosen.scope, chosen.scope_name, monday, now=now)
    this_monday = timezone.localdate(now) - dt.timedelta(days=timezone.localdate(now).weekday())
    return render(request, "cases/bulletin.html", {
        "chosen": chosen, "form": chosen.form, "bulletin": data,
        "summary": [{"label": COLUMNS[key][0], **cell(data.totals, key)} for key in SUMMARY_ROWS],
        "departments": table(data.departments, BULLETIN_DEPARTMENT_COLUMNS, first=_("部门"), ranked=True),
        "communities": table(data.communities, BULLETIN_COMMUNITY_COLUMNS, first=_("社区"), parent=_("街道"),
                             ranked=True),
        "categories": table(data.categories, BULLETIN_CATEGORY_COLUMNS, first=_("大类"), unnamed=_("（未分类）")),
        "overdue": data.overdue[:OVERDUE_ROWS_SHOWN], "overdue_count": len(data.overdue),
        "query": _week_link(monday, chosen.area),
        "previous_week": _week_link(monday - dt.timedelta(days=7), chosen.area),
        "next_week": _week_link(monday + dt.timedelta(days=7), chosen.area) if monday < this_monday else "",
    })


def _number_cell(ws, value: Any, kind: str):
    if value is None:
        return "—"
    if kind in ("rate", "hours", "score"):
        result = WriteOnlyCell(ws, value=round(value, 4) if kind == "rate" else round(value, 2))
        result.number_format = PERCENT_FORMAT if kind == "rate" else "0.0" if kind == "hours" else "0.00"
        return result
    return value


def _when(ws, value: dt.datetime | None):
    return moment_cell(ws, value, empty="—")


def _ranked_sheet(wb: GuardedWorkbook, title: str, rows: list[dict[str, Any]], keys: Sequence[str], *, names: Sequence[str],
                  ranked: bool) -> None:
    ws = wb.create_sheet(title=title)
    ws.append(bold_row(ws, [*([_("名次")] if ranked else []), *names, *(str(COLUMNS[key][0]) for key in keys)]))
    for row in rows:
        name_cells = [text_cell(ws, row.get("parent", "")), text_cell(ws, row["name"])] if len(names) == 2 else [
            text_cell(ws, row["name"] or _("（未分类）"))]
        ws.append([*([row["rank"]] if ranked else []), *name_cells,
                   *(_number_cell(ws, row[key], COLUMNS[key][1]) for key in keys)])


def write_bulletin(out, data: Bulletin, *, actor) -> None:
    """The bulletin as .xlsx: 汇总, 部门排名, 社区排名, 类别, 超期事件 (every text cell written as text)."""
    wb = new_workbook(write_only=True)
    summary = wb.create_sheet(title=_("汇总"))
    summary.column_dimensions["A"].width = 26
    summary.column_dimensions["B"].width = 40
    summary.append(bold_row(summary, [data.title]))
    for label, value in ((_("通报周期"), data.week_label), (_("范围"), data.scope_name),
                         (_("生成人"), getattr(actor, "display_name", "") or actor.username)):
        summary.append([text_cell(summary, label), text_cell(summary, value)])
    summary.append([text_cell(summary, _("生成时间")), _when(summary, data.generated_at)])
    summary.append([])
    summary.append(bold_row(summary, [_("指标"), _("数值"), _("构成")]))
    for key in SUMMARY_ROWS:
        label, kind = COLUMNS[key]
        parts = RATE_PARTS.get(key)
        summary.append([text_cell(summary, str(label)), _number_cell(summary, data.totals[key], kind),
                        f"{data.totals[parts[0]]}/{data.totals[parts[1]]}" if parts else ""])
    _ranked_sheet(wb, _("部门排名"), data.departments, BULLETIN_DEPARTMENT_COLUMNS, names=[_("部门")], ranked=True)
    _ranked_sheet(wb, _("社区排名"), data.communities, BULLETIN_COMMUNITY_COLUMNS, names=[_("街道"), _("社区")],
                  ranked=True)
    _ranked_sheet(wb, _("类别"), data.categories, BULLETIN_CATEGORY_COLUMNS, names=[_("大类")], ranked=False)
    ws = wb.create_sheet(title=_("超期事件"))
    ws.append(bold_row(ws, [_("事件编号"), _("类别"), _("街道"), _("社区"), _("网格"), _("主办部门"), _("状态"),
                             _("处置时限"), _("处置完成时间"), _("超期情形"), _("超时（工作小时）")]))
    for row in data.overdue:
        ws.append([text_cell(ws, row["number"]), text_cell(ws, row["category"]), text_cell(ws, row["street"]),
                   text_cell(ws, row["community"]), text_cell(ws, row["grid"]), text_cell(ws, row["department"]),
                   text_cell(ws, str(row["status"])), _when(ws, row["handle_due"]), _when(ws, row["done_at"]),
                   text_cell(ws, str(row["kind"])), _number_cell(ws, row["hours"], "hours")])
    if not data.overdue:
        ws.append([_("（本周没有超期事件）")])
    wb.save(out)


@login_required
@require_GET
def bulletin_xlsx(request):
    now = timezone.now()
    chosen, monday = select_week(request, now)
    data = build_bulletin(chosen.scope, chosen.scope_name, monday, now=now)
    out = io.BytesIO()
    write_bulletin(out, data, actor=request.user)
    out.seek(0)
    year, week, _day = monday.isocalendar()
    record(actor=request.user, action="cases.bulletin_export", object_type="cases.bulletin",
           object_id=f"{monday:%Y-%m-%d}", object_repr=data.title, request=request,
           after={"week": f"{monday:%Y-%m-%d}", "area": chosen.area.code if chosen.area else "",
                  "scope": list(chosen.scope.paths), "departments": len(data.departments),
                  "communities": len(data.communities), "overdue": len(data.overdue)})
    name = f"{_('事件办理通报')}-{data.scope_name}-{year}W{week:02d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


urls = [
    path("stats/", statistics, name="stats"),
    path("stats/grids.geojson", stats_grids, name="stats_grids"),
    path("bulletin/", bulletin, name="bulletin"),
    path("bulletin.xlsx", bulletin_xlsx, name="bulletin_xlsx"),
]
