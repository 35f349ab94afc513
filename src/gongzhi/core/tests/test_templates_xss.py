"""Output is escaped, and no template carries inline script or style (the CSP would block them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gongzhi.accounts.models import User

SRC = Path(__file__).resolve().parents[2]  # src/gongzhi
PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
RULES = {"inline <script>": INLINE_SCRIPT, "style attribute": STYLE_ATTRIBUTE, "event handler": EVENT_HANDLER,
         "<style> block": STYLE_BLOCK, "javascript: URL": JAVASCRIPT_URL}


def template_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("templates/**/*.html") if ".venv" not in p.parts)


def violations(text: str) -> list[str]:
    return [name for name, pattern in RULES.items() if pattern.search(text)]


def test_the_scan_finds_templates_and_would_catch_offenders():
    assert len(template_files()) >= 10
    assert violations('<script>alert(1)</script>') == ["inline <script>"]
    assert violations('<p style="color:red">') == ["style attribute"]
    assert violations('<a onclick="x()">') == ["event handler"]
    assert violations('<script src="/static/app.js" defer></script><p class="x">') == []


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_templates_have_no_inline_script_or_style(path):
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "paths"), [
    ("street", ["/console/", "/areas/", "/areas/341702001/", "/areas/map/", "/accounts/profile/",
                "/accounts/two-factor/", "/accounts/password/", "/notices/"]),
    ("admin", ["/accounts/users/"]),
    ("auditor", ["/audit/"]),
    ("grid", ["/m/"]),
    (None, ["/", "/accounts/login/", "/no-such-page/"]),
])
def test_rendered_pages_have_no_inline_script_or_style(demo, client, username, paths):
    if username:
        client.force_login(demo.users[username])
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert violations(response.content.decode()) == [], path


@pytest.mark.django_db
def test_a_script_in_a_name_is_escaped_in_the_header_and_user_pages(demo, client):
    User.objects.filter(username="street").update(real_name=PAYLOAD)
    street = User.objects.get(username="street")

    client.force_login(street)
    for path in ["/console/", "/accounts/profile/"]:
        html = client.get(path).content.decode()
        assert ESCAPED in html and PAYLOAD not in html, path

    client.force_login(demo.users["admin"])
    for path in ["/accounts/users/", f"/accounts/users/{street.pk}/", "/accounts/users/?q=street"]:
        html = client.get(path).content.decode()
        assert ESCAPED in html and PAYLOAD not in html, path


@pytest.mark.django_db
def test_a_script_in_the_login_form_is_escaped(demo, client):
    response = client.post("/accounts/login/", {"username": f'"><{PAYLOAD}', "password": "x"})
    html = response.content.decode()
    assert response.status_code == 401
    assert PAYLOAD not in html and "&lt;script&gt;" in html


@pytest.mark.django_db
def test_a_script_in_the_search_box_is_escaped(demo, login_as):
    html = login_as("admin").get("/accounts/users/", {"q": PAYLOAD}).content.decode()
    assert PAYLOAD not in html
