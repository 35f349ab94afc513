"""From a fresh clone, `./gz demo --no-serve` then `./gz demo` serve the Chinese home page.

The repository's files (tracked plus new, not ignored: what a clone would hold after this work
is committed) are copied to a temporary directory, so ``var/`` starts empty. The existing
virtual environment is linked in, because creating one needs the package registry; its stamp
(the hash of requirements.lock and pyproject.toml) matches the copy, so ``gz`` reuses it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from types import SimpleNamespace

import pytest

from tests.browser.pages import ROLE_HOMES, login, screenshot
from tests.support import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    REPO_ROOT,
    free_port,
    group_members,
    http_request,
    stop_process_group,
    wait_for_http,
)

pytestmark = [pytest.mark.slow, pytest.mark.embedded]

DEMO_AREAS = 1 + 3 + 12 + 120 + 1 + 2 + 12  # the streets, then the town with its villages and groups


def clean_env() -> dict:
    """The caller's environment minus what the test run set (settings module, test database…)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GONGZHI_", "DJANGO_", "PYTEST_")) and k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["GONGZHI_WEB_WORKERS"] = "2"  # two cores on the test machine; the default is 3
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A copy of the repository as a fresh clone would have it, with the venv linked in."""
    root = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    copied = 0
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if not source.is_file():  # tracked but deleted in the working tree
            continue
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    assert copied > 50 and (root / "gz").stat().st_mode & 0o111
    assert not (root / "var").exists()
    (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    return root


def run_gz(clone, *args, timeout=600) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(["./gz", *args], cwd=clone, env=clean_env(), capture_output=True, text=True,
                            timeout=timeout)
    return result, time.monotonic() - started


def demo_counts(clone) -> dict:
    with closing(sqlite3.connect(clone / "var" / "gongzhi.sqlite3")) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
                for table in ("areas_area", "accounts_user", "accounts_roleassignment", "accounts_department")}


def test_demo_no_serve_prepares_a_fresh_clone_and_a_rerun_reuses_it(clone):
    first, first_seconds = run_gz(clone, "demo", "--no-serve")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "installing pinned dependencies" not in first.stderr  # the linked venv was accepted
    for username in DEMO_USERNAMES:
        assert f"  {username} " in first.stdout
    assert DEMO_PASSWORD in first.stdout
    assert "not serving: --no-serve" in first.stderr
    # Everything lives in the clone's own var/: database, keys, collected static files.
    assert (clone / "var" / "gongzhi.sqlite3").is_file()
    assert (clone / "var" / "secret.key").is_file() and (clone / "var" / "data.key").is_file()
    assert (clone / "var" / "static" / "gongzhi" / "app.css").is_file()
    assert (clone / "var" / "static" / "leaflet" / "leaflet.js").is_file()
    counts = demo_counts(clone)
    assert counts == {"areas_area": DEMO_AREAS, "accounts_user": 12, "accounts_roleassignment": 12,
                      "accounts_department": 6}

    # A second run reuses what exists: no new data, and quicker than building it.
    second, second_seconds = run_gz(clone, "demo", "--no-serve")
    assert second.returncode == 0, second.stderr[-3000:]
    assert demo_counts(clone) == counts
    assert second_seconds < max(first_seconds, 30)


@pytest.fixture(scope="module")
def served(clone):
    """``./gz demo --port N`` in its own process group; stopped (all of it) after the module."""
    port = free_port()
    with open(clone / "serve.log", "w") as log:
        server = subprocess.Popen(["./gz", "demo", "--port", str(port)], cwd=clone, env=clean_env(),
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", server, timeout=120)
        yield SimpleNamespace(base=base, process=server)
    finally:
        stop_process_group(server)
    assert group_members(server.pid) == [], "processes of ./gz demo outlived it"
    with pytest.raises(OSError):
        http_request(f"{base}/healthz", timeout=2)


def test_served_demo_answers_in_chinese_and_issues_api_tokens(served):
    status, headers, body = http_request(f"{served.base}/")
    page = body.decode()
    assert status == 200, page[:500]
    assert headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page
    assert "社区治理平台" in page
    # Static files come from the app server itself (whitenoise), not from a CDN.
    assert http_request(f"{served.base}/static/gongzhi/app.css")[0] == 200

    health = http_request(f"{served.base}/healthz")
    assert (health[0], json.loads(health[2])) == (200, {"status": "ok", "database": "ok"})

    status, _h, body = http_request(f"{served.base}/api/v1/auth/token", "POST",
                                    {"username": "street", "password": DEMO_PASSWORD})
    assert status == 200, body[:500]
    token = json.loads(body)["token"]
    status, _h, body = http_request(f"{served.base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert status == 200
    assert json.loads(body)["real_name"] == "李主任"

    # gz serves the task worker beside the web server, both in the process group it leads.
    members = "\n".join(group_members(served.process.pid))
    assert "gunicorn" in members and "db_worker" in members, members


@pytest.mark.browser
@pytest.mark.parametrize(("username", "real_name", "path", "viewport"), [(r[0], r[1], r[2], r[5]) for r in ROLE_HOMES],
                         ids=[r[0] for r in ROLE_HOMES])
def test_each_demo_account_signs_in_on_the_served_demo(served, open_page, console, username, real_name, path,
                                                       viewport):
    """The served demo (gunicorn, collected static files) in a real browser, account by account."""
    page = open_page(viewport)
    login(page, served.base, username)

    assert page.url == f"{served.base}{path}"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert real_name in page.inner_text(".usermenu .who")
    screenshot(page, f"demo-{username}")
    assert console.errors == []


@pytest.mark.browser
def test_the_served_demo_runs_import_and_export_jobs_in_its_worker(served, open_page, console, tmp_path):
    """Jobs cross processes: the page (gunicorn) queues them, ``db_worker`` runs them, and the
    progress and result reach the page through the database and the jobs cache."""
    page = open_page()
    login(page, served.base, "community")

    page.goto(f"{served.base}/registry/export/?age=80%2B")
    page.click("[data-testid=export-masked]")
    page.wait_for_selector("[data-testid=job-download]", timeout=90_000)
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    workbook = tmp_path / "export.xlsx"
    download.value.save_as(workbook)
    import openpyxl

    rows = list(openpyxl.load_workbook(workbook, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) > 10 and "身份证号码" in rows[0]
    screenshot(page, "demo-export-done")

    sheet = tmp_path / "居民.csv"
    sheet.write_text("姓名,身份证号码,联系电话\n测试员,110101199003070003,13900001111\n"
                     "测试乙,11010119900307001X,13900002222\n", encoding="utf-8")
    page.goto(f"{served.base}/registry/import/")
    page.set_input_files("input[type=file]", str(sheet))
    assert page.input_value("select[name=area]") == "341702001001"  # the community worker's own community
    page.click("[data-testid=import-check]")
    page.wait_for_selector("[data-testid=import-dry-run]", timeout=90_000)
    assert "校验位" in page.inner_text("[data-testid=import-errors]")
    screenshot(page, "demo-import-check")
    page.click("[data-testid=import-commit]")
    page.wait_for_selector("[data-testid=import-done]", timeout=90_000)
    screenshot(page, "demo-import-done")
    assert console.errors == []
