"""The home, sign-up and mobile pages promise only what is installed (issue 12, item 19).

No voting (表决/投票), deliberation or service app exists yet: the pages say what a resident can do
today (report, follow a case, bind the account to the records). The landing page lists one entry
per installed app, declared in the app's ``plugin.py`` (``AppPlugin.features``), so a later app adds its
own promise.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from gongzhi.core import landing, plugins

pytestmark = pytest.mark.django_db

UNBUILT = re.compile(r"表决|投票|议事|申请服务|办事服务")


def visible(response) -> str:
    html = response.content.decode()
    return re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)


def test_no_voting_or_services_app_is_installed():
    labels = {config.label for config in apps.get_app_configs()}
    assert not labels & {"votes", "voting", "deliberation", "services"}


def test_the_home_page_lists_what_the_installed_apps_do(client):
    page = visible(client.get("/"))
    assert not UNBUILT.search(page), UNBUILT.search(page).group(0)
    assert "全息档案" in page and "一网统管" in page and "办理可查" in page
    assert page.index("全息档案") < page.index("一网统管") < page.index("办理可查")


def test_an_app_adds_its_own_entry_to_the_home_page(client, monkeypatch):
    later = plugins.AppPlugin(features=(landing.Feature("民事民议", "协商议事与在线表决", order=40),))
    monkeypatch.setattr(plugins, "_current", plugins.Declarations([*plugins.declarations().plugins, ("votes", later)]))
    page = visible(client.get("/"))
    assert "协商议事与在线表决" in page and page.index("办理可查") < page.index("民事民议")


def test_sign_up_and_verification_pages_promise_only_reporting_and_the_binding(client, login_as, demo):
    for url in ("/accounts/signup/",):
        page = visible(client.get(url))
        assert not UNBUILT.search(page) and "上报事件" in page
    resident = login_as("resident")
    for url in ("/m/", "/registry/verify/"):
        response = resident.get(url)
        assert response.status_code == 200, url
        page = visible(response)
        assert not UNBUILT.search(page), (url, UNBUILT.search(page).group(0))
