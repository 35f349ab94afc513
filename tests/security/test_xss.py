"""Stored XSS: every free-text field of every model (found by walking the models: CharField and
TextField that people type, not choices, codes, hashes or encrypted fields) is filled with a
payload in every row, and the pages that show them are crawled as each role (the page-text crawl's
enumeration: links followed from the home page and from each role's object pages). Every
occurrence must be escaped: no raw ``<script>alert`` or ``<img … onerror`` in HTML, no
``javascript:`` link built from data; the API returns the payload as data in JSON."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from gongzhi.privacy.fields import EncryptedTextField
from tests.security.routes import ROUTES
from tests.security.test_idor import ENDPOINTS, fill
from tests.test_chinese_pages import EXTRA_STARTS, crawl

# Escaping is the templates' and the serialisers' work, the same on either database: the SQLite lane runs it.
pytestmark = [pytest.mark.django_db, pytest.mark.any_database]

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)//")
RAW = re.compile(r"<script>alert\(1\)|<img src=x onerror=|href=[\"']?javascript:", re.IGNORECASE)
#: Not typed by people (or typed and then checked against a list): a payload would be refused there
#: anyway, or the field drives logic rather than display.
MACHINE_FIELDS = {
    "password", "first_name", "last_name", "kind", "stage", "sha256", "digest", "key", "nonce", "salt",
    "commitment", "prev_hash", "hash", "ledger_head", "last_hash", "anchor_prev_hash", "content_type",
    "input_name", "output_name", "output_label", "worker_host", "user_agent", "role", "action",
    "object_type", "object_id", "revoked_reason", "name_field", "choice", "keywords", "error", "message",
    "username",
}
SKIP_MODELS = {"audit", "sessions", "field"}  # the audit chain is hash-linked; field keys are machine state
ROLES = ("resident", "grid", "community", "street", "district", "dept", "village")
SHOWN = re.compile(r"&lt;script&gt;alert\(1\)|&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;|&#x27;|&#34;&gt;&lt;img")
API_READS = ("/api/v1/cases", "/api/v1/persons", "/api/v1/houses", "/api/v1/estates", "/api/v1/organisations",
             "/api/v1/facilities", "/api/v1/areas")


def free_text_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("gongzhi.") or model._meta.proxy or \
                model._meta.app_label in SKIP_MODELS:
            continue
        fields = [f.name for f in model._meta.concrete_fields
                  if type(f) in (models.CharField, models.TextField) and not isinstance(f, EncryptedTextField)
                  and not f.choices and not f.unique and f.editable and f.name not in MACHINE_FIELDS
                  and (f.max_length or 1000) >= max(map(len, PAYLOADS)) + 10]
        if fields:
            yield model, fields


def store_payloads() -> int:
    """Every row of every model gets a payload in each free-text field; the number of fields."""
    count = 0
    for model, fields in free_text_fields():
        # The row's id after the payload: names unique within an area stay unique.
        values = {name: Concat(Value(PAYLOADS[i % 2]), Cast("pk", models.CharField()))
                  for i, name in enumerate(fields)}
        if model._meta.label == "notices.Notice":
            values["link"] = PAYLOADS[2]  # a link built from data
        model.objects.update(**values)
        count += len(fields)
    return count


def escaped(url, response, shown: list | None = None) -> list[str]:
    text = response.content.decode(errors="replace")
    if shown is not None and SHOWN.search(text):
        shown.append(url)
    return [f"raw {m.group(0)!r} near {text[max(0, m.start() - 60):m.end() + 20]!r}" for m in RAW.finditer(text)]


def starts(site, role: str) -> tuple[str, ...]:
    """The role's own object pages (from the IDOR suite's routes), besides the pages linked from home."""
    paths = [fill(ENDPOINTS[name], target.kwargs(site)) for name, target in sorted(ROUTES.items())
             if target.insider == role and ENDPOINTS[name].methods in ("*", "GET")]
    return (*EXTRA_STARTS.get(role, ()), *paths)


def test_the_walk_finds_the_free_text_fields():
    found = {f"{model._meta.label}.{name}" for model, fields in free_text_fields() for name in fields}
    for field in ("cases.Case.description", "deliberation.Comment.text", "disclosure.DisclosureItem.content",
                  "registry.Person.real_name", "deliberation.Topic.title", "cases.Category.name"):
        assert field in found
    assert not any(name.endswith((".password", ".sha256", ".hash")) for name in found)


def test_stored_payloads_are_escaped_on_every_page_of_every_role(site):
    assert store_payloads() > 80
    problems, total, shown = {}, 0, []
    for role in (*ROLES, "visitor"):
        client = site.clients["anonymous" if role == "visitor" else role]
        extra = ("/disclosure/", "/disclosure/341702001001/") if role == "visitor" else starts(site, role)
        found, pages = crawl(client, extra=extra, check=lambda url, response: escaped(url, response, shown), max_pages=50, visits_per_route=1, visits_per_path=1)
        total += pages
        problems.update({f"{role} {url}": lines for url, lines in found.items()})
    assert total > 200, total
    assert len(shown) > 100, f"the payloads showed (escaped) on only {len(shown)} of {total} pages"
    report = "\n".join(f"{url}:\n    " + "\n    ".join(lines[:3]) for url, lines in sorted(problems.items()))
    assert not problems, f"unescaped payloads on {len(problems)} of {total} pages:\n{report}"


def test_the_api_returns_payloads_as_data(site):
    store_payloads()
    client = site.clients["community"]
    for path in API_READS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/json"), path
        assert PAYLOADS[0] in response.content.decode() or PAYLOADS[1] in json.dumps(response.json(),
                                                                                      ensure_ascii=False), path
