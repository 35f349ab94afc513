"""The routes without parameters (lists, forms, downloads), found from the URL map: anonymous
visitors get the sign-in page (401 from the API and the JSON endpoints), residents get no staff
page, and neither changes anything by posting. A new route is covered without an entry; one that
is open to visitors or to residents must be listed below with the reason."""

from __future__ import annotations

import pytest

from tests.security.test_idor import fingerprint, is_api, request
from tests.urlmap import all_endpoints

pytestmark = pytest.mark.django_db

#: Open to everyone, with the reason.
PUBLIC = {
    "/healthz": "the load balancer's health check (no data)",
    "/api/v1/openapi.json": "the API's published description",
    "/api/v1/docs": "the API's documentation page",
    "/api/v1/": "the API root (a 404 naming the documentation)",
    "/accounts/login/": "the sign-in page",
    "/api/v1/auth/token": "signing in for a token (the API's sign-in; lockout and throttle as the page)",
    "/api/v1/auth/captcha": "a new image challenge for the API's sign-in",
    "/accounts/signup/resend/": "resident sign-up: another SMS code (rate limited per phone and address)",
    "/accounts/signup/": "resident sign-up",
    "/accounts/signup/confirm/": "resident sign-up, second step (redirects to the first without one)",
    "/field/manifest.webmanifest": "the field app's web manifest (installable app, no data)",
    "/field/sw.js": "the field app's service worker script (no data)",
    "/disclosure/": "the public disclosure index (公开)",
    "/services/verify/": "the form to verify a certificate by its serial (公开: what its QR code opens)",
    "/": "the home page (sign-in and the platform's features)",
}
#: Answer anonymous visitors 401 JSON rather than the sign-in page: called by scripts, not browsed.
JSON_401 = ("/api/", "/field/data/", "/field/sync/", "/map/tiles/")

#: What a resident (without staff roles) may open, with the reason; every other page refuses them.
RESIDENT = {
    "/api/v1/me": "their own account", "/api/v1/me/tokens": "their own tokens",
    "/api/v1/cases": "their own cases", "/api/v1/departments": "the departments' public list",
    "/accounts/password/": "their password", "/accounts/two-factor/": "their two-factor sign-in",
    "/accounts/profile/": "their profile", "/notices/": "their notices", "/jobs/": "their own background jobs",
    "/registry/verify/": "verifying themselves as a resident", "/cases/report/": "reporting a case",
    "/cases/mine/": "their own cases", "/cases/report/grids.geojson": "the grid outlines of the report map",
    "/deliberation/topics/": "their community's topics", "/deliberation/votes/": "their community's votes",
    "/disclosure/property/rate/": "rating their estate's property service", "/m/": "the mobile home page",
    "/services/": "the service catalogue (what they may apply for)",
    "/services/mine/": "their own applications",
    "/notices/board/": "the announcements sent to them",
    "/api/v1/service-items": "the service catalogue",
}


def endpoints(method: str):
    for endpoint in all_endpoints():
        verbs = ["GET", "POST"] if endpoint.methods == "*" else endpoint.methods.split(",")
        if endpoint.plain and method in verbs and endpoint.path not in PUBLIC:
            yield endpoint


def test_anonymous_visitors_are_sent_to_sign_in(site):
    wrong = []
    before = fingerprint()
    for method in ("GET", "POST", "PATCH"):
        for endpoint in endpoints(method):
            response = request(site.clients["anonymous"], method, endpoint.path)
            status, location = response.status_code, response.get("Location", "")
            if is_api(endpoint) or endpoint.path.startswith(JSON_401):
                ok = status in (401, 405)
            else:
                ok = status == 405 or (status == 302 and location.startswith(("/accounts/login/", "/manage/")))
            if not ok:
                wrong.append(f"{method} {endpoint.path}: {status} {location}")
    assert not wrong, "open to anonymous visitors (add to PUBLIC with the reason if meant):\n  " + "\n  ".join(wrong)
    assert fingerprint() == before


def test_residents_get_no_staff_page(site):
    wrong = []
    before = fingerprint()
    for method in ("GET", "POST"):
        for endpoint in endpoints(method):
            if endpoint.path in RESIDENT or endpoint.path.startswith("/accounts/"):
                continue
            response = request(site.clients["neighbour"], method, endpoint.path)
            if response.status_code not in (302, 403, 404, 405, 422):
                wrong.append(f"{method} {endpoint.path}: {response.status_code}")
            elif response.status_code == 302 and response["Location"].startswith(("/cases/", "/registry/")):
                wrong.append(f"{method} {endpoint.path}: 302 to {response['Location']} (done?)")
    assert not wrong, "staff pages a resident reached (add to RESIDENT with the reason if meant):\n  " + "\n  ".join(wrong)
    assert fingerprint() == before
