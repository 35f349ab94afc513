"""Security headers on pages and API answers; HSTS and secure cookies with the production settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "GONGZHI_SECRET_KEY": "x" * 50,
    "GONGZHI_DATA_KEY": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "GONGZHI_DATABASE_URL": "postgres://gongzhi@127.0.0.1:5432/gongzhi",
    "GONGZHI_REDIS_URL": "redis://127.0.0.1:6379/0",
}
SECURITY_SETTINGS = [
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "SESSION_COOKIE_HTTPONLY", "DEBUG", "GONGZHI_REQUIRE_2FA", "GONGZHI_FORCE_FIRST_PASSWORD_CHANGE",
    "GONGZHI_REFUSE_DEMO_PASSWORDS",
]


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)
    env.update(extra)
    return env


def import_production(**env: str) -> subprocess.CompletedProcess:
    script = ("import json, gongzhi.settings.production as s; "
              f"print(json.dumps({{k: getattr(s, k) for k in {SECURITY_SETTINGS!r}}}))")
    return subprocess.run([sys.executable, "-c", script], env=clean_env(**env), capture_output=True, text=True,
                          timeout=60)


@pytest.fixture(scope="module")
def production_settings() -> dict:
    result = import_production(**PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/healthz", "/api/v1/openapi.json", "/no-such-page/"])
def test_anonymous_answers_carry_the_security_headers(client, path):
    assert_security_headers(client.get(path))


def test_signed_in_pages_and_api_carry_the_headers_and_are_not_cached(demo, login_as, api_token):
    client = login_as("street")
    for path in ["/console/", "/areas/", "/accounts/profile/", "/api/v1/me"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)
        assert response["Cache-Control"] == "no-store"
    token_answer = Client().get("/api/v1/areas", **api_token("grid"))
    assert_security_headers(token_answer)


def test_api_errors_carry_the_headers(client, demo):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert_security_headers(response)


def test_production_settings_switch_on_https_protections(production_settings):
    assert production_settings["DEBUG"] is False
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["X_FRAME_OPTIONS"] == "DENY"
    assert production_settings["GONGZHI_REQUIRE_2FA"] is True
    assert production_settings["GONGZHI_FORCE_FIRST_PASSWORD_CHANGE"] is True
    assert production_settings["GONGZHI_REFUSE_DEMO_PASSWORDS"] is True


def test_production_answers_send_hsts_and_secure_cookies(demo, production_settings):
    https_settings = {k: production_settings[k] for k in [
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT"]}
    with override_settings(**https_settings):
        client = Client()
        plain = client.get("/accounts/login/")
        assert plain.status_code == 301 and plain.url.startswith("https://")

        page = client.get("/accounts/login/", secure=True)
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert page.cookies["csrftoken"]["secure"] is True

        signed_in = client.post("/accounts/login/", {"username": "community", "password": demo.password},
                                secure=True)
        assert signed_in.status_code == 302
        session_cookie = signed_in.cookies["gongzhi_session"]
        assert session_cookie["secure"] is True and session_cookie["httponly"] is True
        assert session_cookie["samesite"] == "Lax"
        assert_security_headers(signed_in)
        assert "Strict-Transport-Security" in client.get("/api/v1/me", secure=True)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**PRODUCTION_ENV, "GONGZHI_DEBUG": "1"}, "DEBUG"),
        ({**PRODUCTION_ENV, "GONGZHI_DEBUG": "true"}, "DEBUG"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "GONGZHI_DATA_KEY"}, "GONGZHI_DATA_KEY"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "GONGZHI_SECRET_KEY"}, "GONGZHI_SECRET_KEY"),
        ({**PRODUCTION_ENV, "GONGZHI_SECRET_KEY": "short"}, "GONGZHI_SECRET_KEY"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "GONGZHI_DATABASE_URL"}, "PostgreSQL"),
        ({**PRODUCTION_ENV, "GONGZHI_DATABASE_URL": "sqlite:///tmp/x.sqlite3"}, "PostgreSQL"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "GONGZHI_REDIS_URL"}, "Redis"),
    ],
    ids=["debug-1", "debug-true", "no-data-key", "no-secret-key", "short-secret-key", "no-database",
         "sqlite", "no-redis"],
)
def test_production_settings_refuse_unsafe_configuration(env, message):
    result = import_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
