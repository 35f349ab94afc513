"""The action form on the case page: bad input gets a message, never a 500; ``next`` stays on this site."""

import pytest

from gongzhi.cases.models import CaseStatus

from .helpers import case_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", ["abc", "1.5", "-", "1e3"])
def test_a_malformed_version_is_refused_with_a_message(client, cases_demo, version):
    case = case_in(cases_demo, "reported")
    client.force_login(cases_demo.users["community"])

    response = client.post(f"/cases/{case.pk}/act/", {"action": "accept", "category": "0303", "version": version},
                           follow=True)

    assert response.status_code == 200
    assert "版本号无效，请刷新页面后重试。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_the_api_refuses_a_malformed_version_as_json(client, cases_demo):
    case = case_in(cases_demo, "reported")
    client.force_login(cases_demo.users["community"])

    response = client.post(f"/api/v1/cases/{case.pk}/actions", {"action": "accept", "category": "0303", "version": "x"},
                           content_type="application/json")

    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_the_current_version_as_text_is_accepted(client, cases_demo):
    case = case_in(cases_demo, "reported")
    client.force_login(cases_demo.users["community"])

    client.post(f"/cases/{case.pk}/act/", {"action": "accept", "category": "0303", "version": str(case.version)})

    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "\\\\evil.example", "javascript:alert(1)", "http://testserver.evil.example/"])
def test_next_never_leaves_the_site(client, cases_demo, target):
    case = case_in(cases_demo, "reported")
    client.force_login(cases_demo.users["community"])

    response = client.post(f"/cases/{case.pk}/act/", {"action": "accept", "category": "0303", "next": target})

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"


def test_next_within_the_site_is_followed(client, cases_demo):
    case = case_in(cases_demo, "reported")
    client.force_login(cases_demo.users["community"])

    response = client.post(f"/cases/{case.pk}/act/", {"action": "accept", "category": "0303",
                                                      "next": "/cases/?queue=accepted"})

    assert response.status_code == 302 and response["Location"] == "/cases/?queue=accepted"


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_action_says_what_comes_next(client, cases_demo):
    """Before: after 报到签收 the page said only "已完成“报到签收”" and the next step was not obvious."""
    case = case_in(cases_demo, "dispatched")
    client.force_login(cases_demo.users["dept"])
    response = client.post(f"/cases/{case.pk}/act/", {"action": "acknowledge"}, follow=True)
    assert _messages(response) == ["已完成“报到签收”。下一步：开始处置。"]


def test_asking_for_more_time_says_it_waits_for_approval(client, cases_demo):
    """Before: "已完成“延期”" while the department had only filed a request the street must approve."""
    case = case_in(cases_demo, "acknowledged")
    client.force_login(cases_demo.users["dept"])
    response = client.post(f"/cases/{case.pk}/act/", {"action": "extend", "hours": "24", "note": "需协调施工队"},
                           follow=True)
    assert _messages(response) == ["已提交延期申请（24 小时），待审批。"]
    assert "申请延期 24 小时" in response.content.decode()  # the pending request is shown on the case
