"""Helpers shared by the end-to-end, browser and API tests (no fixtures here, plain functions)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
DEMO_USERNAMES = ["admin", "auditor", "district", "street", "community", "grid", "dept", "resident",
                  "town", "village", "villagegrid", "villager"]
DEMO_PASSWORD = "Demo@12345"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(url: str, method: str = "GET", body: dict | None = None, timeout: float = 10,
                 headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One plain HTTP request (no proxy, no redirects); returns (status, headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if payload is not None else {}
        all_headers.update(headers or {})
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=payload,
                     headers=all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> tuple[int, dict, bytes]:
    """Poll ``url`` until the server answers; fail early if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    last_error: OSError | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode} before answering {url}")
        try:
            return http_request(url, timeout=5)
        except OSError as exc:  # connection refused or reset while the server starts
            last_error = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout:.0f}s (last error: {last_error})")


def stop_process_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the whole group started with ``start_new_session=True``; SIGKILL what lingers."""
    pgid = process.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group has already ended
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and group_members(pgid):
        process.poll()  # reap the leader so it does not linger as a zombie
        time.sleep(0.2)
    if group_members(pgid):
        os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=timeout)


def group_members(pgid: int) -> list[str]:
    """Live (non-zombie) processes of a process group, as "pid command line" strings, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # the process ended while we looked
            continue
        # Format: pid (comm) state ppid pgrp ...; comm may contain spaces, so split after ")".
        fields = stat[stat.rindex(")") + 2:].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(f"{entry.name} {cmdline}")
    return members


def reinstall_reference_data() -> None:
    """The rows the migrations install (the default catalogue, the official holidays), put back after
    a flush; idempotent (the conftest's ``demo`` fixture does the same)."""
    from gongzhi.cases import catalogue_default, holidays
    from gongzhi.cases.models import Category

    catalogue_default.install(Category)
    for year in (2025, 2026):
        holidays.install_year(year)


def demo_after_a_day_of_use(usernames, *, residents: int = 300, capture=None) -> dict:
    """The demo as ``./gz demo`` builds it (fewer residents), plus what a day of use leaves behind:
    sign-ins in the audit log, a resident's report still waiting for a category (the classifier's
    suggestion shows), a patrol under way with a visit, a registry import batch. Returns the demo
    accounts named in ``usernames``. ``capture`` runs on-commit work inside a test transaction
    (pytest-django's ``django_capture_on_commit_callbacks``); without one the caller autocommits."""
    from django.core.management import call_command
    from django.test import Client

    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.audit.services import record
    from gongzhi.cases import patrols
    from gongzhi.cases import services as case_services
    from gongzhi.demo.district import RESIDENT_GRID
    from gongzhi.registry.tests.test_import_page import messy_xlsx, upload

    with open(os.devnull, "w") as quiet:
        call_command("demo_setup", residents=residents, stdout=quiet)
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    record(actor=users["resident"], action="login.success")
    record(actor=users["community"], action="login.success")
    record(actor=None, actor_name="grid", action="login.failure", success=False)
    grid = Area.objects.get(code=RESIDENT_GRID)
    lon, lat = grid.centroid
    case_services.report_case(actor=users["resident"], description="小区门口的路灯坏了好几天，晚上很黑", lon=lon, lat=lat)
    patrol = patrols.start_patrol(actor=users["grid"], area=grid)
    patrols.add_visit(actor=users["grid"], patrol=patrol, door="3栋2单元101", head_name="张大爷", note="独居老人，身体尚可")
    staff = Client()
    staff.force_login(users["community"])
    upload(staff, messy_xlsx(), capture=capture)
    return users
