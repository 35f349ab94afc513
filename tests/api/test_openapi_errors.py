"""The OpenAPI document lists the error responses every operation really gives, with one
shared error schema ``{"detail", "code"}``; and real errors are of the documented statuses."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_the_errors_it_can_give(openapi):
    schemas = openapi["components"]["schemas"]
    error = schemas["ApiErrorOut"]
    assert set(error["required"]) == {"detail", "code"}
    seen = 0
    for path, method, operation in operations(openapi):
        seen += 1
        expected = {"400", "403", "404", "422"}
        if operation.get("security"):
            expected.add("401")
        if method != "get":
            expected.add("409")
        documented = {str(status) for status in operation["responses"]}
        assert expected <= documented, (method, path, expected - documented)
        for status in expected:
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ApiErrorOut"}, (method, path, status)
    assert seen >= 20


def test_the_token_operation_keeps_its_shape_and_documents_its_codes(openapi):
    token = openapi["paths"]["/api/v1/auth/token"]["post"]
    assert {"200", "401", "403"} <= {str(s) for s in token["responses"]}
    for code in ("locked", "password_expired", "password_change_required", "two_factor_setup_required"):
        assert code in token["description"]


def test_real_errors_are_documented_for_their_operation(client, openapi, api_token):
    """One real error of each kind, from the operations that give it, is listed in the document."""
    resident = api_token("resident")
    tries = [
        ("/api/v1/me", "get", client.get("/api/v1/me")),  # 401
        ("/api/v1/areas", "get", client.get("/api/v1/areas", **resident)),  # 403 (no areas.view)
        ("/api/v1/areas/{code}", "get", client.get("/api/v1/areas/0", **api_token("grid"))),  # 404
        ("/api/v1/areas", "get", client.get("/api/v1/areas?level=moon", **api_token("grid"))),  # 422
        ("/api/v1/auth/token", "post", client.post("/api/v1/auth/token", "{", content_type="application/json")),
    ]
    statuses = set()
    for path, method, response in tries:
        body = json.loads(response.content)
        assert set(body) >= {"detail", "code"}, body
        assert str(response.status_code) in {str(s) for s in openapi["paths"][path][method]["responses"]}, (
            path, response.status_code)
        statuses.add(response.status_code)
    assert statuses == {401, 403, 404, 422}
