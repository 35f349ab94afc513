"""Property-based API fuzzing: schemathesis generates requests for every operation in
/api/v1/openapi.json and sends them to the WSGI application in-process.

Two passes: as the ``district`` demo account (the widest scope, Bearer token) and without
credentials. Neither may produce a 5xx, every status answered is one the document lists for the
operation (schemathesis' status_code_conformance), and every error is the JSON ``{"detail", "code"}``.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def in_process_requests():
    """Keep the test's database connection across in-process requests.

    A WSGI server closes "old" connections when a request starts and finishes; inside a test
    that would close the connection holding the test transaction. Django's test client
    disconnects the same handler around each request; these requests bypass the test client.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def district_headers(api_token):
    return {"Authorization": api_token("district")["HTTP_AUTHORIZATION"]}


# Loaded when the module is collected: the schema page needs no database. (schemathesis'
# fixture-based loader, ``schemathesis.pytest.from_fixture``, does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


def assert_error_is_json_with_code(response) -> None:
    if response.status_code < 400:
        return
    assert response.headers["content-type"][0].startswith("application/json"), response.text[:300]
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"], body
    assert "detail" in body, body


def test_the_schema_lists_the_operations_the_fuzzing_covers():
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    assert {"POST /api/v1/auth/token", "GET /api/v1/me", "GET /api/v1/areas", "GET /api/v1/areas/locate",
            "GET /api/v1/areas/{code}"} <= operations


def test_the_district_token_is_what_the_fuzzed_requests_carry(demo, district_headers):
    """The authenticated pass really is authenticated: the same call path answers 200 for /me."""
    me = schema["/api/v1/me"]["GET"].Case()
    response = me.call(headers=district_headers)
    assert response.status_code == 200
    assert json.loads(response.content)["username"] == "district"
    assert me.call().status_code == 401


@schema.parametrize()
@FUZZ
def test_no_server_error_as_district_admin(case, demo, district_headers):
    response = case.call(headers=district_headers)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
    assert_error_is_json_with_code(response)


@schema.parametrize()
@FUZZ
def test_no_server_error_without_credentials(case, demo):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
    assert_error_is_json_with_code(response)
