"""The case loop's domain errors (mapped once to HTTP in core/api.py, shown as messages on pages)."""

from __future__ import annotations

from gongzhi.core.errors import Conflict, DomainError, InvalidInput, NotAllowed

__all__ = ["CaseConflict", "DomainError", "InvalidInput", "InvalidTransition", "NotAllowed"]


class CaseConflict(Conflict):
    """Somebody else acted on the case since it was read (optimistic version check)."""

    code = "conflict"


class InvalidTransition(Conflict):
    """The action does not apply to the case in its current state."""

    code = "invalid_transition"
