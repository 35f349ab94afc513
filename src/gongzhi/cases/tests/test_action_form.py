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
