"""An app plugs into the spine from its own ``plugin.py`` alone (issue 12 item 21).

``tests/spine/parcels`` is a throw-away app that is nowhere else in the code: installed for these
tests only, it gets its URLs, its API router, its permissions in the role matrix (and in
docs/permissions.md), its menu group and entries, its revealable field and its demo step.
"""

from __future__ import annotations

import types

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from gongzhi.accounts.roles import MATRIX, PERM_ENGLISH, Perm, Role
from gongzhi.core import plugins
from gongzhi.privacy.sensitive import kinds_by_name

APP = "tests.spine.parcels"
COMMUNITY = "341702001001"
OTHER_STREET_GRID = "34170200200101"


@pytest.fixture
def parcels(settings, demo):
    """The demo with the parcels app installed (its table made for the test) and two parcels."""
    from gongzhi.core.api import current_api

    current_api()  # the project's own API, built before the parcels app comes

    kinds_by_name.cache_clear()
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, APP]):
        from gongzhi.areas.models import Area
        from tests.spine.parcels.models import Parcel

        # Inside the test's transaction, rolled back with it (no migration for a throw-away app).
        editor = connection.schema_editor()
        editor.deferred_sql = []  # the editor is not entered: SQLite refuses that inside a transaction
        editor.create_model(Parcel)
        urlconf = types.ModuleType("parcels_urlconf")
        urlconf.urlpatterns = plugins.url_patterns()
        with override_settings(ROOT_URLCONF=urlconf):
            Parcel.objects.create(area=Area.objects.get(code=COMMUNITY), name="幸福一号地", holder_phone="13912345678")
            Parcel.objects.create(area=Area.objects.get(code=OTHER_STREET_GRID), name="外街地块")
            yield Parcel
    kinds_by_name.cache_clear()


def test_its_urls_are_mounted(parcels, login_as):
    assert reverse("parcels:list") == "/parcels/"
    answer = login_as("community").get("/parcels/")
    assert answer.status_code == 200 and answer.content.decode() == "幸福一号地"  # the other street's is out of scope
    assert login_as("grid").get("/parcels/").status_code == 403
    assert login_as("community").get("/cases/").status_code == 200  # the apps' own URLs are still there


def test_its_api_router_is_mounted_and_documented(parcels, api_token):
    from django.test import Client

    from gongzhi.core.api import current_api

    client = Client()
    response = client.get("/api/v1/parcels", **api_token("community"))
    assert response.status_code == 200 and response.json() == ["幸福一号地"]
    refused = client.get("/api/v1/parcels", **api_token("grid"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"  # the spine's error handlers
    schema = current_api().get_openapi_schema()
    assert "/api/v1/parcels" in schema["paths"] and "/api/v1/cases" in schema["paths"]
    assert "403" in {str(s) for s in schema["paths"]["/api/v1/parcels"]["get"]["responses"]}


def test_its_permissions_join_perm_and_the_matrix(parcels, demo):
    from gongzhi.accounts.management.commands.permissions_doc import render
    from gongzhi.accounts.permissions import has_perm

    assert Perm.PARCELS_VIEW == "parcels.view" and Perm("parcels.view") is Perm.PARCELS_VIEW
    assert Perm.PARCELS_VIEW.label == "查看地块" and PERM_ENGLISH["parcels.view"] == "View parcels"
    assert "parcels.view" in Perm and Perm.CASES_VIEW == "cases.view"
    assert Perm.PARCELS_VIEW in MATRIX[Role.COMMUNITY_STAFF] and Perm.PARCELS_VIEW in MATRIX[Role.STREET_STAFF]
    assert Perm.PARCELS_VIEW not in MATRIX[Role.GRID_WORKER]
    assert has_perm(demo.users["community"], Perm.PARCELS_VIEW)
    assert "| `parcels.view` | 查看地块 | View parcels |" in render()


def test_its_menu_group_and_entries_show_to_the_roles_holding_them(parcels, login_as):
    page = login_as("community").get("/console/").content.decode()
    assert 'id="menu-button-land"' in page and 'href="/parcels/"' in page and "地块登记" in page
    street = login_as("street").get("/console/").content.decode()
    # One entry of the group visible: a link of its own, no drop-down.
    assert 'href="/parcels/"' in street and "地块台账" in street and 'id="menu-button-land"' not in street
    assert 'href="/parcels/"' not in login_as("grid").get("/m/").content.decode()


def test_its_personal_field_is_masked_and_revealable(parcels, login_as, demo):
    from gongzhi.privacy.services import can_reveal, masked_value

    parcel = parcels.objects.get(name="幸福一号地")
    assert masked_value(parcel, "holder_phone") == "139****5678"
    answer = login_as("community").post("/privacy/reveal/", {
        "model": "spine_parcels.parcel", "pk": parcel.pk, "field": "holder_phone", "reason": "核对地块承包人"})
    assert answer.status_code == 200 and "13912345678" in answer.content.decode()
    assert not can_reveal(demo.users["grid"], parcel, "holder_phone")  # no personal.unmask
    assert not can_reveal(demo.users["community"], parcel, "name")  # not personal data
    far = parcels.objects.get(name="外街地块")
    assert login_as("community").post("/privacy/reveal/", {
        "model": "spine_parcels.parcel", "pk": far.pk, "field": "holder_phone", "reason": "核对地块承包人"},
    ).status_code == 404  # out of scope


def test_its_demo_step_runs_after_the_steps_it_names(parcels):
    names = [step.name for step in plugins.declarations().demo_steps]
    assert names.index("registry") < names.index("cases") < names.index("parcels")


def test_without_the_app_nothing_of_it_remains(db):
    """Run after the others: uninstalling the app takes its declarations away again."""
    assert not hasattr(Perm, "PARCELS_VIEW") and "parcels.view" not in Perm
    assert all("parcels.view" not in perms for perms in MATRIX.values())
    assert "parcels" not in [step.name for step in plugins.declarations().demo_steps]
    with pytest.raises(Exception):
        reverse("parcels:list")


def test_a_menu_entry_naming_an_unknown_group_is_refused():
    declarations = plugins.Declarations([("x", plugins.AppPlugin(menu=(plugins.MenuEntry("x", "core:home", group="nope"),)))])
    with pytest.raises(plugins.PluginError):
        declarations.menu


def test_demo_steps_in_a_cycle_are_refused():
    declarations = plugins.Declarations([("x", plugins.AppPlugin(demo=(
        plugins.DemoStep("a", "m:f", after=("b",)), plugins.DemoStep("b", "m:f", after=("a",)))))])
    with pytest.raises(plugins.PluginError):
        declarations.demo_steps
