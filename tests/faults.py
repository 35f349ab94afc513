"""Crash tests' helper: run Python in a separate process on the test database, killed at a named point.

``in_child(code, fault="registry.import.chunk_written@2")`` runs ``code`` with Django set up on the
test database (the one pytest-django made: SQLite file or PostgreSQL ``test_…``) and this process's
media root, with ``GONGZHI_FAULT_AT`` set, so ``gongzhi.core.faults.point`` SIGKILLs the child
exactly there. The test needs ``django_db(transaction=True)`` so the child sees its rows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading

from tests.support import REPO_ROOT, free_port, stop_process_group, wait_for_http

PREAMBLE = """
import os, django
from django.conf import settings
django.setup()
settings.MEDIA_ROOT = os.environ["GZ_FAULT_MEDIA_ROOT"]
settings.GONGZHI_JOB_MEMORY_MB = int(os.environ.get("GZ_FAULT_JOB_MEMORY_MB", "0"))
"""


def database_url() -> str:
    """The URL of the test database this process uses (the name pytest-django gave it)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(fault: str | None = None, once: str | None = None, **extra: str) -> dict[str, str]:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGZHI_FAULT", "PYTEST_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "gongzhi.settings.test", "GONGZHI_DATABASE_URL": database_url(),
                "GZ_FAULT_MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)])})
    if fault:
        env["GONGZHI_FAULT_AT"] = fault
    if once:
        env["GONGZHI_FAULT_ONCE"] = once
    env.update(extra)
    return env


def in_child(code: str, *, fault: str | None = None, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    """Run ``code`` (dedented) in a child process set up on the test database; see the module."""
    from django.db import connections

    connections.close_all()  # SQLite: nothing of this process's stays open across the child's writes
    return subprocess.run([sys.executable, "-c", PREAMBLE + textwrap.dedent(code)], env=child_env(fault, **extra),
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)


def killed(result: subprocess.CompletedProcess) -> bool:
    """Whether the child ended by SIGKILL (at its fault point), not by finishing or failing."""
    return result.returncode == -signal.SIGKILL


@contextlib.contextmanager
def served(tmp_path, *, fault: str | None = None, database_url: str | None = None, **extra: str):
    """gunicorn (one sync worker, the test settings) on the test database; yields its base URL.

    With ``fault``, each named point SIGKILLs the first worker that reaches it (``GONGZHI_FAULT_ONCE``):
    the request in flight gets no answer and the master starts a new worker, as in production.
    """
    port = free_port()
    env = child_env(fault, once=str(tmp_path / "fault") if fault else None, GONGZHI_VAR_DIR=str(tmp_path / "var"),
                    **extra)
    if database_url:
        env["GONGZHI_DATABASE_URL"] = database_url
    log = open(tmp_path / "gunicorn.log", "a")
    server = subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "gunicorn"), "gongzhi.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket",
         "--preload"],  # a killed worker is replaced by a fork at once
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", server, timeout=90)
        yield base
    finally:
        stop_process_group(server)


class Outage:
    """A TCP relay to the database that the test can cut (the database "unreachable") and restore.

    ``cut()`` closes the listening socket and every relayed connection, as a failed database host
    or a broken network does; new connections are refused until ``restore()`` listens again on
    the same port.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def url(self, database_url: str) -> str:
        """``database_url`` pointed at the relay."""
        head, _at, rest = database_url.rpartition("@")
        return f"{head}@127.0.0.1:{self.port}/{rest.split('/', 1)[1]}"

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:  # cut
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
