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
"""

from __future__ import annotations

import os

worker_class = "sync"
workers = int(os.environ.get("GONGZHI_WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
timeout = 120
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
