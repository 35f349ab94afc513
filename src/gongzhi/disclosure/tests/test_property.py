"""The property evaluation: score validation, scoping, the weights' boundaries, residents' satisfaction
(one rating per resident per estate per quarter, by the database), publishing and the configuration."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gongzhi.audit.models import AuditEntry
from gongzhi.disclosure import property_services as services
from gongzhi.disclosure.models import PropertyEvaluation, PropertySettings, SatisfactionRating, ScoreCriterion

from .conftest import COMMUNITY, make_person

pytestmark = pytest.mark.django_db


def full_marks() -> dict:
    return {str(c.pk): str(c.max_points) for c in ScoreCriterion.objects.filter(active=True)}


def url(estate) -> str:
    year, quarter = services.current_quarter()
    return f"/disclosure/property/estates/{estate.pk}/{year}-Q{quarter}/"


# --- The total -----------------------------------------------------------------------------------

@pytest.mark.parametrize("points, top, mean, count, weight, sheet, satisfaction, total", [
    (100, 100, 5, 10, 70, "100.0", "100.0", "100.0"),  # full marks everywhere
    (0, 100, 1, 10, 70, "0.0", "0.0", "0.0"),  # nothing anywhere
    (100, 100, 1, 3, 70, "100.0", "0.0", "70.0"),  # the weight exactly
    (0, 100, 5, 3, 70, "0.0", "100.0", "30.0"),
    (80, 100, 3, 4, 100, "80.0", "50.0", "80.0"),  # weight 100: the sheet alone
    (80, 100, 3, 4, 0, "80.0", "50.0", "50.0"),  # weight 0: satisfaction alone
    (90, 100, 4, 2, 70, "90.0", "75.0", "85.5"),
    (45, 90, 2, 1, 50, "50.0", "25.0", "37.5"),  # the sheet as a percentage of its maximum
    (Decimal("66.7"), 100, Decimal("4.5"), 2, 70, "66.7", "87.5", "72.9"),  # 46.69 + 26.25 = 72.94
    (Decimal("0.5"), 200, 3, 1, 70, "0.3", "50.0", "15.2"),  # 0.25 → 0.3 half up; 0.175 + 15 → 15.2
    (72, 100, 0, 0, 70, "72.0", None, "72.0"),  # nobody rated: the sheet alone, whatever the weight
])
def test_totals_with_weights_at_the_boundaries(points, top, mean, count, weight, sheet, satisfaction, total):
    t = services.combine(points, top, mean, count, weight)
    assert str(t.sheet_percent) == sheet
    assert (None if t.satisfaction is None else str(t.satisfaction)) == satisfaction
    assert str(t.total) == total and t.rating_count == count and t.sheet_weight == weight


# --- Evaluations ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("21", "须在0到20分之间"), ("-1", "须在0到20分之间"), ("abc", "须是数字"), ("", "请填写“环境卫生”的得分"),
    ("12.25", "最多保留一位小数"), ("NaN", "须在0到20分之间"), ("1e3", "须在0到20分之间"),
])
def test_each_score_is_checked_against_its_criterion(login_as, estate, value, message):
    client = login_as("community")
    sanitation = ScoreCriterion.objects.get(name="环境卫生")
    data = {f"points_{k}": v for k, v in full_marks().items()}
    data[f"points_{sanitation.pk}"] = value
    response = client.post(url(estate.estate), {**data, "action": "save"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PropertyEvaluation.objects.exists()


def test_staff_save_preview_and_publish_an_evaluation(login_as, demo, estate):
    client = login_as("community")
    page = client.get(url(estate.estate)).content.decode()
    assert "池州阳光物业服务有限公司" in page and "环境卫生（满分20分）" in page
    data = {f"points_{k}": v for k, v in full_marks().items()}
    sanitation = ScoreCriterion.objects.get(name="环境卫生")
    data[f"points_{sanitation.pk}"] = "15.5"  # 95.5 of 100
    response = client.post(url(estate.estate), {**data, "comments": "保洁需加强。", "action": "save"})
    assert response.status_code == 302
    evaluation = PropertyEvaluation.objects.get()
    assert evaluation.status == "draft" and evaluation.company_name == "池州阳光物业服务有限公司"
    assert AuditEntry.objects.filter(action="disclosure.evaluation_save", object_id=str(evaluation.pk)).exists()
    services.rate(user=demo.users["resident"], estate=estate.estate, rating=4)  # 75
    preview = client.get(url(estate.estate)).content.decode()
    assert "89.4" in preview  # 95.5 × 0.7 + 75 × 0.3 = 89.35 → 89.4
    response = client.post(url(estate.estate), {"action": "publish"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.total, evaluation.satisfaction, evaluation.rating_count) == (
        "published", Decimal("89.4"), Decimal("75.0"), 1)
    assert AuditEntry.objects.filter(action="disclosure.evaluation_publish").exists()
    # Published: final, and the quarter's ratings are closed.
    response = client.post(url(estate.estate), {**data, "action": "save"})
    assert response.status_code == 200 and PropertyEvaluation.objects.get().comments == "保洁需加强。"
    with pytest.raises(ValidationError, match="已公布"):
        services.save_evaluation(actor=demo.users["community"], estate=estate.estate, year=evaluation.year,
                                 quarter=evaluation.quarter, points=full_marks())
    from gongzhi.registry.verification import verify_at_counter
    from gongzhi.accounts.models import User

    neighbour = User.objects.create_user(username="zhang", password="x", real_name="张秀英")
    neighbour.role_assignments.create(role="resident", area=estate.grid)
    verify_at_counter(demo.users["community"], neighbour, estate.zhang)
    with pytest.raises(ValidationError, match="评价已截止"):
        services.rate(user=User.objects.get(pk=neighbour.pk), estate=estate.estate, rating=5)


def test_evaluations_are_scoped_to_the_community(login_as, demo, estate):
    assert login_as("village").get(url(estate.estate)).status_code == 404
    assert "阳光小区" not in login_as("village").get("/disclosure/property/").content.decode()
    assert login_as("resident").get("/disclosure/property/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_evaluation(actor=demo.users["village"], estate=estate.estate,
                                 year=services.current_quarter()[0], quarter=services.current_quarter()[1],
                                 points=full_marks())
    assert "阳光小区" in login_as("street").get("/disclosure/property/").content.decode()  # the street above


def test_a_future_quarter_cannot_be_evaluated(login_as, estate):
    year, quarter = services.current_quarter()
    future = (year + 1, 1)
    assert login_as("community").get(
        f"/disclosure/property/estates/{estate.estate.pk}/{future[0]}-Q{future[1]}/").status_code == 404


# --- Residents' satisfaction ---------------------------------------------------------------------

def test_one_rating_per_resident_per_estate_per_quarter_by_the_database(estate):
    year, quarter = services.current_quarter()
    SatisfactionRating.objects.create(estate=estate.estate, year=year, quarter=quarter, person=estate.zhang, rating=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionRating.objects.create(estate=estate.estate, year=year, quarter=quarter, person=estate.zhang,
                                          rating=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionRating.objects.create(estate=estate.estate, year=year, quarter=quarter, person=estate.wang,
                                          rating=6)  # outside the five levels
    # Another quarter is another rating.
    SatisfactionRating.objects.create(estate=estate.estate, year=year - 1, quarter=quarter, person=estate.zhang,
                                      rating=3)
    assert SatisfactionRating.objects.count() == 2


def test_the_verified_resident_rates_once_through_the_page(login_as, estate):
    client = login_as("resident")
    page = client.get("/disclosure/property/rate/").content.decode()
    assert "阳光小区" in page and "非常满意" in page and "非常不满意" in page
    assert client.post("/disclosure/property/rate/", {"rating": "5"}).status_code == 302
    assert SatisfactionRating.objects.get().rating == 5
    assert AuditEntry.objects.filter(action="disclosure.property_rate").exists()
    assert "您本季度的评价：非常满意" in client.get("/disclosure/property/rate/").content.decode()
    again = client.post("/disclosure/property/rate/", {"rating": "1"})
    assert "每季度只能评价一次" in again.content.decode()
    assert SatisfactionRating.objects.get().rating == 5


def test_only_residents_of_the_estate_rate(demo, estate):
    from gongzhi.areas.models import Area
    from gongzhi.registry.models import Estate

    other = Estate.objects.create(area=Area.objects.get(code="34170200100102"), name="和平小区")
    with pytest.raises(ValidationError, match="只能评价您居住的小区"):
        services.rate(user=demo.users["resident"], estate=other, rating=5)
    with pytest.raises(PermissionDenied):  # not verified
        services.rate(user=demo.users["villager"], estate=estate.estate, rating=5)
    with pytest.raises(ValidationError, match="请选择满意程度"):
        services.rate(user=demo.users["resident"], estate=estate.estate, rating=7)


# --- Configuration -------------------------------------------------------------------------------

def test_only_the_district_configures_the_sheet_and_weights(login_as, demo, estate):
    assert login_as("community").get("/disclosure/property/sheet/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.set_sheet_weight(actor=demo.users["community"], sheet_weight=50)
    client = login_as("district")
    assert client.get("/disclosure/property/sheet/").status_code == 200
    assert client.post("/disclosure/property/sheet/", {"form": "weight", "sheet_weight": "101"}).status_code == 200
    assert PropertySettings.current().sheet_weight == 70
    assert client.post("/disclosure/property/sheet/", {"form": "weight", "sheet_weight": "60"}).status_code == 302
    assert PropertySettings.current().sheet_weight == 60
    response = client.post("/disclosure/property/sheet/", {"form": "criterion", "c-name": "垃圾分类",
                                                           "c-max_points": "10", "c-sort": "70", "c-active": "on"})
    assert response.status_code == 302 and ScoreCriterion.objects.get(name="垃圾分类").max_points == 10
    sanitation = ScoreCriterion.objects.get(name="环境卫生")
    response = client.post("/disclosure/property/sheet/", {"form": "criterion", "criterion": sanitation.pk,
                                                           "c-name": "环境卫生", "c-max_points": "0", "c-sort": "10"})
    assert response.status_code == 200 and ScoreCriterion.objects.get(pk=sanitation.pk).max_points == 20
    assert AuditEntry.objects.filter(action="disclosure.property_weight").exists()
    assert AuditEntry.objects.filter(action="disclosure.criterion_save").exists()


def test_the_public_property_page_shows_published_results_without_raters(client, demo, estate):
    year, quarter = services.current_quarter()
    evaluation = services.save_evaluation(actor=demo.users["community"], estate=estate.estate, year=year,
                                          quarter=quarter, points=full_marks(), comments="服务良好。")
    draft = client.get(f"/disclosure/{COMMUNITY}/property/").content.decode()
    assert "阳光小区" in draft and "托管" in draft and "尚未公布考评结果" in draft and "服务良好" not in draft
    services.rate(user=demo.users["resident"], estate=estate.estate, rating=3)
    services.publish_evaluation(actor=demo.users["community"], evaluation=evaluation)
    html = client.get(f"/disclosure/{COMMUNITY}/property/").content.decode()
    assert "池州阳光物业服务有限公司" in html and "服务良好。" in html and "85.0" in html  # 100 × .7 + 50 × .3
    assert "1 人参评" in html
    for secret in ("王居民", "周书记", estate.wang.id_number, estate.wang.phone, "3栋501室"):
        assert secret not in html
    _ = make_person  # (the fixture's helper)


def test_the_rating_page_guides_the_unverified_and_those_without_an_estate(login_as, demo, estate):
    page = login_as("villager").get("/disclosure/property/rate/").content.decode()
    assert "此功能须先完成实名核验" in page and 'name="rating"' not in page
    assert login_as("villager").post("/disclosure/property/rate/", {"rating": "5"}).status_code == 200
    assert not SatisfactionRating.objects.exists()
    estate.wang.house = None
    estate.wang.save()
    page = login_as("resident").get("/disclosure/property/rate/").content.decode()
    assert "不属于任何小区" in page and 'name="rating"' not in page


def test_publishing_before_saving_says_why(login_as, estate):
    client = login_as("community")
    response = client.post(url(estate.estate), {"action": "publish"})
    assert response.status_code == 200 and "请先填写考评表再公布" in response.content.decode()
    assert not PropertyEvaluation.objects.exists()
