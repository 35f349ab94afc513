"""CSRF on every state-changing route, found from the URL map: a POST (or PATCH) with a signed-in
session but without the CSRF token is refused 403 and changes nothing. Pages are refused by Django's
middleware, the API's session sign-in by ``core.api.SessionAuth``; bearer-token calls carry no
cookie to ride on and need no token. A view exempted from the check must be listed with its reason."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.security.routes import ROUTES
from tests.security.test_idor import ENDPOINTS, fill, fingerprint, is_api
from tests.urlmap import all_endpoints

pytestmark = pytest.mark.django_db

#: Exempt by design, with the reason.
CSRF_EXEMPT = {
    "open311:discovery": "Open311 GeoReport v2: a machine interface for other systems (API key, no session)",
    "open311:services": "Open311: machine interface (API key, no session)",
    "open311:service": "Open311: machine interface (API key, no session)",
    "open311:requests": "Open311: machine interface; a POST files a request with an API key or anonymously "
                        "(rate limited), never with the browser's session",
    "open311:request": "Open311: machine interface (API key, no session)",
    "open311:token": "Open311: machine interface (API key, no session)",
    "open311:not_found": "Open311: the JSON 404",
    "api:issue_token": "the API's sign-in: no session yet; answers the token in the body (unreadable cross-site)",
    "api:new_captcha": "a new image challenge for the API's sign-in: no session, changes nothing",
}


def csrf_exempt(endpoint) -> bool:
    """Django's flag on the view (a ninja URL carries it too: the API checks CSRF itself)."""
    return bool(getattr(endpoint.handler, "csrf_exempt", False)) and endpoint.methods == "*"


def test_views_without_the_csrf_check_are_listed():
    unlisted = [e.view_name for e in all_endpoints() if csrf_exempt(e) and e.view_name not in CSRF_EXEMPT]
    assert not unlisted, f"views exempt from CSRF without a reason in tests/security/test_csrf.py: {unlisted}"


def posts(site):
    """(endpoint, method, path, who) for every state-changing route the suite can fill."""
    for endpoint in all_endpoints():
        if endpoint.view_name in CSRF_EXEMPT:
            continue
        methods = ["POST"] if endpoint.methods == "*" else [m for m in endpoint.methods.split(",") if m != "GET"]
        target = ROUTES.get(endpoint.view_name)
        if endpoint.plain:
            path, who = endpoint.path, "admin"
        elif target is not None:
            path, who = fill(endpoint, target.kwargs(site)), target.insider
        else:
            continue  # the admin's object pages and the public pages by code: the same middleware
        for method in methods:
            yield endpoint, method, path, who


def test_every_post_without_the_token_is_refused(site):
    clients: dict[str, Client] = {}
    wrong, count = [], 0
    before = fingerprint()
    for endpoint, method, path, who in posts(site):
        if who not in clients:
            clients[who] = Client(enforce_csrf_checks=True)
            clients[who].force_login(site.users[who])
        client = clients[who]
        if is_api(endpoint) and endpoint.methods != "*":  # a ninja operation (the API's own CSRF check)
            response = client.generic(method, path, json.dumps({"note": "x"}), content_type="application/json")
            ok = response.status_code == 403 and b'"csrf_failed"' in response.content
        else:
            response = client.post(path, {"note": "跨站提交", "action": "accept"})
            ok = response.status_code == 403 and "表单已失效" in response.content.decode()
        count += 1
        if not ok:
            wrong.append(f"{method} {path} as {who}: {response.status_code}")
    assert count > 150
    assert not wrong, "state-changing routes that took a POST without the CSRF token:\n  " + "\n  ".join(wrong)
    assert fingerprint() == before
    assert set(CSRF_EXEMPT) <= set(ENDPOINTS)

