"""Holding an uploaded import file between the check and the confirmation.

The bytes go to the default file storage under ``imports/<random token>.bin`` (the local media
directory, or the shared object store when several app servers run), never into the session.
The session keeps only the token, so one user cannot confirm another user's upload. Files older
than a day are swept whenever a new one is staged.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

DIRECTORY = "imports"
MAX_AGE = timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _name(token: str) -> str | None:
    return f"{DIRECTORY}/{token}.bin" if _TOKEN.fullmatch(token or "") else None


def stage(data: bytes) -> str:
    """Store ``data``; return the token that names it."""
    sweep()
    token = secrets.token_urlsafe(24)
    default_storage.save(_name(token), ContentFile(data))
    return token


def load(token: str) -> bytes | None:
    """The staged bytes, or None when the token is malformed or the file is gone."""
    name = _name(token)
    if name is None or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def discard(token: str) -> None:
    name = _name(token)
    if name is not None and default_storage.exists(name):
        default_storage.delete(name)


def sweep() -> None:
    """Delete staged files older than ``MAX_AGE`` (uploads that were never confirmed)."""
    if not default_storage.exists(DIRECTORY):
        return
    cutoff = timezone.now() - MAX_AGE
    _dirs, files = default_storage.listdir(DIRECTORY)
    for filename in files:
        name = f"{DIRECTORY}/{filename}"
        if filename.endswith(".bin") and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
