"""Running a piece of work in a forked child process under a memory limit.

A background job handles files from users; a hostile or merely huge one can make a reader
allocate gigabytes, and a native library (calamine) aborts the whole process when an allocation
fails. ``run_in_child`` forks, caps the child's address space (``RLIMIT_AS``: what it has at the
fork plus ``memory_mb``), runs the work there and sends its result back through a pipe. However the
child ends — a result, an exception, a ``MemoryError``, killed by the kernel or aborted — the
caller gets an ``Outcome`` and carries on. While waiting it calls ``on_beat`` every ``beat_seconds``
(the job's heartbeat). If the caller itself is stopped while waiting (the worker's SIGTERM), the
child is killed and the outcome is ``INTERRUPTED``.

Every child (and the helper processes a child starts, see ``core.parallel``) asks the kernel to
kill it when its parent dies (``PR_SET_PDEATHSIG``), so a worker that dies leaves no orphans.

Database connections: the parent closes its connections before forking unless it is inside a
transaction (tests); the child then opens its own. A non-SQLite connection inherited from inside a
transaction is detached in the child (its socket belongs to the parent).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import resource
import select
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

FINISHED, FAILED, DIED, INTERRUPTED = "finished", "failed", "died", "interrupted"
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Outcome:
    kind: str  # FINISHED (value: the work's result), FAILED (value: the exception's text),
    value: Any  # DIED (value: how the child ended), INTERRUPTED (the caller was stopped)


def can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(resource, "RLIMIT_AS")


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent ends (nothing elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    return True


def _address_space_bytes() -> int:
    """This process's current virtual size (VmSize), or 0 when /proc does not say."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at its current size plus ``memory_mb``."""
    cap = _address_space_bytes() + memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _prepare_fork() -> None:
    from django.core.cache import caches
    from django.db import connections

    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        connections.close_all()
    caches.close_all()


def _detach_connections() -> None:
    """In the child: forget inherited network connections (their sockets are the parent's)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.vendor != "sqlite" and conn.connection is not None:
            conn.connection = None
            conn.in_atomic_block = False
            conn.atomic_blocks = []
            conn.savepoint_ids = []
            conn.needs_rollback = False
            conn.run_on_commit = []


def run_in_child(work: Callable[[], Any], *, memory_mb: int, on_beat: Callable[[], None] | None = None,
                 beat_seconds: float = 30, name: str = "work") -> Outcome:
    """``work()`` in a forked child limited to ``memory_mb`` more address space; see the module."""
    _prepare_fork()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reader)
        _child(work, writer, memory_mb)
    os.close(writer)
    received = bytearray()
    try:
        while True:
            ready, _w, _x = select.select([reader], [], [], beat_seconds)
            if not ready:
                if on_beat:
                    on_beat()
                continue
            chunk = os.read(reader, 1 << 16)
            if not chunk:
                break
            received += chunk
        _pid, status = os.waitpid(pid, 0)
    except BaseException:  # the caller is stopped (SystemExit from a signal handler, Ctrl-C)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        logger.warning("%s: stopped while its child process ran; the child was killed", name)
        return Outcome(INTERRUPTED, None)
    finally:
        os.close(reader)
    if received:
        try:
            return pickle.loads(bytes(received))
        except Exception:  # noqa: BLE001 - a truncated message: the child died while writing it
            logger.exception("%s: unreadable result from the child process", name)
    return Outcome(DIED, _describe(status))


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"


def _child(work: Callable[[], Any], writer: int, memory_mb: int) -> None:
    code = 0
    try:
        die_with_parent()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _detach_connections()
        limit_memory(memory_mb)
        try:
            outcome = Outcome(FINISHED, work())
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            logger.error("child process failed: %s", "".join(traceback.format_exception(error))[-4000:])
            outcome = Outcome(FAILED, f"{type(error).__name__}: {error}")
        try:
            payload = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # noqa: BLE001 - a result that cannot travel
            payload = pickle.dumps(Outcome(FAILED, f"unpicklable result: {error}"))
        view = memoryview(payload)
        while view:
            view = view[os.write(writer, view):]
    except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code path
        code = 70
    finally:
        os._exit(code)
