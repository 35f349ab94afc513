"""Demo data of the small-powers list and the property evaluation (``DemoStep`` "disclosure_powers").

The default catalogue and score sheet; about twenty exercises each for 幸福社区 and 青山村 over the
last months (some linked to a resident, privately); and for 幸福社区's estates a published evaluation of
the previous quarter, with satisfaction ratings of some of their residents. Deterministic and fast
(a few hundred rows)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.registry.models import Estate, Person

from . import defaults, property_services
from .models import (
    CriterionScore,
    EvaluationStatus,
    ExerciseOutcome,
    PowerExercise,
    PowerItem,
    PropertyEvaluation,
    PropertySettings,
    SatisfactionRating,
    ScoreCriterion,
)
from .powers_services import items_for

SEED = 13
COMMUNITY_SUFFIX = "001001"  # 幸福社区 in the demo district
VILLAGE_SUFFIX = "101201"  # 青山村
EXERCISES_EACH = 20
ESTATES_EVALUATED = 6
RATINGS_PER_ESTATE = 12

SUMMARIES = {
    "dibao_review": ["一户申请最低生活保障，已入户调查核实家庭收入和财产。", "一户申请特困供养，民主评议通过。",
                     "低保申请材料不全，已一次性告知需补充的材料。", "低保初审结果已张榜公示7天，无异议。"],
    "hardship_aid": ["一户因病致困申请临时救助，已核实并报街道审批。", "一户遭遇火灾申请临时救助，先行救助后补办手续。"],
    "certificate": ["出具居住证明一份。", "出具亲属关系证明一份，已核实户籍信息。", "申请事项不属于证明范围，已告知申请人。"],
    "party_member": ["确定入党积极分子一名。", "支部大会讨论接收预备党员一名。"],
    "public_funds": ["小区路灯维修方案经居民代表会议通过。", "老年食堂补贴使用情况已公开。"],
    "collective_assets": ["村集体闲置仓库出租方案经村民代表会议决议，进场公开交易。", "集体鱼塘承包到期，拟重新发包，已由村“两委”商议。"],
    "village_project": ["村道硬化工程完成比选，中标结果已公开。", "灌溉水渠修缮工程竣工验收合格。"],
    "homestead_review": ["一户宅基地申请经村民小组会议讨论通过并公示。", "宅基地申请不符合一户一宅规定，已退回。"],
}
OUTCOMES = [ExerciseOutcome.IN_PROGRESS, ExerciseOutcome.APPROVED, ExerciseOutcome.COMPLETED,
            ExerciseOutcome.COMPLETED, ExerciseOutcome.RETURNED, ExerciseOutcome.REJECTED]
COMMENTS = ["保洁到位，电梯年检及时；车辆停放仍需加强管理。", "绿化养护较好，报修响应偏慢，请限期整改。",
            "整体服务规范，公共收益公示及时。", "消防通道偶有堵塞，请加强巡查。"]


def _exercises(community: Area, rng: random.Random, today: datetime.date, recorder) -> list[PowerExercise]:
    items = list(items_for(community))
    people = list(Person.objects.filter(area__path__startswith=community.path, deceased=False)
                  .order_by("pk").values_list("pk", flat=True)[:200])
    rows = []
    for n in range(EXERCISES_EACH):
        item = items[n % len(items)]
        steps = list(item.steps.all())
        outcome = rng.choice(OUTCOMES)
        step = steps[-1] if outcome in (ExerciseOutcome.COMPLETED, ExerciseOutcome.APPROVED) else \
            steps[rng.randrange(len(steps))]
        subject = people[rng.randrange(len(people))] if people and item.code != "village_project" and \
            rng.random() < 0.6 else None
        rows.append(PowerExercise(
            item=item, area=community, date=today - datetime.timedelta(days=rng.randrange(1, 150)), step=step,
            outcome=outcome, public_summary=rng.choice(SUMMARIES.get(item.code, ["依规办理。"])),
            subject_id=subject, recorded_by=recorder))
    return PowerExercise.objects.bulk_create(rows)


def _evaluations(community: Area, rng: random.Random, recorder) -> int:
    year, quarter = property_services.previous_quarter(*property_services.current_quarter())
    criteria = list(ScoreCriterion.objects.filter(active=True))
    weight = PropertySettings.current().sheet_weight
    estates = list(Estate.objects.filter(area__path__startswith=community.path)
                   .select_related("property_company").order_by("pk")[:ESTATES_EVALUATED])
    for estate in estates:
        evaluation, created = PropertyEvaluation.objects.get_or_create(
            estate=estate, year=year, quarter=quarter,
            defaults={"company": estate.property_company,
                      "company_name": estate.property_company.name if estate.property_company else "",
                      "management_mode": estate.management_mode, "comments": rng.choice(COMMENTS),
                      "evaluated_by": recorder})
        if not created:
            continue
        scores = [CriterionScore(evaluation=evaluation, criterion=c, criterion_name=c.name, max_points=c.max_points,
                                 points=Decimal(rng.randrange(c.max_points * 6, c.max_points * 10 + 1)) / 10)
                  for c in criteria]
        CriterionScore.objects.bulk_create(scores)
        residents = list(Person.objects.filter(house__building__estate=estate, deceased=False, moved_out=False)
                         .order_by("pk").values_list("pk", flat=True)[:RATINGS_PER_ESTATE])
        ratings = [rng.choice((5, 5, 4, 4, 4, 3, 3, 2, 1)) for _ in residents]
        SatisfactionRating.objects.bulk_create([
            SatisfactionRating(estate=estate, year=year, quarter=quarter, person_id=pk, rating=r)
            for pk, r in zip(residents, ratings)])
        totals = property_services.combine(sum(s.points for s in scores), sum(s.max_points for s in scores),
                                           Decimal(sum(ratings)) / len(ratings) if ratings else 0, len(ratings),
                                           weight)
        for field in ("sheet_points", "sheet_max", "sheet_percent", "satisfaction", "rating_count", "sheet_weight",
                      "total"):
            setattr(evaluation, field, getattr(totals, field))
        evaluation.status = EvaluationStatus.PUBLISHED
        evaluation.published_at = timezone.now()
        evaluation.save()
    return len(estates)


@transaction.atomic
def build(district: Area, progress=print) -> bool:
    """Build the demo (``False`` when exercises exist already: nothing is added twice)."""
    from gongzhi.accounts.models import User

    defaults.install()
    if PowerExercise.objects.filter(area__path__startswith=district.path).exists():
        return False
    rng = random.Random(SEED)
    today = timezone.localdate()
    communities = Area.objects.filter(code__in=[district.code + COMMUNITY_SUFFIX, district.code + VILLAGE_SUFFIX])
    recorders = {u.username: u for u in User.objects.filter(username__in=["community", "village"])}
    made = 0
    for community in communities.order_by("code"):
        recorder = recorders.get("village" if community.in_village else "community")
        made += len(_exercises(community, rng, today, recorder))
    community = communities.filter(code=district.code + COMMUNITY_SUFFIX).first()
    estates = _evaluations(community, rng, recorders.get("community")) if community else 0
    progress(f"小微权力清单 {PowerItem.objects.count()} 项，运行记录 {made} 条，物业考评 {estates} 个小区 / "
             f"{PowerItem.objects.count()} powers, {made} exercises, {estates} estates evaluated")
    return True
