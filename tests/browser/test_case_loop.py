"""The whole case loop in the browser: a resident reports with a photo on a phone → community staff
accept → the street command centre dispatches → the department acknowledges and reports back with a
photo → the grid worker verifies on site → the resident rates. Screenshots of each step."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import DESKTOP, MOBILE, act, login, photo, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def loop_site(site):
    from gongzhi.cases.classifier import train
    from gongzhi.cases.demo_links import link_departments

    link_departments()
    train()
    return site


def test_the_whole_loop(loop_site, open_page, console, tmp_path):
    from gongzhi.accounts.models import Department
    from gongzhi.cases.models import Case

    site = loop_site
    resident = open_page(MOBILE)
    login(resident, site, "resident")
    resident.goto(f"{site}/cases/report/")
    resident.wait_for_selector("#pick-map path.leaflet-interactive")
    resident.fill("#description", "幸福路88号门口人行道地砖破损，老人容易绊倒")
    resident.set_input_files("#photos", photo(tmp_path / "report.jpg", (180, 60, 40)))
    box = resident.locator("#pick-map").bounding_box()
    resident.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert re.match(r"\d+\.\d+, \d+\.\d+", resident.locator("[data-location-text]").inner_text())
    screenshot(resident, "case-01-resident-report")
    with resident.expect_navigation():
        resident.click("form.report-form button[type=submit]")
    case = Case.objects.get()
    assert resident.locator("[data-testid=case-status]").inner_text() == "待受理"
    assert resident.locator(".photos img").count() == 1
    screenshot(resident, "case-02-resident-reported")

    community = open_page(DESKTOP)
    login(community, site, "community")
    community.goto(f"{site}/cases/?queue=reported")
    assert case.number in community.locator("[data-testid=case-table]").inner_text()
    screenshot(community, "case-03-community-queue")
    community.click(f"text={case.number}")
    # The classifier's suggestion is preselected; staff file it as 道路破损 (a correction if it differs).
    assert community.locator("#cat-accept option:checked").inner_text()
    screenshot(community, "case-04-community-accept")
    act(community, "accept", category="0303")  # the form posts codes
    assert community.locator("[data-testid=case-status]").inner_text() == "已立案"

    street = open_page(DESKTOP)
    login(street, site, "street")
    street.goto(f"{site}/cases/{case.pk}/")
    assert "区城市管理局" in street.locator("[data-testid=route]").inner_text()
    screenshot(street, "case-05-street-dispatch")
    act(street, "dispatch", department=str(Department.objects.get(code="CG").pk))
    assert street.locator("[data-testid=case-status]").inner_text() == "已派遣"
    assert street.locator("[data-testid=handle-due]").inner_text()

    dept = open_page(DESKTOP)
    login(dept, site, "dept")
    dept.goto(f"{site}/cases/inbox/")
    assert case.number in dept.locator("[data-testid=to-acknowledge]").inner_text()
    screenshot(dept, "case-06-department-inbox")
    dept.click(f"text={case.number}")
    act(dept, "acknowledge")
    act(dept, "start")
    act(dept, "feedback", note="已更换破损地砖 12 块，现场已恢复平整",
        photos=photo(tmp_path / "after.jpg", (60, 160, 60)))
    assert dept.locator("[data-testid=case-status]").inner_text() == "待核查"
    screenshot(dept, "case-07-department-feedback")

    grid = open_page(MOBILE)
    login(grid, site, "grid")
    grid.goto(f"{site}/cases/tasks/")
    assert case.number in grid.locator("[data-testid=to-verify]").inner_text()
    screenshot(grid, "case-08-grid-tasks")
    grid.click(f"text={case.number}")
    act(grid, "verify", note="现场核查，地砖已更换平整")
    assert grid.locator("[data-testid=case-status]").inner_text() == "已核查待结案"  # 核查 is not 结案
    street.goto(f"{site}/cases/{case.pk}/")
    act(street, "close")
    assert street.locator("[data-testid=case-status]").inner_text() == "已结案"

    resident.goto(f"{site}/cases/mine/")
    assert "待评价" in resident.locator("[data-testid=my-cases]").inner_text()
    resident.click(f"text={case.number}")
    act(resident, "rate", rating="5", comment="修得很快，谢谢！")
    assert "非常满意" in resident.locator("[data-testid=rating]").inner_text()
    timeline = resident.locator("[data-testid=timeline]").inner_text()  # the reporter's public timeline
    for step in ("已上报", "已受理立案", "已转职能部门办理", "职能部门已签收", "正在处置", "已处置，待核查", "已现场核查",
                 "已办结", "已评价"):
        assert step in timeline, step
    assert "已更换破损地砖" not in timeline  # the department's note stays internal
    screenshot(resident, "case-09-resident-rated")
    case.refresh_from_db()
    assert (case.status, case.rating, case.photos.count()) == ("closed", 5, 2)
    assert console.errors == []
