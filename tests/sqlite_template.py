"""A migrated SQLite test database kept between test runs (``var/test-db/``), copied instead of migrating.

Migrating a new test database takes about 25 s of CPU (Django renders the models' states of 90-odd
migrations), paid by every ``pytest`` process: each lane of ``./gz test`` and every targeted run.
The first run on a given state of the code keeps a copy of its freshly migrated database (SQLite's
online backup, before any test ran); later runs copy it into place and let ``migrate`` find
nothing to do. The copy is named after a digest of everything that decides what the migrations
write: the application's code and data files outside the tests (migrations, the catalogue and
holiday data they install, models), the Django version and the test settings' database engine;
any change there makes a new one. ``GZ_TEST_DB_TEMPLATE=0`` migrates every time; ``--create-db``
too. PostgreSQL runs always migrate.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from tests.support import REPO_ROOT

TEMPLATES = REPO_ROOT / "var" / "test-db"
KEEP = 4  # templates of other code states kept (branches switched back and forth)


def enabled(config) -> bool:
    from django.conf import settings

    return (os.environ.get("GZ_TEST_DB_TEMPLATE") != "0" and not config.getvalue("create_db")
            and settings.DATABASES["default"]["ENGINE"] == settings.SQLITE_ENGINE)


def _digest() -> str:
    import django
    from django.conf import settings

    h = hashlib.sha256(f"{django.__version__}|{settings.SETTINGS_MODULE}|{settings.DATABASES['default']['ENGINE']}".encode())
    source = REPO_ROOT / "src" / "gongzhi"
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if (not path.is_file() or "/tests/" in f"/{relative}" or "__pycache__" in relative
                or path.suffix not in {".py", ".json", ".csv", ".txt", ".sql"}):
            continue
        h.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def template_path() -> Path:
    return TEMPLATES / f"{_digest()}.sqlite3"


def test_db_name() -> Path:
    from django.conf import settings

    return Path(settings.DATABASES["default"]["TEST"]["NAME"])


def put_in_place() -> bool:
    """Copy the template of this code state to the test database's path; False when there is none."""
    template = template_path()
    if not template.exists():
        return False
    target = test_db_name()
    remove(target)
    _backup(template, target)
    return True


def keep(database: Path) -> None:
    """Keep a copy of the freshly migrated ``database`` as the template of this code state."""
    template = template_path()
    if template.exists():
        return
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(f".{os.getpid()}.tmp")
    _backup(database, partial)
    os.replace(partial, template)  # two runs keeping the same template at once: either copy is whole
    for old in sorted(TEMPLATES.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)


def _backup(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup (committed pages, the WAL's included)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
