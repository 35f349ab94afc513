"""District administrators configure the case loop: categories and their limits, routing rules and the
working calendar. Every change needs ``cases.configure`` and is audited with its before and after."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Department
from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.audit.services import record

from . import holidays
from .errors import InvalidInput, NotAllowed
from .models import CalendarDay, Category, DayKind, DaySource, HandlingLevel, LimitUnit, LoopSettings, RoutingRule

CATEGORY_FIELDS = ("name", "default_level", "accept_hours", "dispatch_hours", "response_hours", "handling_hours",
                   "handling_unit", "urgent_hours", "limit_unit", "community_whistle", "keywords", "sensitive", "active",
                   "sort")


def _require(actor, area: Area | None = None) -> None:
    if not has_perm(actor, Perm.CASES_CONFIGURE, area):
        raise NotAllowed(_("您没有配置事件类别、派遣规则和工作日历的权限。"))


def _validated(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        fields = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        raise InvalidInput(" ".join(fields.values()), fields=fields) from None


def _snapshot(category: Category) -> dict[str, Any]:
    values = {name: getattr(category, name) for name in CATEGORY_FIELDS}
    values = {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}
    values["departments"] = sorted(d.code for d in category.departments.all())
    return values


def _decimal(value, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("请填写小时数。"), fields={name: "invalid"}) from None


def save_category(*, actor, category: Category | None = None, parent: Category | None = None, code: str = "",
                  departments: list[Department] | None = None, request=None, **values) -> Category:
    """Create (with ``code`` and ``parent`` for a 小类) or change a category; audited."""
    _require(actor)
    creating = category is None
    if creating:
        category = Category(code=(code or "").strip(), parent=parent)
    before = {} if creating else _snapshot(category)
    for name in CATEGORY_FIELDS:
        if name in values and values[name] is not None:
            value = values[name]
            if name == "urgent_hours" and value == "":
                value = None
            elif name.endswith("_hours"):
                value = _decimal(value, name)
            if name == "default_level" and value not in HandlingLevel.values:
                raise InvalidInput(_("处置层级不正确。"), fields={name: "invalid"})
            if name == "limit_unit" and value not in (LimitUnit.WORKING, LimitUnit.CALENDAR):
                raise InvalidInput(_("时限单位不正确。"), fields={name: "invalid"})
            if name == "handling_unit" and value not in LimitUnit.values:
                raise InvalidInput(_("时限单位不正确。"), fields={name: "invalid"})
            setattr(category, name, value)
    _validated(category)
    with transaction.atomic():
        category.save()
        if departments is not None:
            category.departments.set(departments)
        record(actor=actor, action="cases.category_create" if creating else "cases.category_update", obj=category,
               before=before, after=_snapshot(category), request=request)
    return category


def save_rule(*, actor, rule: RoutingRule | None = None, request=None, name: str, category: Category, area: Area,
              department: Department, assist: list[Department] | None = None, geometry: dict | None = None,
              active: bool = True) -> RoutingRule:
    """Create or change a routing rule (in an area the administrator holds ``cases.configure`` for)."""
    _require(actor, area)
    creating = rule is None
    rule = rule or RoutingRule()
    before = {} if creating else {"name": rule.name, "category": rule.category.code, "area": rule.area.code,
                                  "department": rule.department.code, "geometry": rule.geometry is not None}
    rule.name, rule.category, rule.area, rule.department = (name or "").strip(), category, area, department
    rule.geometry, rule.active = geometry, active
    _validated(rule)
    with transaction.atomic():
        rule.save()
        rule.assist.set([d for d in (assist or []) if d.pk != department.pk])
        record(actor=actor, action="cases.rule_create" if creating else "cases.rule_update", obj=rule,
               before=before, after={"name": rule.name, "category": category.code, "area": area.code,
                                     "department": department.code, "geometry": geometry is not None,
                                     "active": active}, request=request)
    return rule


def delete_rule(*, actor, rule: RoutingRule, request=None) -> None:
    _require(actor, rule.area)
    with transaction.atomic():
        record(actor=actor, action="cases.rule_delete", obj=rule, before={"name": rule.name}, request=request)
        rule.delete()


def set_day(*, actor, date: datetime.date, kind: str | None, name: str = "", request=None) -> CalendarDay | None:
    """Mark ``date`` as a rest day or an adjusted working day, or (``kind`` None) back to the weekly rule."""
    _require(actor)
    existing = CalendarDay.objects.filter(date=date).first()
    before = {"kind": existing.kind, "name": existing.name} if existing else {}
    with transaction.atomic():
        if kind is None:
            if existing is not None:
                existing.delete()
            record(actor=actor, action="cases.calendar_update", object_repr=str(date), before=before,
                   after={}, request=request)
            return None
        if kind not in DayKind.values:
            raise InvalidInput(_("日期类型不正确。"), fields={"kind": "invalid"})
        day, _created = CalendarDay.objects.update_or_create(date=date, defaults={
            "kind": kind, "name": (name or "")[:50], "source": DaySource.LOCAL})
        record(actor=actor, action="cases.calendar_update", object_repr=str(date), before=before,
               after={"kind": kind, "name": day.name}, request=request)
    return day


def install_official_year(*, actor, year: int, request=None) -> int:
    """Load the State Council's arrangement for ``year`` (see ``holidays``); returns the days changed."""
    _require(actor)
    try:
        changed = holidays.install_year(year)
    except (KeyError, ValueError) as error:
        raise InvalidInput(str(error.args[0]) if error.args else str(error), fields={"year": "unknown"}) from None
    record(actor=actor, action="cases.calendar_install", object_repr=str(year), after={"changed": changed},
           request=request)
    return changed


def configurable_districts(actor) -> list[tuple[Area, bool]]:
    """The districts whose loop settings ``actor`` may change, each with whether it closes on verification."""
    from gongzhi.accounts.permissions import perm_paths
    from gongzhi.areas.models import Level

    paths = perm_paths(actor, Perm.CASES_CONFIGURE)
    districts = [area for area in Area.objects.filter(level=Level.DISTRICT).order_by("code")
                 if any(area.path.startswith(path) for path in paths)]
    closing = set(LoopSettings.objects.filter(district_code__in=[d.code for d in districts], close_after_verify=True)
                  .values_list("district_code", flat=True))
    return [(district, district.code in closing) for district in districts]


def set_close_after_verify(*, actor, district: Area, close: bool, request=None) -> LoopSettings:
    """Whether ``district`` closes a case as soon as it is verified (else the centre closes it); audited."""
    _require(actor, district)
    row, _created = LoopSettings.objects.get_or_create(district_code=district.code)
    before = {"close_after_verify": row.close_after_verify}
    with transaction.atomic():
        row.close_after_verify = bool(close)
        row.save(update_fields=["close_after_verify", "updated_at"])
        record(actor=actor, action="cases.loop_settings", object_repr=district.name, before=before,
               after={"close_after_verify": row.close_after_verify}, request=request)
    return row
