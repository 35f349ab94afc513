"""Regressions found by the schemathesis run: errors stay JSON ``{"detail", "code"}``, never a 5xx."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_unsupported_method_is_a_json_405_naming_the_allowed_ones(client, api_token):
    response = client.delete("/api/v1/me", **api_token("street"))

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "method_not_allowed"
    assert response.json()["detail"]
    assert response["Allow"] == "GET"


def test_huge_page_number_is_rejected_as_invalid_not_a_server_error(client, api_token):
    response = client.get("/api/v1/areas?page=219601323726320800", **api_token("district"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_the_largest_allowed_page_is_simply_empty(client, api_token):
    response = client.get("/api/v1/areas?page=1000000", **api_token("district"))

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 151}


@pytest.mark.django_db
def test_a_nul_character_in_a_body_or_query_is_a_422(demo, api_token):
    from django.test import Client

    client = Client(**api_token("district"))
    response = client.post("/api/v1/organisations", {"kind": "owners_committee", "name": "x", "area": "3417\x0002"},
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"detail": "提交的内容含有不允许的空字符（U+0000），请删除后重新提交。",
                               "code": "nul_character"}
    # A raw NUL byte makes the body invalid JSON: the same answer, not ninja's English 400.
    response = client.post("/api/v1/organisations", b'{"kind": "owners_committee", "name": "a\x00b"}',
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "nul_character"
    response = client.post("/api/v1/organisations", b'{"kind": ', content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"detail": "请求体无法解析，请提交有效的 JSON。", "code": "invalid_body"}
    response = client.get("/api/v1/persons", {"q": "a\x00b"})
    assert response.status_code == 422 and response.json()["code"] == "nul_character"
