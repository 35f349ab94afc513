"""Deterministic kill points for the crash tests: ``point("name")`` does nothing unless asked to.

A test starts a process (a worker, a server) with ``GONGZHI_FAULT_AT=name`` (or ``name@N``: the
Nth time this process reaches the point; several points separated by commas); when the process
reaches that point it kills itself with SIGKILL, exactly as a power cut or the OOM killer would
end it there. With ``GONGZHI_FAULT_ONCE=PATH`` only the first process to reach each point dies
(it creates ``PATH.name``), so a server's restarted worker does not die there again. Without the variable (production), ``point`` is a
comparison with ``None``.
"""

from __future__ import annotations

import os
import signal

_AT = os.environ.get("GONGZHI_FAULT_AT") or None
_hits: dict[str, int] = {}


def point(name: str) -> None:
    """Die here (SIGKILL) when the environment names this point; otherwise return at once."""
    if _AT is None:
        return
    nth = next((n for wanted, _, n in (item.partition("@") for item in _AT.split(",")) if wanted == name), None)
    if nth is None:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] != int(nth or 1):
        return
    once = os.environ.get("GONGZHI_FAULT_ONCE")
    if once:
        try:
            os.close(os.open(f"{once}.{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)
