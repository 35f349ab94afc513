"""Resident import in the browser: template, messy upload, check, confirm, then find the person.

The jobs are held in the queue (the task backend would run them inside the upload request) and
run by the test once the page has shown its progress bar; the page's htmx polling then reloads
it with the result, as it does when the real worker finishes.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser

COMMUNITY = "341702001001"
GRID = "34170200100101"
PROGRESS = re.compile(r".*/jobs/\d+/progress/.*")


def messy_workbook(path) -> None:
    """A ledger as it arrives: a merged title, a blank row, then good rows and bad ones (sheet rows 4…11)."""
    from gongzhi.registry.tests.factories import make_id

    ids = [make_id("341702", f"19{60 + k:02d}0512", f"{301 + 2 * k:03d}") for k in range(7)]  # all men
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["幸福社区人员花名册（2026 年 12 月）"])
    sheet.merge_cells("A1:H1")
    sheet.append([])
    sheet.append(["序号", "姓名", "公民身份号码", "性别", "出生年月", "手机号", "民族", "现住址"])
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ids[1])
    wrong_check = ids[5][:-1] + ("0" if ids[5][-1] != "0" else "1")
    for row in [
        [1, "张三", ids[0], "男", None, "13912345678", "汉族", "幸福路88号 阳光小区 3栋2单元501室"],  # 4 ok, house
        [2, "李四", full_width, "男", None, "１３９１２３４５６７９", "汉族", None],                  # 5 ok
        [3, "王五", ids[2], "男", datetime.datetime(1962, 5, 12), None, "回族", None],               # 6 ok, date
        [4, "赵六", 3.41702196305121e17, None, None, None, None, None],                             # 7 mangled
        [5, "钱七", ids[0], None, None, None, None, None],                                          # 8 duplicate
        [6, "孙八", wrong_check, None, None, None, None, None],                                     # 9 check digit
        [7, "周九", make_id("341702", "19800230", "011"), None, None, None, None, None],            # 10 bad date
        [8, "陈十", ids[6], "男", None, None, "汉族", "无名路1号"],                                   # 11 ok, unmatched
    ]:
        sheet.append(row)
    workbook.save(path)


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs stay queued until ``run_held()`` runs them (as a worker would, later)."""
    from gongzhi.jobs import services, tasks

    queued: list[int] = []

    class Held:
        @staticmethod
        def enqueue(job_id):
            queued.append(job_id)

    monkeypatch.setattr(tasks, "run_job", Held)

    def run_held() -> None:
        while queued:
            services.run(queued.pop(0))

    return run_held


def test_community_staff_imports_a_messy_ledger_and_finds_the_person(site, page, console, tmp_path, held_jobs):
    from gongzhi.areas.models import Area
    from gongzhi.registry.models import House, Person

    house = House.objects.create(area=Area.objects.get(code=GRID), address="幸福路88号阳光小区3栋2单元501室")
    login(page, site, "community")
    page.goto(f"{site}/registry/import/")
    assert page.inner_text("h1") == "人员导入"
    assert "严格模式" in page.inner_text("[data-testid=import-rules]")
    screenshot(page, "registry-import-01-page")

    # The template: a real workbook with Chinese headers.
    with page.expect_download() as download:
        page.click("[data-testid=import-template]")
    assert download.value.suggested_filename == "人员导入模板.xlsx"
    template = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [cell.value for cell in template[1]][:3] == ["姓名", "身份证号", "性别"]

    # Upload the messy ledger into the community: a check first.
    ledger = tmp_path / "幸福社区花名册.xlsx"
    messy_workbook(ledger)
    page.set_input_files("#id_file", str(ledger))
    page.select_option("#id_area", COMMUNITY)
    screenshot(page, "registry-import-02-upload")
    page.route(PROGRESS, lambda route: route.continue_())  # polls wait while the test runs the job
    with page.expect_navigation():
        page.click("[data-testid=import-check]")
    assert "/registry/import/jobs/" in page.url
    page.wait_for_selector("[data-testid=job-progress][data-status=queued] progress")
    assert "排队中" in page.inner_text("[data-testid=job-progress]")
    screenshot(page, "registry-import-03-check-queued")

    held_jobs()
    page.wait_for_selector("[data-testid=import-job][data-status=succeeded]")
    assert "这是检查结果，尚未写入任何数据" in page.inner_text("[data-testid=import-job]")
    assert page.inner_text("[data-count=created]") == "4" and page.inner_text("[data-count=failed]") == "4"
    rows = page.locator("[data-testid=import-errors] tbody tr").all_inner_texts()
    assert [row.split("\t")[:2] for row in rows] == [
        ["7", "公民身份号码"], ["8", "公民身份号码"], ["9", "公民身份号码"], ["10", "公民身份号码"]]
    assert "科学计数法" in rows[0] or "Excel" in rows[0]
    assert "与第 4 行重复" in rows[1]
    assert "无名路1号" in page.inner_text("[data-testid=import-unmatched]")
    assert not Person.objects.exists()
    screenshot(page, "registry-import-04-check-result")

    # Confirm: the real import of the same file.
    with page.expect_navigation():
        page.click("[data-testid=import-commit]")
    page.wait_for_selector("[data-testid=job-progress] progress")
    screenshot(page, "registry-import-05-import-queued")
    held_jobs()
    page.wait_for_selector("[data-testid=import-done]")
    assert page.inner_text("[data-testid=import-done]") == "导入完成"
    assert page.get_attribute("[data-testid=job-progress] progress", "value") == "100"
    assert page.inner_text("[data-count=created]") == "4"
    assert sorted(Person.objects.values_list("real_name", flat=True)) == ["张三", "李四", "王五", "陈十"]
    screenshot(page, "registry-import-06-import-done")

    page.goto(f"{site}/registry/import/")
    assert page.locator("[data-testid=import-history-row]").count() == 2
    screenshot(page, "registry-import-07-history")

    # The imported person is found by the initials of their name, with their house.
    page.goto(f"{site}/registry/?q=zs")
    table = page.locator("[data-testid=person-table]")
    assert table.locator("tbody tr").count() == 1
    screenshot(page, "registry-import-08-person-search")
    with page.expect_navigation():
        table.get_by_role("link", name="张三").click()
    assert "张三" in page.inner_text("h1")
    screenshot(page, "registry-import-09-person")
    with page.expect_navigation():
        page.click("[data-testid=house-link]")
    assert page.url.endswith(f"/registry/houses/{house.pk}/")
    assert "张三" in page.inner_text("main")
    screenshot(page, "registry-import-10-house")
    assert console.errors == []
