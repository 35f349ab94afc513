"""The home, sign-up and mobile pages promise only what is installed (issue 12 item 19, issue 13).

Consultation and voting (the ``deliberation`` app) and the service hall (the ``services`` app) exist and
so may be promised; volunteering and the time bank do not yet. The landing page lists one entry per installed app, declared in the
app's ``plugin.py`` (``AppPlugin.features``); the mobile page lists the installed apps' 议事 entries.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from gongzhi.core import landing, plugins

pytestmark = pytest.mark.django_db

UNBUILT = re.compile(r"志愿服务|时间银行")


def visible(response) -> str:
    html = response.content.decode()
    return re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)


def test_voting_and_the_service_hall_are_installed_and_no_volunteering_yet():
    labels = {config.label for config in apps.get_app_configs()}
    assert {"deliberation", "services"} <= labels and "volunteers" not in labels


def test_the_home_page_lists_what_the_installed_apps_do(client):
    page = visible(client.get("/"))
    assert not UNBUILT.search(page), UNBUILT.search(page).group(0)
    assert "全息档案" in page and "一网统管" in page and "办理可查" in page and "协商议事与在线表决" in page
    assert page.index("全息档案") < page.index("一网统管") < page.index("办理可查") < page.index("协商议事与在线表决")


def test_an_app_adds_its_own_entry_to_the_home_page(client, monkeypatch):
    later = plugins.AppPlugin(features=(landing.Feature("志愿服务", "时间银行", order=90),))
    monkeypatch.setattr(plugins, "_current", plugins.Declarations([*plugins.declarations().plugins, ("later", later)]))
    page = visible(client.get("/"))
    assert "时间银行" in page and page.index("办理可查") < page.index("志愿服务")


def test_sign_up_and_verification_pages_promise_only_what_exists(client, login_as, demo):
    for url in ("/accounts/signup/",):
        page = visible(client.get(url))
        assert not UNBUILT.search(page) and "上报事件" in page and "参与社区表决" in page
    resident = login_as("resident")
    for url in ("/m/", "/registry/verify/"):
        response = resident.get(url)
        assert response.status_code == 200, url
        page = visible(response)
        assert not UNBUILT.search(page), (url, UNBUILT.search(page).group(0))


def test_the_mobile_page_offers_the_installed_participation_pages(login_as, demo):
    page = login_as("resident").get("/m/").content.decode()
    section = page.split('data-testid="participation"')[1].split("</section>")[0]
    links = re.findall(r'href="([^"]+)"', section)
    assert "/deliberation/votes/" in links
    for link in links:  # every offer leads to a page that exists
        assert login_as("resident").get(link).status_code == 200, link
