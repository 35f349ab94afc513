"""The disclosure app's domain errors (shown as messages on pages, mapped to HTTP by core)."""

from gongzhi.core.errors import Conflict, DomainError, InvalidInput, NotAllowed

__all__ = ["Conflict", "DomainError", "InvalidInput", "NotAllowed"]
