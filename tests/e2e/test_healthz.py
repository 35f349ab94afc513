"""/healthz: 200 with a working database, 503 from a real app server whose database is down — where pages
answer 503 with a Chinese page that needs no database."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support import REPO_ROOT, free_port, http_request, stop_process_group, wait_for_http


@pytest.mark.django_db
def test_healthz_is_ok_with_the_database_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.slow
@pytest.mark.embedded
def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    """gunicorn with the embedded settings, pointed at a PostgreSQL port where nothing listens."""
    dead_db_port, port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGZHI_", "DJANGO_", "PYTEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings.embedded",
        "GONGZHI_DATABASE_URL": f"postgres://gongzhi@127.0.0.1:{dead_db_port}/gongzhi",
        "GONGZHI_SECRET_KEY": "healthz-test-secret-key-0123456789abcdefghijklmnop",
        "GONGZHI_DATA_KEY": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "GONGZHI_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(REPO_ROOT / "src"),
    })
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(REPO_ROOT / ".venv" / "bin" / "gunicorn"), "gongzhi.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status, headers, body = wait_for_http(f"http://127.0.0.1:{port}/healthz", server, timeout=60)
        assert status == 503, body[:500]
        assert headers["content-type"] == "application/json"
        assert json.loads(body) == {"status": "error", "database": "unreachable"}

        # The server keeps running and answers the next probe the same way (no crash, no hang).
        again = http_request(f"http://127.0.0.1:{port}/healthz")
        assert again[0] == 503
        assert server.poll() is None

        # Pages and the API say so clearly, in Chinese, without a traceback (core.views.server_error).
        # (A visitor without a session sees the landing page: it needs no database.)
        signed_in = {"Cookie": "gongzhi_session=abcdefghijklmnopqrstuvwxyz012345"}  # looked up in the database
        for path in ("/cases/", "/accounts/profile/"):
            status, headers, body = http_request(f"http://127.0.0.1:{port}{path}", headers=signed_in)
            page = body.decode()
            assert status == 503 and headers["retry-after"] == "30", (path, status, page[:500])
            assert "数据库暂时无法连接，您的这次操作没有保存" in page and "Traceback" not in page, page[:1000]
        status, _headers, body = http_request(f"http://127.0.0.1:{port}/api/v1/cases", method="POST",
                                              body={"description": "路灯不亮"}, headers=signed_in)
        assert status == 503 and json.loads(body)["code"] == "unavailable", body[:500]
    finally:
        stop_process_group(server)
    assert "connection" in log_path.read_text().lower()  # the cause is logged for the operator
