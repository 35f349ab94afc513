"""Demo disclosures: a year of published items and monthly financial statements for 幸福社区 and
青山村, with residents' questions and answers. 幸福社区's 服务 category is left overdue so the
overdue notice shows. Independent of the number of residents (a few dozen rows per community)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.areas.models import Area

from . import services_finances, services_items
from .models import Body, Category, DisclosureItem, EntryKind, FinanceCategory

COMMUNITY_CODE = "001001"  # 幸福社区 (after the district code)
VILLAGE_CODE = "101201"  # 青山镇青山村
OVERDUE_CATEGORY = {COMMUNITY_CODE: Category.SERVICE}  # left without a publication for two quarters

ORDINARY = {
    Category.AFFAIRS: (Body.COMMITTEE, "{q}{word}务公开", [
        "一、本季度召开{resident}会议 1 次、{resident}代表会议 2 次，议定事项：{project}。",
        "二、救助审批：本季度新增最低生活保障 3 户、临时救助 5 户，名单已在公示栏公示七日，无异议。",
        "三、{resident}反映的问题共 42 件，已办结 39 件，其余 3 件正在办理。",
    ]),
    Category.PARTY: (Body.PARTY, "{q}党务公开", [
        "一、党组织召开支部委员会 3 次、党员大会 1 次，开展主题党日活动 3 次。",
        "二、本季度收缴党费情况已核对无误，发展入党积极分子 1 名（已公示）。",
        "三、党员联系服务群众：走访困难家庭 26 户，帮办实事 11 件。",
    ]),
    Category.SERVICE: (Body.SERVICE_STATION, "{q}便民服务公开", [
        "一、党群服务中心办理各类事项 318 件，其中代办 64 件，均在承诺时限内办结。",
        "二、服务时间：工作日 8:30—17:30，周六上午值班；节假日值班安排见公示栏。",
        "三、本季度开展志愿服务活动 9 场，参与志愿者 120 人次。",
    ]),
}
PROJECTS = ["老旧小区雨污分流改造方案", "楼道照明更换", "停车位划线与收费办法", "健身广场修缮", "垃圾分类投放点调整"]
INCOME = [(FinanceCategory.GRANT, "上级拨付社区工作经费", 20000, 40000),
          (FinanceCategory.COLLECTIVE, "门面房租金收入", 6000, 12000),
          (FinanceCategory.DONATION, "辖区单位捐赠（助学）", 2000, 5000)]
EXPENSE = [(FinanceCategory.OFFICE, "购买办公用品", 800, 2500),
           (FinanceCategory.WELFARE, "发放困难群众慰问金", 3000, 8000),
           (FinanceCategory.PUBLIC_GOOD, "公共设施维修", 2000, 9000),
           (FinanceCategory.ACTIVITIES, "文体活动经费", 1000, 4000)]
QUESTIONS = [
    ("本月支出中“公共设施维修”具体修了哪些地方？", "主要用于更换两处楼道照明和修补健身广场地面，票据已在公示栏张贴，欢迎查看。"),
    ("低保名单在哪里可以看到？", "名单在社区公示栏公示七日；为保护个人信息，网上只公开户数和金额。"),
]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _quarters(today: datetime.date, count: int) -> list[tuple[datetime.date, datetime.date]]:
    """The last ``count`` finished quarters, oldest first."""
    start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarters = []
    for _n in range(count):
        end = start - datetime.timedelta(days=1)
        start = datetime.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
        quarters.append((start, end))
    return list(reversed(quarters))


def _build_area(area: Area, today: datetime.date, asker, rng: random.Random) -> int:
    word = "村" if area.in_village else "居"
    resident = "村民" if area.in_village else "居民"
    count = 0
    skip = OVERDUE_CATEGORY.get(area.code[6:])
    quarters = _quarters(today, 4)
    for index, (start, end) in enumerate(quarters):
        label = f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
        published = min(end + datetime.timedelta(days=8), today)
        for category, (body, title, lines) in ORDINARY.items():
            if category == skip and index >= len(quarters) - 2:
                continue
            content = "\n".join(lines).format(resident=resident, project=PROJECTS[index % len(PROJECTS)])
            item = services_items.create_item(actor=None, area=area, category=category, body=body,
                                              title=title.format(q=label, word=word), content=content,
                                              period_start=start, period_end=end, major=False, decided_on=None,
                                              now=_at(published, 9))
            services_items.publish(actor=None, item=item, now=_at(published))
            count += 1
    decided = today - datetime.timedelta(days=40)
    major = services_items.create_item(
        actor=None, area=area, category=Category.AFFAIRS, body=Body.COMMITTEE,
        title=f"关于{PROJECTS[0]}的决议公开",
        content=f"经{resident}代表会议表决通过：实施{PROJECTS[0]}，总投资约 86 万元，资金来源为上级补助和专项资金。"
                f"\n施工期间如有意见，请在本页提问或到{word}委会反映。",
        period_start=decided, period_end=decided + datetime.timedelta(days=90), major=True, decided_on=decided,
        now=_at(decided + datetime.timedelta(days=1), 9))
    services_items.publish(actor=None, item=major, now=_at(decided + datetime.timedelta(days=2)))
    count += 1
    # Twelve months of books; each finished month's statement published early the next month.
    month = services_finances.month_start(today)
    months = []
    for _n in range(12):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    voucher = 0
    for month in reversed(months):
        last = services_finances.month_end(month)
        for kind, choices, per_month in ((EntryKind.INCOME, INCOME, 2), (EntryKind.EXPENSE, EXPENSE, 3)):
            for category, summary, low, high in rng.sample(choices, per_month):
                voucher += 1
                services_finances.add_entry(
                    actor=None, area=area, date=month.replace(day=rng.randint(1, last.day)),
                    voucher=f"记-{month:%Y%m}-{voucher:03d}", kind=kind, category=category,
                    amount=Decimal(rng.randint(low, high)) + Decimal(rng.randint(0, 99)) / 100,
                    summary=summary, handled_by="会计")
        published = min(last + datetime.timedelta(days=5), today)
        services_finances.publish_statement(actor=None, area=area, month=month, now=_at(published))
        count += 1
    if asker is not None:
        item = DisclosureItem.objects.filter(area=area, statement_month=months[0]).first()
        for number, (text, answer) in enumerate(QUESTIONS):
            question = services_items.ask(actor=asker, area=area, text=text, item=item if number == 0 else None,
                                          now=_at(today - datetime.timedelta(days=10 - number)))
            services_items.answer(actor=None, question=question, text=answer,
                                  now=_at(today - datetime.timedelta(days=8 - number)))
        services_items.ask(actor=asker, area=area, text=f"{word}委会下季度有没有加装电梯的计划？",
                           now=_at(today - datetime.timedelta(days=1)))
    return count


def build(district: Area, *, today: datetime.date | None = None,
          progress: Callable[[str], None] | None = None) -> int | None:
    """Build the demo disclosures; ``None`` when the demo community already has some."""
    from gongzhi.accounts.models import User

    today = today or timezone.localdate()
    code = district.code[:6]
    areas = list(Area.objects.filter(code__in=[code + COMMUNITY_CODE, code + VILLAGE_CODE]).order_by("code"))
    if not areas or DisclosureItem.objects.filter(area__in=areas).exists():
        return None
    askers = {u.username: u for u in User.objects.filter(username__in=["resident", "villager"])}
    rng = random.Random(f"disclosure:{code}")
    total = 0
    with transaction.atomic():
        for area in areas:
            asker = askers.get("villager" if area.in_village else "resident")
            total += _build_area(area, today, asker, rng)
    if progress is not None:
        progress(f"公开事项 {total} 条 / disclosures")
    return total
