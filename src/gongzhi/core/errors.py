"""Domain errors: raised by services with a stable code and a Chinese message, mapped once to HTTP.

An app subclasses ``DomainError`` (``CaseConflict``, ``InvalidTransition``…) and sets ``status``
and ``code``; the API answers ``{"detail": message, "code": code}`` with that status, and pages
show the message.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, fields=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}  # field → message, for forms


class NotAllowed(DomainError):
    """The user may not take this step on this object (it is visible to them)."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object changed since it was read, or is not in a state that allows the step."""

    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    status = 422
    code = "invalid"
