"""var/ holds the database, its WAL, keys, logs, job uploads and exports: readable by the owner only.

Every process the platform starts (``python -m gongzhi`` — commands and the task worker — and the
gunicorn workers through ``wsgi``) calls ``restrict_var_dir`` first: its umask becomes 077, so
every file it creates (SQLite's database and WAL, logs, exports) is 0600 and every directory
0700, and var/ itself and the files already at its top level are narrowed to the owner (a var/
written by an older version). Uploads saved through Django's storage get 0600 as well
(``FILE_UPLOAD_PERMISSIONS``). ``./gz`` sets the same umask for the logs its shell redirects.
"""

from __future__ import annotations

import os
from pathlib import Path

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
