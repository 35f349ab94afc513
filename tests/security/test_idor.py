"""Every route with parameters, filled with a real object of 幸福社区, refuses everyone who may not
use that object: the same role in another area, a resident without staff permissions (404: the
object is not theirs to know of), and anonymous visitors (the sign-in page; 401 for the API).
A refused POST changes nothing. The routes come from the URL map and the OpenAPI schema; a route
with parameters that ``routes.py`` does not know fails ``test_every_route_is_covered``."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.db import connection
from django.forms.models import model_to_dict

from tests.security.routes import EXEMPT, ROUTES, exempt, outsiders
from tests.urlmap import Endpoint, all_endpoints

pytestmark = pytest.mark.django_db

REFUSED = (403, 404)
#: The same role in another area (or another resident): the object is not theirs to know of, 404.
#: A role without the permission may be told so (403) or not (404).
SAME_ROLE_ELSEWHERE = {"grid": {"grid2", "villagegrid"}, "community": {"village"}, "street": {"town"},
                       "dept": {"dept2"}, "resident": {"neighbour", "villager"}, "village": {"community"}}
#: Tables a refused request may write to: sessions, the audit trail, sign-in counters and caches.
UNWATCHED = ("django_session", "audit_", "accounts_loginfailure", "django_cache")
ENDPOINTS = {e.view_name: e for e in all_endpoints()}


def fill(endpoint: Endpoint, kwargs: dict) -> str:
    def value(match):
        name = match.group(1) or match.group(2)
        return str(kwargs[name])

    path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", value, endpoint.route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def is_api(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("api/")


def methods(endpoint: Endpoint) -> list[str]:
    return ["GET", "POST"] if endpoint.methods == "*" else endpoint.methods.split(",")


def request(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    body = {"note": "越权操作", "text": "越权", "action": "accept", "version": "1", "choice": "同意"}
    if method in ("PATCH", "PUT") or path.startswith("/api/"):
        return client.generic(method, path, data=json.dumps(body), content_type="application/json")
    return client.post(path, body)


def fingerprint(*objects) -> tuple:
    """Row counts of every table that a refused request must leave alone, and the objects' fields."""
    tables = [m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy
              and not m._meta.db_table.startswith(UNWATCHED)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables))
        counts = cursor.fetchone()
    fields = [model_to_dict(type(o).objects.get(pk=o.pk)) for o in objects if o is not None]
    return counts, repr(fields)


def test_every_route_is_covered():
    """A route with parameters needs an entry saying whose object fills it (or a reason it needs none)."""
    missing = [f"{e.view_name or '(unnamed)'} at /{e.route}" for e in all_endpoints()
               if e.kwargs and not (ROUTES.get(e.view_name) or exempt(e.view_name, e.route))]
    assert not missing, (
        "routes with URL parameters that the IDOR suite cannot fill: add each to ROUTES in "
        "tests/security/routes.py (the object of 幸福社区 it works on and the role that may use it), "
        "or to EXEMPT with the reason it holds no area's objects:\n  " + "\n  ".join(missing))
    stale = sorted(set(ROUTES) - set(ENDPOINTS)) + sorted(set(EXEMPT) - set(ENDPOINTS))
    assert not stale, f"entries for routes that no longer exist: {stale}"


def test_every_api_operation_is_in_the_url_map():
    """The OpenAPI schema and the URL map agree, so the routes above include the whole API."""
    from gongzhi.core.api import api

    walked = {("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", e.route).rstrip("/"), m)
              for e in all_endpoints() if is_api(e) and e.methods != "*" for m in e.methods.split(",")}
    schema = api.get_openapi_schema()
    documented = {(path.rstrip("/"), method.upper()) for path, ops in schema["paths"].items() for method in ops}
    assert documented and documented <= walked, sorted(documented - walked)


@pytest.mark.parametrize("view_name", sorted(ROUTES))
def test_only_who_may_use_the_object_reaches_it(site, view_name):
    endpoint = ENDPOINTS[view_name]
    target = ROUTES[view_name]
    path = fill(endpoint, target.kwargs(site))
    obj = getattr(site, target.obj) if target.obj else None
    verbs = methods(endpoint)
    if "GET" in verbs:
        response = site.clients[target.insider].get(path)
        assert response.status_code < 400 or response.status_code == 405, (
            f"{target.insider} (who may) GET {path}: {response.status_code}: the entry in routes.py is wrong")
    for method in verbs:
        before = fingerprint(obj)
        for username in outsiders(target):
            response = request(site.clients[username], method, path)
            elsewhere = username in SAME_ROLE_ELSEWHERE.get(target.insider, ())
            assert response.status_code in ((404, 405) if elsewhere else (*REFUSED, 405)), f"{username} {method} {path}: {response.status_code}"
        for username in target.unprivileged:
            response = request(site.clients[username], method, path)
            assert response.status_code < 500, f"{username} {method} {path}: {response.status_code}"
        response = request(site.clients["anonymous"], method, path)
        if is_api(endpoint):
            assert response.status_code == 401, f"anonymous {method} {path}: {response.status_code}"
        else:
            assert response.status_code in (302, 405), f"anonymous {method} {path}: {response.status_code}"
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (path, response["Location"])
        assert fingerprint(obj) == before, f"a refused {method} {path} changed something"
