"""The default catalogue shipped with Gongzhi (fixtures/default_catalogue.json), installed by a
migration and editable by district administrators afterwards.

Categories follow the families of the national digital urban management standard and the seeds'
community practice (市容环境, 环境卫生, 公共设施, 园林绿化, 治安隐患, 消防安全, 物业管理, 房屋安全,
邻里纠纷, 民生诉求, 疫情防控); handling limits in working hours echo the standard's examples
(exposed rubbish 4, street cleaning 2, illegal construction stopped within 4); limits of days are
given in working days (``handling_unit`` "workday", greenery 5). Categories handled by departments
may be whistled by the communities they serve (社区吹哨). Disputes and hardship requests are marked
sensitive: never listed publicly.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "default_catalogue.json"


def entries() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def install(category_model) -> int:
    """Create the default categories that do not exist yet (matched by code); return how many."""
    created = 0
    by_code = {c.code: c for c in category_model.objects.all()}
    # A migration passes the model as it was then: only the fields it had are filled.
    known = {f.name for f in category_model._meta.get_fields()}
    for entry in entries():
        if entry["code"] in by_code:
            continue
        values = {k: v for k, v in entry.items() if k in known}
        values["parent"] = by_code.get(entry["parent"]) if entry["parent"] else None
        for name in ("accept_hours", "dispatch_hours", "response_hours", "handling_hours"):
            if name in values:
                values[name] = Decimal(values[name])
        by_code[entry["code"]] = category_model.objects.create(**values)
        created += 1
    return created
