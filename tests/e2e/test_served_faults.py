"""The served demo (``./gz demo``) survives hostile workbooks and a dying worker, and stops cleanly.

* A hostile workbook uploaded to the import page fails its job with the limit it met, and an
  Open311 report posted afterwards is still filed by the worker.
* A task worker killed outright is restarted (its running job reaped), and filing goes on.
* When gunicorn exits, ``gz`` stops the worker and the clock; stopping ``gz`` stops everything.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tests import hostile
from tests.e2e.test_fresh_demo import clean_env, clone, run_gz  # noqa: F401 (clone is a fixture)
from tests.support import DEMO_PASSWORD, free_port, group_members, stop_process_group, wait_for_http

pytestmark = [pytest.mark.slow, pytest.mark.embedded]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _members(pgid: int, word: str) -> list[int]:
    return [int(line.split()[0]) for line in group_members(pgid) if word in line]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {value!r}")


def _group_ends(pgid: int, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert left == [], f"processes of ./gz demo outlived it: {left}"


def _start(clone) -> SimpleNamespace:  # noqa: F811
    port = free_port()
    log = open(clone / "serve.log", "a")
    server = subprocess.Popen(["./gz", "demo", "--port", str(port)], cwd=clone, env=clean_env(),
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/healthz", server, timeout=180)
    _wait(lambda: _members(server.pid, "db_worker") and _members(server.pid, " clock"), 60, "worker and clock")
    return SimpleNamespace(base=base, process=server, clone=clone)


@pytest.fixture(scope="module")
def prepared(clone):  # noqa: F811
    result, _seconds = run_gz(clone, "demo", "--no-serve", "--residents", "300")
    assert result.returncode == 0, result.stderr[-3000:]
    key = subprocess.run(["./gz", "manage", "open311_key", "市民热线"], cwd=clone, env=clean_env(),
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    with closing(sqlite3.connect(clone / "var" / "gongzhi.sqlite3")) as db:
        lon, lat = db.execute("SELECT centroid_lon, centroid_lat FROM areas_area WHERE level = 'grid' "
                              "AND centroid_lon IS NOT NULL ORDER BY code LIMIT 1").fetchone()
    return SimpleNamespace(clone=clone, key=key, lon=lon, lat=lat)


@pytest.fixture(scope="module")
def served(prepared):
    server = _start(prepared.clone)
    try:
        yield SimpleNamespace(**vars(server), key=prepared.key, lon=prepared.lon, lat=prepared.lat)
    finally:
        stop_process_group(server.process)


def _session(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/accounts/login/", timeout=30, headers={"Referer": f"{base}/accounts/login/"},
                          data={"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD})
    assert answer.status_code == 200 and "/accounts/login/" not in answer.url, answer.text[:500]
    return session


def _post_upload(session: requests.Session, base: str, name: str, data: bytes) -> requests.Response:
    page = session.get(f"{base}/registry/import/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    area = re.search(r'<option value="(\d+)"[^>]*selected', page.text).group(1)
    return session.post(f"{base}/registry/import/", files={"file": (name, data)}, allow_redirects=False,
                        data={"csrfmiddlewaretoken": token, "area": area}, timeout=60,
                        headers={"Referer": f"{base}/registry/import/"})


def _upload(session: requests.Session, base: str, name: str, data: bytes) -> int:
    answer = _post_upload(session, base, name, data)
    assert answer.status_code == 302, answer.text[:1000]
    return int(re.search(r"/(\d+)/?$", answer.headers["Location"]).group(1))


def _finished_job(session: requests.Session, base: str, job_id: int, timeout: float = 90) -> dict:
    def finished():
        state = session.get(f"{base}/jobs/{job_id}/progress/", timeout=30).json()
        return state if state["status"] in ("succeeded", "failed") else None
    return _wait(finished, timeout, f"job {job_id} to finish")


def _open311_is_filed(served, description: str, timeout: float = 120) -> dict:
    answer = requests.post(f"{served.base}/open311/v2/requests.json", timeout=30, data={
        "api_key": served.key, "service_code": "0303", "lat": served.lat, "long": served.lon,
        "description": description})
    assert answer.status_code == 200, answer.text[:500]
    token = answer.json()[0]["token"]

    def filed():
        found = requests.get(f"{served.base}/open311/v2/tokens/{token}.json", timeout=30).json()
        return found[0] if found and found[0].get("service_request_id") else None
    return _wait(filed, timeout, "the Open311 report to be filed by the worker")


@pytest.mark.parametrize(("name", "make", "reason", "refused_by"), [
    # Workbooks are refused by the upload guard (the same bounds as the job's), before any job starts.
    ("sparse.xlsx", hostile.sparse_xlsx, "表格行数过多：最多 300,000 行", "upload"),
    ("inline.xlsx", lambda: hostile.huge_inline_string_xlsx(600 * 1024 * 1024, compressible=True),
     "表格文件解压后过大：最多 512 MB", "upload"),
    ("bomb.xlsx", hostile.zip_bomb_xlsx, "疑似压缩炸弹", "upload"),
    # A CSV is bounded as the job reads it: the job fails in the worker, which carries on.
    ("huge.csv", hostile.huge_csv, "表格行数过多：最多 300,000 行", "job"),
])
def test_a_hostile_workbook_fails_its_job_and_open311_is_still_filed(served, name, make, reason, refused_by):
    session = _session(served.base, "community")
    worker = _members(served.process.pid, "db_worker")

    if refused_by == "upload":
        answer = _post_upload(session, served.base, name, make())
        assert answer.status_code != 302 and reason in answer.text, answer.text[:1000]
    else:
        job = _finished_job(session, served.base, _upload(session, served.base, name, make()))
        assert job["status"] == "failed" and reason in job["message"], job

    assert _members(served.process.pid, "db_worker") == worker  # the same worker, alive
    filed = _open311_is_filed(served, f"{name} 之后提交的井盖塌陷报告，路面下沉明显")
    assert filed["service_request_id"]


def test_a_killed_worker_is_restarted_and_its_running_job_is_reaped(served):
    session = _session(served.base, "community")
    [worker] = _members(served.process.pid, "db_worker")
    # A job shown as running on this worker: the import of a big clean sheet, caught while it runs.
    sheet = ("姓名,身份证号\n" + "张三,110101199003070003\n" * 250_000).encode()
    job_id = _upload(session, served.base, "big.csv", sheet)
    _wait(lambda: session.get(f"{served.base}/jobs/{job_id}/progress/", timeout=30).json()["status"] == "running",
          60, "the job to start")
    job_process = _wait(lambda: [pid for pid in _members(served.process.pid, "db_worker") if _parent(pid) == worker],
                        30, "the job's own process")

    os.kill(worker, signal.SIGKILL)

    _wait(lambda: [pid for pid in _members(served.process.pid, "db_worker") if pid != worker and
                   pid not in job_process], 60, "a new worker")
    job = _finished_job(session, served.base, job_id, timeout=60)
    assert (job["status"], job["message"]) == ("failed", "处理中断，请重新上传")
    # The killed worker's job process did not run on as an orphan.
    _wait(lambda: not any(Path(f"/proc/{pid}").exists() and "db_worker" in Path(f"/proc/{pid}/cmdline").read_text()
                          for pid in job_process), 20, "the job process to die with its worker")
    filed = _open311_is_filed(served, "工人进程重启之后提交的路灯损坏报告，夜间无照明")
    assert filed["service_request_id"]


def test_when_gunicorn_exits_gz_stops_the_worker_and_the_clock(prepared):
    server = _start(prepared.clone)
    try:
        [master] = [pid for pid in _members(server.process.pid, "gunicorn") if _parent(pid) == server.process.pid]
        os.kill(master, signal.SIGKILL)
        server.process.wait(timeout=60)
        _group_ends(server.process.pid)
        assert "worker: unbound variable" not in (prepared.clone / "serve.log").read_text()
    finally:
        stop_process_group(server.process)


def test_stopping_gz_stops_every_child_and_each_server_has_its_own_control_socket(prepared):
    server = _start(prepared.clone)
    try:
        [master] = [pid for pid in _members(server.process.pid, "gunicorn") if _parent(pid) == server.process.pid]
        own = prepared.clone / "var" / "run" / f"gunicorn-{master}.ctl"
        # Its own socket (beside the socket of the module's other server, from the same checkout).
        _wait(own.is_socket, 20, f"gunicorn's control socket {own}")

        os.kill(server.process.pid, signal.SIGTERM)  # gz alone, not its process group
        server.process.wait(timeout=60)
        _group_ends(server.process.pid)
    finally:
        stop_process_group(server.process)
    assert not own.exists()
