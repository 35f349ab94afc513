"""Suggestions for staff: the category classifier (keywords, then learning from corrections) and duplicates."""

import datetime

import pytest

from gongzhi.cases import classifier, services
from gongzhi.cases.duplicates import candidates, distance_metres
from gongzhi.cases.models import CaseEvent, ClassifierState

from .helpers import NOW

pytestmark = pytest.mark.django_db


def test_keywords_alone_suggest_a_category(cases_demo):
    classifier.train()
    category, probability = classifier.suggest("小区门口的井盖不见了，晚上很危险")
    assert category.code == "0302" and probability > 0.2
    category, _p = classifier.suggest("楼上装修噪音太大，中午也不停")
    assert category.code == "0901"


# Residents write "电驴" and "续电" for an e-bike and charging it, words the catalogue's keywords do not
# have; the keywords alone file these under 楼道堆物 (0602). Staff correct them to 电动车违规充电 (0503).
CORRECTED = ["电驴停在楼道里用插线板续电", "楼道拐角有电驴接着插线板续电",
             "楼梯间停着电驴，插线板从家里拉出来续电"]
NEW_REPORT = "楼梯间有人用插线板给电驴续电"


def report(demo, description, minutes):
    return services.report_case(actor=demo.users["resident"], description=description, lon=demo.lon, lat=demo.lat,
                                now=NOW + datetime.timedelta(minutes=minutes))


def test_classifier_improves_after_corrections(cases_demo, django_capture_on_commit_callbacks):
    """Staff correct the suggestion on three reports; the retraining each correction queues teaches the model."""
    classifier.train()
    before, confidence = classifier.suggest(NEW_REPORT)
    assert before.code == "0602" and confidence > 0.5  # confidently wrong
    reports = [report(cases_demo, text, n) for n, text in enumerate(CORRECTED)]
    assert [case.suggested_category.code for case in reports] == ["0602"] * 3
    confirmed = report(cases_demo, "小区门口的井盖不见了，晚上很危险", 10)
    assert confirmed.suggested_category.code == "0302"
    models = ClassifierState.objects.count()

    with django_capture_on_commit_callbacks() as queued:
        for case in reports:
            services.act(actor=cases_demo.users["community"], case=case, action="accept", category="0503")
        services.act(actor=cases_demo.users["community"], case=confirmed, action="accept", category="0302")
    corrections = CaseEvent.objects.filter(action="accept", data__corrected=True)
    assert sorted(corrections.values_list("case__number", flat=True)) == sorted(case.number for case in reports)
    assert CaseEvent.objects.get(case=confirmed, action="accept").data["corrected"] is False
    # Queued, not run yet: the model has not changed.
    assert ClassifierState.objects.count() == models
    assert classifier.suggest(NEW_REPORT)[0].code == "0602"

    for callback in queued:  # the transaction commits: the worker runs what was queued
        callback()
    # One retraining per correction, none for the confirmed suggestion; the last saw every accepted case.
    assert ClassifierState.objects.count() == models + len(reports)
    assert ClassifierState.objects.latest("pk").cases == len(reports) + 1
    after, probability = classifier.suggest(NEW_REPORT)
    assert after.code == "0503" and probability > 0.5
    fresh = report(cases_demo, NEW_REPORT, 20)
    assert fresh.suggested_category.code == "0503"
    # What the keywords already knew is not forgotten.
    assert classifier.suggest("小区门口的井盖不见了，晚上很危险")[0].code == "0302"


def test_report_stores_the_suggestion_when_no_category_is_given(cases_demo):
    classifier.train()
    case = services.report_case(actor=cases_demo.users["resident"], description="路灯坏了，晚上一片漆黑",
                                lon=cases_demo.lon, lat=cases_demo.lat)
    assert case.category is None and case.suggested_category.code == "0301" and case.suggestion_score > 0.2
    chosen = services.report_case(actor=cases_demo.users["resident"], description="路灯坏了，晚上一片漆黑",
                                  lon=cases_demo.lon, lat=cases_demo.lat, category="0303")
    assert chosen.suggested_category is None


def offset(lon, lat, metres_east, metres_north):
    import math

    return lon + metres_east / (111_320 * math.cos(math.radians(lat))), lat + metres_north / 111_320


def test_duplicates_nearby_recent_similar_same_family(cases_demo):
    classifier.train()
    demo = cases_demo
    first = services.report_case(actor=demo.users["resident"], description="幸福路88号门口垃圾堆积没人清理",
                                 lon=demo.lon, lat=demo.lat, category="0101", now=NOW)
    lon, lat = offset(demo.lon, demo.lat, 60, 30)
    second = services.report_case(actor=demo.users["grid"], description="幸福路88号门口有垃圾堆积",
                                  lon=lon, lat=lat, category="0102", now=NOW + datetime.timedelta(hours=5))
    found = candidates(second)
    assert [d.case for d in found] == [first]
    assert 60 < found[0].metres < 75 and found[0].similarity >= 0.2
    far_lon, far_lat = offset(demo.lon, demo.lat, 150, 0)
    far = services.report_case(actor=demo.users["grid"], description="幸福路88号门口垃圾堆积没人清理",
                               lon=far_lon, lat=far_lat, category="0101", now=NOW)
    later = services.report_case(actor=demo.users["grid"], description="幸福路88号门口垃圾堆积没人清理",
                                 lon=demo.lon, lat=demo.lat, category="0101", now=NOW + datetime.timedelta(hours=49))
    other_family = services.report_case(actor=demo.users["grid"], description="幸福路88号门口路灯坏了",
                                        lon=demo.lon, lat=demo.lat, category="0301", now=NOW)
    unlike = services.report_case(actor=demo.users["grid"], description="这里的问题需要处理一下吧",
                                  lon=demo.lon, lat=demo.lat, category="0104", now=NOW)
    assert first not in [d.case for d in candidates(far)]
    assert first not in [d.case for d in candidates(later)]
    assert first not in [d.case for d in candidates(other_family)]
    assert first not in [d.case for d in candidates(unlike)]


def test_distance_is_haversine():
    assert abs(distance_metres(117.0, 30.0, 117.0, 30.001) - 111.2) < 0.5


def test_the_suggestion_and_its_confidence_are_for_staff_not_for_the_reporter(cases_demo, client):
    classifier.train()
    case = services.report_case(actor=cases_demo.users["resident"], description="路灯坏了，晚上一片漆黑",
                                lon=cases_demo.lon, lat=cases_demo.lat)
    percent = round(case.suggestion_score * 100)
    client.force_login(cases_demo.users["resident"])
    mine = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="suggested-category"' not in mine and "置信度" not in mine and "推荐" not in mine
    assert f"{case.suggestion_score:.2f}" not in mine and "待社区确认" in mine
    client.force_login(cases_demo.users["community"])
    staff = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"推荐：{case.suggested_category}（置信度 {percent}%）" in staff
    assert f"{case.suggestion_score:.2f}" not in staff
