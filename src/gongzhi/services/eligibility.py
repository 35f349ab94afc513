"""Who may apply for an item: its conditions checked against the population registry before anything
is submitted, each failed condition with the reason a resident understands.

The rules (``ServiceItem.conditions``) all have to hold:
- ``{"rule": "min_age", "value": 80}`` — 年满 80 周岁 ("以上" includes the number: the 80th birthday counts);
- ``{"rule": "max_age", "value": 59}`` — not older than 59 in full years;
- ``{"rule": "registration", "value": "local"}`` — 户籍 (``Registration``) as recorded;
- ``{"rule": "group", "value": "disabled"}`` — registered in that special group;
- ``{"rule": "any_group", "value": ["a", "b"]}`` — in at least one of them.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from gongzhi.registry.choices import Registration

RULES = ("min_age", "max_age", "registration", "group", "any_group")


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Age in full years on ``day`` (a 29 February birthday counts on 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def reasons(item, person, *, today: datetime.date) -> list[str]:
    """Why ``person`` may not apply for ``item`` (empty: eligible), in the order of the item's rules."""
    if person.deceased or person.moved_out:
        return [_("申请人已迁出或已故。")]
    groups: set[str] | None = None
    found = []
    for condition in item.conditions or []:
        rule, value = condition.get("rule"), condition.get("value")
        if rule in ("min_age", "max_age"):
            if person.birth_date is None:
                found.append(_("人口库中没有申请人的出生日期，请先到社区核对登记信息。"))
                continue
            age = age_on(person.birth_date, today)
            if rule == "min_age" and age < int(value):
                found.append(_("须年满 %(n)s 周岁，申请人现年 %(age)s 周岁。") % {"n": value, "age": age})
            if rule == "max_age" and age > int(value):
                found.append(_("须不超过 %(n)s 周岁，申请人现年 %(age)s 周岁。") % {"n": value, "age": age})
        elif rule == "registration":
            if person.registration != value:
                wanted = dict(Registration.choices).get(value, value)
                found.append(_("须为本区%(wanted)s人口，人口库登记为“%(actual)s”。") % {
                    "wanted": wanted, "actual": person.get_registration_display() or _("未登记")})
        elif rule in ("group", "any_group"):
            if groups is None:
                groups = set(person.tags.values_list("group__code", flat=True))
            wanted = [value] if rule == "group" else list(value or [])
            if not groups & set(wanted):
                from gongzhi.registry.models import SpecialGroup

                # The groups by their names; a code is never shown (a group missing from the registry's
                # settings is named as such).
                names = "、".join(SpecialGroup.objects.filter(code__in=wanted).order_by("order")
                                 .values_list("name", flat=True)) or _("指定特殊人群")
                found.append(_("须为已登记的%(groups)s，人口库中没有申请人的该项登记。") % {"groups": names})
        else:
            found.append(_("事项条件配置有误（%(rule)s），请联系区级管理员。") % {"rule": rule})
    return found
