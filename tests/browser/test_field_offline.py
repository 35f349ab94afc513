"""The grid worker's offline field app in Chromium with the network switched off and on (issue 14):
a patrol with two visits, a case reported with a photo and another case verified, all while offline;
a reload while offline; back online every item arrives exactly once; a replayed request changes
nothing; logout clears what the browser kept."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import MOBILE, login, photo, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def field_site(site, demo):
    from types import SimpleNamespace

    from gongzhi.areas.models import Area
    from gongzhi.cases.demo_links import link_departments
    from gongzhi.field.tests.conftest import household_with_head
    from gongzhi.registry.tests.factories import GRID

    link_departments()
    grid = Area.objects.get(code=GRID)
    house, _household, _head = household_with_head(grid)
    to_verify = _waiting_for_verification(demo, grid)
    return SimpleNamespace(url=site, to_verify=to_verify, house=house)


def _waiting_for_verification(demo, grid):
    """A case handled by the department and waiting for the grid worker's 核查, dispatched by name
    (not through the routing suggestion, which depends on where the grid's centre falls)."""
    from gongzhi.cases import services
    from gongzhi.cases.models import Category

    users = demo.users
    case = services.report_case(actor=users["resident"], description="幸福路人行道地砖破损，容易绊倒行人", area=grid)
    department = users["dept"].role_assignments.exclude(department=None).first().department
    steps = [("community", "accept", {"category": Category.objects.get(code="0303").pk}),
             ("street", "dispatch", {"department": department.pk}), ("dept", "acknowledge", {}),
             ("dept", "start", {}), ("dept", "feedback", {"note": "已修复"})]
    for username, action, params in steps:
        note = params.pop("note", "")
        case = services.act(actor=users[username], case=case, action=action, note=note, **params)
    return case


def _offline(context, on: bool) -> None:
    """No network for the page and for its service worker (context.set_offline alone spares the latter)."""
    if on:
        context.set_offline(True)
        context.route("**/*", lambda route: route.abort("internetdisconnected"))
    else:
        context.unroute("**/*")
        context.set_offline(False)


def _open_field(open_page, site):
    """A grid worker's phone with the field app open, its service worker in control."""
    page = open_page(MOBILE)
    login(page, site, "grid")
    page.goto(f"{site}/field/")
    page.wait_for_selector("#field[data-ready]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page


def _pending(page) -> str:
    return page.locator("[data-testid=pending]").inner_text()


def test_offline_patrol_report_and_verification_arrive_exactly_once(field_site, open_page, console, tmp_path):
    from gongzhi.cases.models import Case, CaseStatus, Patrol, PatrolVisit
    from gongzhi.field.models import FieldAction

    site, case = field_site.url, field_site.to_verify
    page = _open_field(open_page, site)
    context = page.context
    assert "138****1111" not in page.content()  # residents are only drawn on the 住户 tab
    # Chromium's own verdict: the page installs as an app (manifest, icons, service worker).
    # Playwright's contexts are incognito profiles, where Chromium never installs; nothing else may stand in the way.
    installability = context.new_cdp_session(page).send("Page.getInstallabilityErrors")
    assert [e["errorId"] for e in installability["installabilityErrors"]] in ([], ["in-incognito"]), installability
    cases_before = Case.objects.count()

    _offline(context, True)
    page.wait_for_function("() => !navigator.onLine")
    assert "离线" in page.locator("[data-testid=net-state]").inner_text()

    # A patrol with two visits: one household picked from the cached list, one door typed.
    page.click("#tab-patrol-btn")
    page.fill("#patrol-companions", "社区民警小刘")
    page.click("#patrol-start")
    page.fill("#visit-household", f"{field_site.house.address} · 张大伯")
    page.fill("#visit-note", "独居老人，身体好")
    page.click("#visit-add")
    page.fill("#visit-door", "幸福路90号")
    page.fill("#visit-head", "赵某")
    page.click("#visit-add")
    expect(page.locator("#visit-list li")).to_have_count(2, timeout=15_000)
    page.fill("#patrol-counts input[name=fire_hazards]", "1")
    page.fill("#patrol-summary", "3栋楼道堆放杂物，已劝离")
    screenshot(page, "field-01-offline-patrol")
    page.click("#patrol-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText.includes('1')")

    # A case with a photo.
    page.click("#tab-report-btn")
    page.fill("#report-description", "3栋楼道灭火器压力不足")
    page.fill("#report-address", "阳光小区3栋")
    page.set_input_files("#report-photos", photo(tmp_path / "extinguisher.jpg", (200, 30, 30)))
    page.click("#report-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText.includes('2')")

    # The verification of another case.
    page.click("#tab-tasks-btn")
    page.click(f"[data-verify='{case.pk}']")
    page.check("#verify-form input[name=passed][value='1']")
    page.fill("#verify-note", "现场查看，井盖已更换")
    page.set_input_files("#verify-photos", photo(tmp_path / "after.jpg", (30, 160, 60)))
    page.click("#verify-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText.includes('3')")
    assert _pending(page) == "待同步 3 条"

    # Reload without a connection: the shell comes from the service worker, the pack and the queue
    # from the encrypted store.
    page.reload()
    page.wait_for_selector("#field[data-ready]")
    assert _pending(page) == "待同步 3 条"
    assert "待同步" in page.locator(f"[data-case='{case.pk}']").inner_text()
    page.click("#tab-houses-btn")
    assert "幸福路88号" in page.locator("[data-testid=house-list]").inner_text()
    page.click("#tab-queue-btn")
    expect(page.locator("[data-testid=queue-list] li")).to_have_count(3)
    screenshot(page, "field-02-offline-reloaded-queue")
    assert Case.objects.count() == cases_before and Patrol.objects.count() == 0

    # Back online: sent in order, each once. The phone says "online" a moment before its connection
    # carries anything: the first send fails, and the queue is tried again within seconds (not at the
    # next 30-second round).
    failed = []

    def first_send_fails(route):
        if not failed:
            failed.append(route.request.url)
            return route.abort("internetdisconnected")
        return route.fallback()

    context.unroute("**/*")
    context.route("**/field/sync/", first_send_fails)
    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText === '待同步 0 条'",
                           timeout=20_000)
    context.unroute("**/field/sync/")
    assert failed
    expect(page.locator("[data-testid=done-list] li")).to_have_count(3)
    screenshot(page, "field-03-online-synced")
    patrol = Patrol.objects.get()
    assert patrol.companions == "社区民警小刘" and patrol.fire_hazards == 1 and patrol.ended_at
    assert list(PatrolVisit.objects.order_by("at").values_list("door", "head_name")) == [
        (field_site.house.address, "张大伯"), ("幸福路90号", "赵某")]
    reported = Case.objects.exclude(pk=case.pk).get(description="3栋楼道灭火器压力不足")
    assert reported.photos.count() == 1 and Case.objects.count() == cases_before + 1
    case.refresh_from_db()
    assert case.status != CaseStatus.FEEDBACK and case.verified_at is not None
    actions = list(FieldAction.objects.order_by("pk"))
    assert [a.kind for a in actions] == ["patrol", "case.report", "case.verify"]
    assert {a.status for a in actions} == {"applied"}

    # A replayed request (the same key, sent again) changes nothing.
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(f"{site}/field/sync/", headers={"X-CSRFToken": csrf, "Referer": f"{site}/field/"},
                               multipart={"key": actions[1].key, "kind": "case.report", "payload": json.dumps(
                                   {"description": "3栋楼道灭火器压力不足"}, ensure_ascii=False)})
    assert answer.status == 200 and answer.json()["replayed"] is True
    assert Case.objects.count() == cases_before + 1 and Patrol.objects.count() == 1
    assert FieldAction.objects.count() == 3
    assert not [e for e in console.errors if e.startswith("pageerror")]


def test_a_conflict_keeps_the_workers_text_and_logout_clears_the_browser(field_site, open_page, tmp_path):
    from gongzhi.cases import services

    site, case = field_site.url, field_site.to_verify
    page = _open_field(open_page, site)
    context = page.context
    _offline(context, True)
    page.click(f"[data-verify='{case.pk}']")
    page.check("#verify-form input[name=passed][value='0']")
    page.fill("#verify-note", "井盖仍然松动，需返工")
    page.click("#verify-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText.includes('1')")
    # Meanwhile the community verified it from the office.
    from gongzhi.accounts.models import User

    services.act(actor=User.objects.get(username="community"), case=case, action="verify", note="电话核实")
    _offline(context, False)
    page.click("#tab-queue-btn")
    page.wait_for_selector("[data-testid=queue-list] li[data-state=conflict]", timeout=30_000)
    item = page.locator("[data-testid=queue-list] li[data-state=conflict]")
    assert case.number in item.inner_text() and "已保留" in item.inner_text()
    screenshot(page, "field-04-conflict")
    item.get_by_role("button", name="修改后重新提交").click()
    assert page.locator("#verify-note").input_value() == "井盖仍然松动，需返工"

    # Logout: the browser's cache, store and service worker are cleared.
    assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == ["gongzhi-field"]
    page.once("dialog", lambda dialog: dialog.accept())  # 还有 1 条记录未同步…确定退出吗？
    with page.expect_navigation():
        page.click("header form[action$='/accounts/logout/'] button")
    assert re.search(r"/accounts/login/", page.url)
    page.wait_for_function("() => indexedDB.databases().then(d => d.length === 0)")
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_when_the_session_ends_the_cached_records_go_and_the_queue_waits_encrypted(field_site, open_page):
    from django.contrib.sessions.models import Session

    from gongzhi.cases.models import Case

    site = field_site.url
    page = _open_field(open_page, site)
    _offline(page.context, True)
    page.click("#tab-report-btn")
    page.fill("#report-description", "小区东门路灯不亮")
    page.click("#report-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText.includes('1')")
    Session.objects.all().delete()  # the session ends on the server (idle limit, revoked)
    _offline(page.context, False)
    page.reload()  # the platform answers with the sign-in page, which deletes the readable cache
    assert "/accounts/login/" in page.url
    page.wait_for_selector("html[data-field-wiped]", state="attached")
    stored = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('gongzhi-field');
        open.onsuccess = () => {
            const t = open.result.transaction(['meta', 'queue']);
            const keys = t.objectStore('meta').getAllKeys(), queue = t.objectStore('queue').getAll();
            t.oncomplete = () => resolve({meta: keys.result, queue: queue.result.length,
                                          plain: JSON.stringify(queue.result).includes('东门')});
        };
    })""")
    assert "pack" not in stored["meta"] and "key" not in stored["meta"]
    assert stored["queue"] == 1 and stored["plain"] is False  # kept, and only as ciphertext
    screenshot(page, "field-05-session-ended")

    # The same worker signs in again: the same key reads the queue, and the report is filed.
    login(page, site, "grid")
    page.goto(f"{site}/field/")
    page.wait_for_selector("#field[data-ready]")
    page.wait_for_function("() => document.querySelector('[data-testid=pending]').innerText === '待同步 0 条'",
                           timeout=30_000)
    assert Case.objects.filter(description="小区东门路灯不亮").count() == 1
