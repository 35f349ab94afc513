"""Which demo department is responsible for which category family (used by the demo and the tests)."""

from __future__ import annotations

from gongzhi.accounts.models import Department

from .models import Category

# 大类 code → department code of the demo district (区城市管理局 CG, 住建 ZJ, 市场监管 SJ, 应急 YJ, 民政 MZ, 公安 GA).
FAMILY_DEPARTMENTS = {
    "01": "CG", "02": "CG", "03": "CG", "04": "CG", "05": "GA", "06": "YJ", "07": "ZJ", "08": "ZJ", "09": "MZ",
    "10": "MZ", "11": "MZ", "12": "CG",
}
# 小类 whose body differs from their family's.
MINOR_DEPARTMENTS = {"0103": "SJ", "0801": "CG", "0305": "YJ"}


def link_departments() -> int:
    """Set each 小类's responsible department from the tables above (idempotent); return how many were linked."""
    departments = {d.code: d for d in Department.objects.all()}
    linked = 0
    for category in Category.objects.minor().select_related("parent").prefetch_related("departments"):
        code = MINOR_DEPARTMENTS.get(category.code) or FAMILY_DEPARTMENTS.get(category.parent.code)
        department = departments.get(code)
        if department is not None and department not in category.departments.all():
            category.departments.add(department)
            linked += 1
    return linked
