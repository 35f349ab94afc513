"""The one gunicorn configuration ./gz demo, ./gz serve and ./gz bench intake start their servers with."""

import importlib
import os

from gongzhi import gunicorn_conf


def load(monkeypatch, workers: str | None):
    if workers is None:
        monkeypatch.delenv("GONGZHI_WEB_WORKERS", raising=False)
    else:
        monkeypatch.setenv("GONGZHI_WEB_WORKERS", workers)
    return importlib.reload(gunicorn_conf)


def test_sync_workers_two_per_core_plus_one_unless_told(monkeypatch):
    before = os.environ.get("GONGZHI_WEB_WORKERS")
    try:
        conf = load(monkeypatch, None)
        assert conf.worker_class == "sync" and conf.workers == 2 * os.cpu_count() + 1
        assert conf.accesslog == "-" and conf.timeout >= 60
        assert load(monkeypatch, "2").workers == 2
    finally:
        load(monkeypatch, before)  # the module as the rest of the run knows it


def test_gz_and_the_intake_benchmark_use_it():
    from pathlib import Path

    root = Path(__file__).resolve().parents[4]
    assert "-c python:gongzhi.gunicorn_conf" in (root / "gz").read_text()
    assert '"python:gongzhi.gunicorn_conf"' in (root / "bench" / "scenarios" / "intake.py").read_text()


def test_the_access_log_keeps_no_search_text():
    """A full ID, a phone or a name searched for never reaches the access log (nor the referer)."""
    import datetime
    import io
    import logging
    from types import SimpleNamespace

    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    assert gunicorn_conf.logger_class is gunicorn_conf.RedactingLogger
    logger = gunicorn_conf.RedactingLogger(config)
    stream = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/registry/?q=341702200211252264&page=2",
               "PATH_INFO": "/registry/", "QUERY_STRING": "q=341702200211252264&page=2",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": "https://gz.example/registry/?q=13912345678", "HTTP_USER_AGENT": "test"}
    request = SimpleNamespace(headers=[("REFERER", "https://gz.example/registry/?q=%E5%BC%A0%E4%B8%89")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=5))
    line = stream.getvalue()
    assert "GET /registry/?q=*&page=* HTTP/1.1" in line and "https://gz.example/registry/?q=*" in line
    for secret in ("341702200211252264", "13912345678", "%E5%BC%A0", "张三"):
        assert secret not in line
