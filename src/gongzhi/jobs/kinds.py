"""What a job of each kind runs. Apps register their runners in ``AppConfig.ready``::

    from gongzhi.jobs.kinds import JobKind, register
    register(JobKind("registry.export", _("人员导出"), run_export, stages={"write": _("写入表格")}))

A runner receives a ``JobContext`` (``gongzhi.jobs.services``): the job, its input file, a
progress callback and a way to store the output file. It raises ``JobError`` with a message for
the user when it cannot finish; anything else is logged and shown as a generic failure.

A job whose worker died (killed, power cut) is found by the reaper (``services.reap_interrupted``).
``retry(job)`` says whether running it again from the start has the same effect as running it once
(an export rewrites its file; a committed import matches the persons already written by blind
index and never adds them twice): such a job is queued again, once. ``interrupted(job)`` tidies
what the dead run left (an import's batch) and may return the message the failed job shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class JobError(Exception):
    """A job could not finish, for a reason the user can act on (the message is shown as is)."""


@dataclass(frozen=True)
class JobKind:
    code: str
    label: Any  # a lazy translation
    runner: Callable[[Any], None]
    stages: dict[str, Any] = field(default_factory=dict)
    retry: Callable[[Any], bool] | None = None
    interrupted: Callable[[Any], Any] | None = None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    _KINDS[kind.code] = kind


def get(code: str) -> JobKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no job kind {code!r} is registered") from None


def label(code: str) -> Any:
    kind = _KINDS.get(code)
    return kind.label if kind else code


def stage_label(code: str, stage: str) -> Any:
    kind = _KINDS.get(code)
    return (kind.stages.get(stage) if kind else None) or stage
