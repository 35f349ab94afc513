"""gunicorn settings for every server ./gz starts: ``./gz demo``, ``./gz serve`` and ``./gz bench intake``.

Used as ``gunicorn -c python:gongzhi.gunicorn_conf --bind HOST:PORT gongzhi.wsgi:application``.

* **Sync workers, one request at a time per process.** Django's request handling is Python
  work under the GIL, so processes, not threads, use the cores. With threaded workers a
  keep-alive connection stays with the process that accepted it, and a client's connections
  can pile onto one process (one core) while another idles: measured with 16 connections on
  two cores, the same run gave a third or two thirds of the throughput depending on how the
  connections happened to fall. A sync worker closes the connection after each answer, so
  every request is accepted by whichever process is free. In production nginx sits in front
  (ARCHITECTURE §1) and keeps the clients' connections alive; gunicorn's documentation
  recommends sync workers behind a buffering proxy.
* **2 × cores + 1 workers** (gunicorn's rule of thumb) unless ``GONGZHI_WEB_WORKERS`` says
  otherwise: a process waiting on the database leaves its core to another.
* **One control socket per instance**: gunicorn ≥ 25 opens a control socket for ``gunicornc``,
  by default one path per user (``~/.gunicorn/gunicorn.ctl``), so every instance on a machine
  would take it over from the others. Each instance gets its own under the checkout's ``var/run/``,
  named by the master's pid (``gunicornc -s var/run/gunicorn-PID.ctl``); none when that path is
  too long for a Unix socket.
* **Workers die with the master**: a master killed outright (SIGKILL, the OOM killer) would leave
  its sync workers serving on as orphans; each worker asks the kernel for SIGTERM when its parent
  dies, so ``./gz`` and systemd find nothing left behind when they restart the server.
* **A 120-second timeout**: a sync worker busy longer than that is restarted. Long work
  (imports, exports) runs in the task worker; no page should come near it.
* **No personal data in the access log.** Searches travel in the query string (``?q=<ID number>``,
  a phone, a name), and so do the referers of the pages after them: ``RedactingLogger`` logs the
  query's keys only (``/registry/?q=*&page=*``), in the request line and the referer alike.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from gunicorn.glogging import Logger

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,40}")


def redact_query(query: str) -> str:
    """``q=341702…&page=2`` → ``q=*&page=*``: the keys say what was asked, the values stay out."""
    if not query:
        return ""
    keys = [key if _PLAIN_KEY.fullmatch(key) else "*" for key, _value in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{key}=*" for key in keys) or "*"


def redact_url(url: str) -> str:
    """A request target or a referer with its query redacted (and any fragment dropped)."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, redact_query(parts.query), ""))


class RedactingLogger(Logger):
    """gunicorn's logger, with query strings (request line, ``%(q)s``, referer) redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = f"{atoms['m']} {redact_url(environ.get('RAW_URI', ''))} {atoms['H']}"
        atoms["q"] = redact_query(environ.get("QUERY_STRING", ""))
        atoms["f"] = redact_url(atoms["f"])
        if "{referer}i" in atoms:
            atoms["{referer}i"] = redact_url(atoms["{referer}i"])
        return atoms


worker_class = "sync"
workers = int(os.environ.get("GONGZHI_WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
timeout = 120
graceful_timeout = 30
accesslog = "-"
logger_class = RedactingLogger
errorlog = "-"

_run_dir = Path(os.environ.get("GONGZHI_VAR_DIR") or Path(__file__).resolve().parents[2] / "var") / "run"
control_socket = str(_run_dir / f"gunicorn-{os.getpid()}.ctl")
control_socket_disable = len(control_socket.encode()) > 100  # AF_UNIX paths hold at most 107 bytes
if not control_socket_disable:
    _run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for _stale in _run_dir.glob("gunicorn-*.ctl"):  # left by a master that was killed outright
        _pid = _stale.stem.partition("-")[2]
        try:
            os.kill(int(_pid), 0)
        except ProcessLookupError:
            _stale.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            pass


def post_fork(server, worker) -> None:
    """In each new worker: SIGTERM when the master dies (Linux ``PR_SET_PDEATHSIG``; nothing elsewhere)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass
