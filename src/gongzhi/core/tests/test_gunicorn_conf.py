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
