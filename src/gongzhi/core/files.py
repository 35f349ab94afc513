"""var/ holds the database, its WAL, keys, logs, job uploads and exports: readable by the owner only.

Every process the platform starts (``python -m gongzhi`` — commands and the task worker — and the
gunicorn workers through ``wsgi``) calls ``restrict_var_dir`` first: its umask becomes 077, so
every file it creates (SQLite's database and WAL, logs, exports) is 0600 and every directory
0700, and var/ itself and the files already at its top level are narrowed to the owner (a var/
written by an older version). Uploads saved through Django's storage get 0600 as well
(``FILE_UPLOAD_PERMISSIONS``). ``./gz`` sets the same umask for the logs its shell redirects.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from gongzhi.core import faults

OWNER_ONLY_UMASK = 0o077


def restrict_var_dir(var_dir: Path | str) -> None:
    """Set the process umask to 077 and make ``var_dir`` and its top-level files owner-only."""
    os.umask(OWNER_ONLY_UMASK)
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    uid = os.getuid()
    for path in (var_dir, *var_dir.iterdir()):
        try:
            info = path.lstat()
        except FileNotFoundError:  # removed in between (a WAL checkpointed away)
            continue
        if info.st_uid != uid or path.is_symlink():
            continue
        wanted = 0o700 if path.is_dir() else 0o600
        if info.st_mode & 0o777 & ~wanted:
            path.chmod(info.st_mode & wanted)


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def is_disk_full(error: BaseException | None) -> bool:
    """Whether ``error`` says the disk (or the process's file-size limit) has no room for a write."""
    return isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS


def save_whole(name: str, content: IO[bytes], storage=None) -> str:
    """Save ``content`` under ``name`` (or a free variant of it), whole or not at all; return the name.

    Django's file system storage writes straight into the final name, so a process killed (or a
    disk filling up) in the middle would leave a partial file there, looking like any other. Here
    the bytes go to a hidden partial name in the same directory first and are then hard-linked
    under the final name (which never replaces an existing file) — the name appears only once the
    file is complete; the partial name is removed whether the save succeeds or not. Other storages
    (object stores) publish an object only once it is uploaded whole and are used as they are.
    """
    storage = storage or default_storage
    if not isinstance(storage, FileSystemStorage):
        return storage.save(name, File(content))
    directory, _slash, base = name.rpartition("/")
    partial = f"{directory}/.partial-{secrets.token_hex(8)}" if directory else f".partial-{secrets.token_hex(8)}"
    try:
        storage.save(partial, File(content))
        faults.point("files.before_publish")
        source = storage.path(partial)
        final = name
        while True:
            final = storage.get_available_name(final)
            try:
                os.link(source, storage.path(final))
            except FileExistsError:  # taken meanwhile by another process: the next free variant
                continue
            except OSError:  # a file system without hard links: renamed (atomic too, but may replace)
                os.rename(source, storage.path(final))
            return final
    finally:
        with contextlib.suppress(OSError):
            os.unlink(storage.path(partial))
