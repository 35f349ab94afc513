"""Property-based API fuzzing: schemathesis generates requests for every operation in
/api/v1/openapi.json and sends them to the WSGI application in-process.

Stateless: every generated request is sent as the ``district`` demo account (the widest scope,
Bearer token) and without credentials, and in turn as a ``grid`` worker or a ``resident`` (one
example in ``ROLE_SPREAD`` each; all of them in ``./gz bench fuzz``), so an example is generated
once for all the accounts it is sent as. Stateful: schemathesis' state machine follows the
OpenAPI links the document declares (``core.api.add_links``: create or list ``/x`` → read, change or
act on ``/x/{pk}``), as each of the three accounts. None may produce a 5xx, every status answered
is one the document lists for the operation (``status_code_conformance``), every body matches the
schema the document gives for that status (``response_schema_conformance``), and every error is
the JSON ``{"detail", "code"}``.

Bounded here (``FUZZ``, ``STATEFUL``); ``./gz bench fuzz`` runs the same checks with many more
examples (bench/scenarios/fuzz.py).
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

# PostgreSQL refuses what SQLite lets through (NUL characters, over-long text, out-of-range
# integers): the PostgreSQL lane of ./gz test fuzzes; ``./gz bench fuzz`` runs deeper on either.
pytestmark = pytest.mark.strict_database

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

# ``./gz bench fuzz`` raises the bounds through these variables and reads what was checked from
# GZ_FUZZ_REPORT (bench/scenarios/fuzz.py); the suite runs with the defaults.
# The suite's 12 a operation (25 took 2–3 minutes a lane; ``./gz bench fuzz`` runs 400).
EXAMPLES = int(os.environ.get("GZ_FUZZ_EXAMPLES", "12"))
STATEFUL_EXAMPLES = int(os.environ.get("GZ_FUZZ_STATEFUL_EXAMPLES", "10"))
# The district account and anonymous get every example; the grid worker and the resident one in
# ROLE_SPREAD each, in turn (every example with GZ_FUZZ_ROLE_SPREAD=1, as the bench runs), so the
# suite's run costs about one more authenticated request per two examples, not two per example.
ROLE_SPREAD = int(os.environ.get("GZ_FUZZ_ROLE_SPREAD", "4"))
SENT = itertools.count()
CHECKED = {"responses": 0, "stateful_steps": 0}

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
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


ROLES = ("district", "grid", "resident")
STATEFUL = settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=6, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def district_headers(api_token):
    return {"Authorization": api_token("district")["HTTP_AUTHORIZATION"]}


@pytest.fixture
def role_headers(api_token):
    """Bearer headers per demo account (``None``: no credentials)."""
    headers = {name: {"Authorization": api_token(name)["HTTP_AUTHORIZATION"]} for name in ROLES}
    headers[None] = None
    return headers


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


@pytest.fixture(autouse=True, scope="module")
def report_what_was_checked():
    yield
    if os.environ.get("GZ_FUZZ_REPORT"):
        with open(os.environ["GZ_FUZZ_REPORT"], "w") as out:
            json.dump({**CHECKED, "operations": len(list(schema.get_all_operations()))}, out)


def check(case, response) -> None:
    CHECKED["responses"] += 1
    case.validate_response(response, checks=CHECKS)
    assert_error_is_json_with_code(response)


def test_the_document_links_operations_that_chain():
    """Links are worked out from the paths; these must be among them (the stateful fuzzing needs them)."""
    links = {(op.ok().method.upper(), op.ok().path, name)
             for op in schema.get_all_operations()
             for response in op.ok().definition.raw["responses"].values()
             for name in response.get("links", {})}
    assert {("POST", "/api/v1/cases", "gongzhi_cases_api_get_case"),
            ("POST", "/api/v1/cases", "gongzhi_cases_api_act"),
            ("GET", "/api/v1/cases", "gongzhi_cases_api_get_case"),
            ("POST", "/api/v1/persons", "gongzhi_registry_api_update_person"),
            ("POST", "/api/v1/votes", "gongzhi_deliberation_api_cast_ballot"),
            ("GET", "/api/v1/areas", "gongzhi_areas_api_get_area")} <= links


@schema.parametrize()
@FUZZ
def test_no_server_error_as_any_role_or_anonymous(case, demo, role_headers):
    n = next(SENT)
    for username, headers in role_headers.items():
        if username in ("grid", "resident") and ROLE_SPREAD > 1 and \
                n % ROLE_SPREAD != (1 if username == "grid" else (ROLE_SPREAD // 2 + 1) % ROLE_SPREAD):
            continue
        check(case, case.call(headers=headers) if headers else case.call())


class Workflow(schema.as_state_machine()):
    """Chains of calls following the links, as one account; every answer checked as above."""

    headers: dict = {}
    followed: list = []  # (link, status) of each step whose parameters a declared link filled

    def get_call_kwargs(self, case):
        return {"headers": self.headers}

    def step(self, input):
        output = super().step(input)
        CHECKED["stateful_steps"] += 1
        if input.transition is not None and not input.transition.is_inferred and input.applied_parameters:
            self.followed.append((input.transition.id, output.response.status_code))
        return output

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        check(case, response)


@pytest.fixture
def records(demo):
    """A person and a case in the demo grid, so lists have something to link to."""
    from gongzhi.areas.models import Area
    from gongzhi.cases import services
    from gongzhi.registry.tests.factories import GRID, make_person

    lon, lat = Area.objects.get(code=GRID).centroid
    services.report_case(actor=demo.users["resident"], description="幸福路人行道地砖破损，容易绊倒行人", lon=lon, lat=lat)
    make_person(grid=GRID)


@pytest.mark.parametrize("username", ROLES)
def test_linked_calls_never_fail(username, demo, records, role_headers):
    Workflow.headers = role_headers[username]
    Workflow.followed = []
    Workflow.run(settings=STATEFUL)


def test_a_declared_link_leads_to_the_record_it_names(demo, records, role_headers):
    """Following a link as the document declares it (list of cases → one case) reaches that case.

    Checked directly: whether the stateful run above happens to follow a link to a live record
    depends on what it generates, which changes with the ids the data before it left behind.
    """
    listing = schema["/api/v1/cases"]["GET"]
    link = listing.definition.raw["responses"]["200"]["links"]["gongzhi_cases_api_get_case"]
    (param, expression), = link["parameters"].items()
    assert expression.startswith("$response.body#")
    response = listing.Case().call(headers=role_headers["district"])
    assert response.status_code == 200
    value = json.loads(response.content)
    for part in expression.removeprefix("$response.body#").strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    case = schema["/api/v1/cases/{%s}" % param]["GET"].Case(path_parameters={param: value})
    linked = case.call(headers=role_headers["district"])
    assert linked.status_code == 200, linked.content[:300]
    check(case, linked)
    assert json.loads(linked.content)["id"] == value
