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
* **A 120-second timeout**: a sync worker busy longer than that is restarted. Long work
  (imports, exports) runs in the task worker; no page should come near it.
* **No personal data in the access log.** Searches travel in the query string (``?q=<ID number>``,
  a phone, a name), and so do the referers of the pages after them: ``RedactingLogger`` logs the
  query's keys only (``/registry/?q=*&page=*``), in the request line and the referer alike.
"""

from __future__ import annotations

import os
import re
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
