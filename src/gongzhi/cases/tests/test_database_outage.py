"""PostgreSQL lost and back: a real server answers 503 and a Chinese page meanwhile, writes nothing
half, and works again on its own once the database returns (no restart).

The database is "lost" by cutting a TCP relay the server reaches it through (``tests.faults.Outage``):
the relay's connections are closed and new ones refused, as with a failed database host. SQLite is
a file inside the server's own machine: there is no server to lose, so this runs in the PostgreSQL lane.
"""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection
from django.test import Client

from gongzhi.accounts.services import create_api_token
from gongzhi.cases.models import Case
from tests.faults import Outage, database_url, served
from tests.support import http_request

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_server_answers_503_while_postgresql_is_unreachable_and_recovers_when_it_returns(cases_demo, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a database server to lose: the PostgreSQL lane runs this (SQLite is a local file)")
    db = connection.settings_dict
    outage = Outage(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    _row, token = create_api_token(user=cases_demo.users["resident"], name="test")
    api = {"Authorization": f"Bearer {token}"}
    browser = Client()
    browser.force_login(cases_demo.users["resident"])
    page = {"Cookie": f"gongzhi_session={browser.cookies['gongzhi_session'].value}"}

    def report(n: int):
        return http_request(f"{base}/api/v1/cases", method="POST", headers=api, timeout=30, body={
            "description": f"第{n}号路灯不亮，夜间行人看不清路面", "lon": cases_demo.lon, "lat": cases_demo.lat})

    try:
        with served(tmp_path, database_url=outage.url(database_url())) as base:
            assert report(1)[0] == 201
            assert http_request(f"{base}/cases/mine/", headers=page)[0] == 200

            outage.cut()
            status, headers, body = http_request(f"{base}/healthz")
            assert status == 503 and json.loads(body)["database"] == "unreachable"
            status, headers, body = http_request(f"{base}/cases/mine/", headers=page)
            assert status == 503 and "数据库暂时无法连接，您的这次操作没有保存" in body.decode(), body[:800]
            assert "Traceback" not in body.decode()
            status, _headers, body = report(2)
            assert status == 503 and json.loads(body)["code"] == "unavailable", body
            assert Case.objects.count() == 1  # nothing of the refused report (read here, not through the relay)

            outage.restore()
            deadline = time.monotonic() + 30
            while http_request(f"{base}/healthz")[0] != 200:
                assert time.monotonic() < deadline, "the server did not recover once the database returned"
                time.sleep(0.2)
            assert report(3)[0] == 201
            assert http_request(f"{base}/cases/mine/", headers=page)[0] == 200
            assert sorted(Case.objects.values_list("description", flat=True)) == [
                "第1号路灯不亮，夜间行人看不清路面", "第3号路灯不亮，夜间行人看不清路面"]
    finally:
        outage.cut()
