"""Use cases of the property evaluation: the score sheet and its weights (district), the 居委会's
quarterly evaluation of each estate's property company (community staff, scoped), residents'
satisfaction ratings and the published result. Every write is audited.

The total: ``sheet percent × w + satisfaction × (100 − w)`` over 100, where the sheet percent is the
points given over the sheet's maximum (× 100), the satisfaction is the mean rating mapped linearly
to 0–100 (非常满意 5 → 100, 满意 4 → 75, 基本满意 3 → 50, 不满意 2 → 25, 非常不满意 1 → 0) and
``w`` the sheet weight (default 70). A quarter without a resident rating is scored on the sheet alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record
from gongzhi.registry.models import Estate
from gongzhi.registry.on_behalf import OnBehalf, community_of
from gongzhi.registry.verification import ensure_verified

from .models import (
    CriterionScore,
    EvaluationStatus,
    PropertyEvaluation,
    PropertySettings,
    SatisfactionRating,
    ScoreCriterion,
)

ONE_PLACE = Decimal("0.1")


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def current_quarter() -> tuple[int, int]:
    return quarter_of(timezone.localdate())


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_label(year: int, quarter: int) -> str:
    return _("%(year)d年第%(quarter)d季度") % {"year": year, "quarter": quarter}


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    sheet_points: Decimal
    sheet_max: int
    sheet_percent: Decimal
    satisfaction: Decimal | None  # None: nobody rated
    rating_count: int
    sheet_weight: int
    total: Decimal


def satisfaction_percent(mean_rating) -> Decimal:
    """A mean rating 1–5 as 0–100."""
    return (Decimal(str(mean_rating)) - 1) * 25


def combine(sheet_points, sheet_max: int, mean_rating, rating_count: int, sheet_weight: int) -> Totals:
    """The evaluation's figures (see the module's description), each rounded to one place at the end."""
    points = Decimal(str(sheet_points))
    percent = points * 100 / sheet_max if sheet_max else Decimal(0)
    satisfaction = satisfaction_percent(mean_rating) if rating_count else None
    if satisfaction is None:
        total = percent
    else:
        total = (percent * sheet_weight + satisfaction * (100 - sheet_weight)) / 100
    return Totals(sheet_points=_round(points), sheet_max=sheet_max, sheet_percent=_round(percent),
                  satisfaction=None if satisfaction is None else _round(satisfaction), rating_count=rating_count,
                  sheet_weight=sheet_weight, total=_round(total))


# --- Configuration -------------------------------------------------------------------------------

def _require_configure(actor) -> None:
    if not has_perm(actor, Perm.DISCLOSURE_CONFIGURE):
        raise PermissionDenied


@transaction.atomic
def save_criterion(*, actor, criterion: ScoreCriterion | None = None, request=None, **values) -> ScoreCriterion:
    _require_configure(actor)
    creating = criterion is None
    criterion = criterion or ScoreCriterion()
    fields = ("name", "description", "max_points", "sort", "active")
    before = None if creating else {f: getattr(criterion, f) for f in fields}
    for field in fields:
        if field in values:
            setattr(criterion, field, values[field])
    criterion.full_clean()
    criterion.save()
    record(actor=actor, action="disclosure.criterion_save", obj=criterion, before=before,
           after={f: getattr(criterion, f) for f in fields}, request=request)
    return criterion


@transaction.atomic
def set_sheet_weight(*, actor, sheet_weight: int, request=None) -> PropertySettings:
    _require_configure(actor)
    if not isinstance(sheet_weight, int) or not 0 <= sheet_weight <= 100:
        raise ValidationError({"sheet_weight": _("权重须为0到100之间的整数。")})
    settings = PropertySettings.current()
    before = {"sheet_weight": settings.sheet_weight}
    settings.sheet_weight = sheet_weight
    settings.save()
    record(actor=actor, action="disclosure.property_weight", object_type="disclosure.propertysettings",
           object_id="1", object_repr=str(_("物业考评设置")), before=before, after={"sheet_weight": sheet_weight},
           request=request)
    return settings


# --- Evaluations ---------------------------------------------------------------------------------

def may_evaluate(actor, estate: Estate) -> bool:
    return has_perm(actor, Perm.DISCLOSURE_PUBLISH, estate.area)


def _check_quarter(year: int, quarter: int) -> None:
    if quarter not in (1, 2, 3, 4) or (year, quarter) > current_quarter() or year < 2000:
        raise ValidationError(_("只能考评本季度或以前的季度。"))


def parse_points(raw, criterion: ScoreCriterion) -> Decimal:
    """The points typed for ``criterion``: a number 0 … its maximum, at most one decimal place."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValidationError(_("请填写“%(name)s”的得分。") % {"name": criterion.name})
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(name)s”的得分须是数字。") % {"name": criterion.name}) from None
    if not value.is_finite() or value < 0 or value > criterion.max_points:
        raise ValidationError(_("“%(name)s”的得分须在0到%(max)d分之间。") % {
            "name": criterion.name, "max": criterion.max_points})
    if value != value.quantize(ONE_PLACE):
        raise ValidationError(_("“%(name)s”的得分最多保留一位小数。") % {"name": criterion.name})
    return value


@transaction.atomic
def save_evaluation(*, actor, estate: Estate, year: int, quarter: int, points: dict, comments: str = "",
                    request=None) -> PropertyEvaluation:
    """Create or change the (unpublished) evaluation of ``estate`` for the quarter. ``points`` maps a
    criterion's id (as text or int) to the points typed; every active criterion must be scored."""
    if not may_evaluate(actor, estate):
        raise PermissionDenied
    _check_quarter(year, quarter)
    evaluation = (PropertyEvaluation.objects.select_for_update().filter(estate=estate, year=year, quarter=quarter)
                  .first())
    if evaluation is not None and evaluation.status == EvaluationStatus.PUBLISHED:
        raise ValidationError(_("该季度的考评结果已公布，不能再修改。"))
    criteria = list(ScoreCriterion.objects.filter(active=True))
    if not criteria:
        raise ValidationError(_("考评表还没有启用的考评项目，请联系区级管理员配置。"))
    errors: dict[str, list] = {}
    values = {}
    for criterion in criteria:
        try:
            values[criterion] = parse_points(points.get(str(criterion.pk), points.get(criterion.pk)), criterion)
        except ValidationError as error:
            errors[f"points_{criterion.pk}"] = error.messages
    comments = (comments or "").strip()
    if len(comments) > 1000:
        errors["comments"] = [_("考评意见不能超过1000个字。")]
    if errors:
        raise ValidationError(errors)
    creating = evaluation is None
    before = None if creating else {
        "comments": evaluation.comments, **{s.criterion_name: str(s.points) for s in evaluation.scores.all()}}
    evaluation = evaluation or PropertyEvaluation(estate=estate, year=year, quarter=quarter)
    company = estate.property_company if estate.property_company_id else None
    evaluation.company = company
    evaluation.company_name = company.name if company else ""
    evaluation.management_mode = estate.management_mode
    evaluation.comments = comments
    evaluation.evaluated_by = actor
    evaluation.save()
    evaluation.scores.all().delete()
    CriterionScore.objects.bulk_create([
        CriterionScore(evaluation=evaluation, criterion=c, criterion_name=c.name, max_points=c.max_points, points=v)
        for c, v in values.items()])
    record(actor=actor, action="disclosure.evaluation_save", obj=evaluation, before=before, request=request,
           after={"comments": comments, **{c.name: str(v) for c, v in values.items()}})
    return evaluation


def satisfaction_of(estate: Estate, year: int, quarter: int) -> tuple[Decimal | None, int]:
    """The mean rating and the number of ratings of ``estate`` for the quarter."""
    row = SatisfactionRating.objects.filter(estate=estate, year=year, quarter=quarter).aggregate(
        mean=Avg("rating"), n=Count("pk"))
    return row["mean"], row["n"]


def preview(evaluation: PropertyEvaluation) -> Totals:
    """The figures the evaluation would be published with now."""
    scores = list(evaluation.scores.all())
    mean, count = satisfaction_of(evaluation.estate, evaluation.year, evaluation.quarter)
    return combine(sum((s.points for s in scores), Decimal(0)), sum(s.max_points for s in scores), mean or 0, count,
                   PropertySettings.current().sheet_weight)


@transaction.atomic
def publish_evaluation(*, actor, evaluation: PropertyEvaluation, request=None) -> PropertyEvaluation:
    """Fix the figures (sheet, satisfaction counted now, weight now) and publish the quarter's result;
    residents' ratings for the quarter close with it."""
    evaluation = PropertyEvaluation.objects.select_for_update().select_related("estate__area").get(pk=evaluation.pk)
    if not may_evaluate(actor, evaluation.estate):
        raise PermissionDenied
    if evaluation.status == EvaluationStatus.PUBLISHED:
        raise ValidationError(_("该季度的考评结果已公布。"))
    if not evaluation.scores.exists():
        raise ValidationError(_("请先填写考评表再公布。"))
    totals = preview(evaluation)
    for field in ("sheet_points", "sheet_max", "sheet_percent", "satisfaction", "rating_count", "sheet_weight",
                  "total"):
        setattr(evaluation, field, getattr(totals, field))
    evaluation.status = EvaluationStatus.PUBLISHED
    evaluation.published_at = timezone.now()
    evaluation.save()
    record(actor=actor, action="disclosure.evaluation_publish", obj=evaluation, request=request, after={
        "sheet_percent": totals.sheet_percent, "satisfaction": totals.satisfaction,
        "rating_count": totals.rating_count, "sheet_weight": totals.sheet_weight, "total": totals.total})
    return evaluation


# --- Residents' satisfaction ---------------------------------------------------------------------

def resident_estate(user) -> Estate | None:
    """The estate the verified resident lives in (their house's building's estate), if any."""
    from gongzhi.registry.verification import resident_person

    return person_estate(resident_person(user))


def person_estate(person) -> Estate | None:
    """The estate a current resident lives in (their house's building's estate), if any."""
    if person is None or person.moved_out or person.deceased or not person.house_id:
        return None
    house = person.house
    if not house.building_id:
        return None
    return Estate.objects.select_related("property_company", "area").filter(buildings=house.building_id).first()


def rate(*, user, estate: Estate, rating, on_behalf: OnBehalf | None = None, request=None) -> SatisfactionRating:
    """The verified resident's rating of ``estate``'s property company for the current quarter: once
    per resident per estate per quarter (the database refuses a second), while the quarter is open.
    With ``on_behalf`` staff (``disclosure.publish`` in the estate's area) enter a resident's rating
    for them (代办); it is the resident's and counts once the same way."""
    acting = None
    if on_behalf is not None:
        acting = on_behalf.check(staff=user, area=community_of(estate.area), perm=Perm.DISCLOSURE_PUBLISH)
        person = acting.person
        if person_estate(person) != estate:
            raise ValidationError(_("%(name)s不住在本小区，不能代为评价本小区的物业服务。") % {
                "name": person.real_name})
    else:
        person = ensure_verified(user)
        if resident_estate(user) != estate:
            raise ValidationError(_("只能评价您居住的小区的物业服务。"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in (1, 2, 3, 4, 5):
        raise ValidationError({"rating": _("请选择满意程度。")})
    year, quarter = current_quarter()
    if PropertyEvaluation.objects.filter(estate=estate, year=year, quarter=quarter,
                                         status=EvaluationStatus.PUBLISHED).exists():
        raise ValidationError(_("本季度的考评结果已公布，评价已截止。"))
    try:
        with transaction.atomic():
            entry = SatisfactionRating.objects.create(estate=estate, year=year, quarter=quarter, person=person,
                                                      rating=rating, **(acting.fields() if acting else {}))
    except IntegrityError:
        if acting is not None:
            raise ValidationError(_("%(name)s本季度已评价过本小区的物业服务（本人在网上或经工作人员代办），"
                                    "每季度只能评价一次。") % {"name": person.real_name}) from None
        raise ValidationError(_("您本季度已评价过本小区的物业服务（本人或经社区工作人员代办），每季度只能评价一次。")) from None
    if acting is not None:
        record(actor=user, action="disclosure.property_rate_on_behalf", obj=entry, request=request,
               after={"estate": estate.pk, "year": year, "quarter": quarter, "rating": rating, **acting.audit()})
        acting.notify(title=_("社区工作人员已代您评价%(estate)s的物业服务") % {"estate": estate.name},
                      kind="disclosure")
    else:
        record(actor=user, action="disclosure.property_rate", obj=entry, request=request,
               after={"estate": estate.pk, "year": year, "quarter": quarter, "rating": rating})
    return entry


def my_rating(user, estate: Estate) -> SatisfactionRating | None:
    from gongzhi.registry.verification import resident_person

    person = resident_person(user)
    year, quarter = current_quarter()
    if person is None:
        return None
    return SatisfactionRating.objects.filter(person=person, estate=estate, year=year, quarter=quarter).first()
