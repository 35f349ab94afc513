"""Is the platform running on this installation's data? (A restore refuses while it is.)

Three signs, each enough:

* **pid files under ``var/run/``**: gunicorn's control socket ``gunicorn-<master pid>.ctl``
  (``gongzhi/gunicorn_conf.py``) and the ``<command>-<pid>.pid`` files the task worker and the
  clock write while they run (``gongzhi/__main__.py`` calls ``pid_file``). A file whose process is
  gone (killed outright) is ignored: the pid must be alive and its command line the platform's.
* **SQLite**: another process of this machine holds the database file (or its WAL) open, found
  in ``/proc/<pid>/fd``: any server, worker, shell or ``sqlite3`` on the same file.
* **PostgreSQL**: another client session on the database (``pg_stat_activity``), from any host:
  the app servers and workers of every machine of a multi-host installation.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

PID_SUFFIX = ".pid"
# Command-line words of the platform's processes (python -m gongzhi …, gunicorn … gongzhi.wsgi).
_OURS = (b"gongzhi", b"gunicorn")


def run_dir() -> Path:
    return Path(settings.VAR_DIR) / "run"


def pid_file(name: str) -> Path | None:
    """Write ``var/run/<name>-<pid>.pid`` for this process, removed when it exits; ``None`` if it cannot."""
    path = run_dir() / f"{name}-{os.getpid()}{PID_SUFFIX}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(f"{os.getpid()}\n")
    except OSError:
        return None
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not in a forked job process exiting before its parent
            path.unlink(missing_ok=True)

    atexit.register(remove)
    return path


def _alive(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (not Linux): trust the pid
    return any(word in cmdline for word in _OURS)  # a reused pid belongs to something else


def _pid_of(path: Path) -> int | None:
    stem = path.name.removesuffix(PID_SUFFIX).removesuffix(".ctl")
    _name, _dash, pid = stem.rpartition("-")
    return int(pid) if pid.isdigit() else None


def pid_file_processes() -> list[str]:
    """``name (pid N)`` of every live platform process with a pid file or control socket in var/run/."""
    found = []
    directory = run_dir()
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        if not (path.name.endswith(PID_SUFFIX) or (path.name.startswith("gunicorn-") and path.name.endswith(".ctl"))):
            continue
        pid = _pid_of(path)
        if pid is not None and _alive(pid):
            name = path.name.rsplit("-", 1)[0]
            found.append(f"{name} (pid {pid})")
    return found


def processes_with_file_open(paths: list[Path]) -> list[str]:
    """``pid N: command`` of the other processes holding one of ``paths`` open (Linux /proc)."""
    wanted = {str(p) for p in paths}
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:  # another user's process, or gone
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target in wanted:
                try:
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    command = "?"
                found.append(f"pid {entry.name}: {command[:120]}")
                break
    return found


def other_postgres_sessions() -> list[str]:
    """The other client sessions on this PostgreSQL database (any host)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, coalesce(client_addr::text, 'local'), coalesce(application_name, '') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' ORDER BY pid"
        )
        return [f"session {pid} from {addr} {app}".strip() for pid, addr, app in cursor.fetchall()]


def running_signs() -> list[str]:
    """What shows the platform (or anything else) is using this installation's data right now."""
    signs = pid_file_processes()
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"]).resolve()
        signs += processes_with_file_open([name, Path(f"{name}-wal")])
    elif connection.vendor == "postgresql":
        signs += other_postgres_sessions()
    return signs
