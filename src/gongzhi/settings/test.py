"""Test settings: the suite's database comes from GONGZHI_DATABASE_URL (PostgreSQL run) or SQLite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import SQLITE_ENGINE, database_from_env

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
GONGZHI_DATA_KEY = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
DATABASES = {"default": database_from_env(Path(tempfile.gettempdir()) / "gongzhi-test.sqlite3")}
# Argon2 stays the hasher (it is what production uses) with cheap parameters for speed.
PASSWORD_HASHERS = ["gongzhi.accounts.passwords.FastArgon2PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi"},
    "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi-jobs"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded, staged and generated files of a test run never land in the developer's var/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="gongzhi-test-media-"))
GONGZHI_NOTICE_CHANNELS = ["inapp"]
WHITENOISE_AUTOREFRESH = True
# Jobs run in the test process (inside the test's transaction); the tests of the memory-limited
# child process turn it on themselves.
GONGZHI_JOB_MEMORY_MB = 0
# Each statistics view computes its figures (a test that caches them says so).
GONGZHI_STATS_CACHE_SECONDS = 0
# A test database in a file, like production's, not Django's shared-cache in-memory one: there,
# concurrent writers fail at once with "database table is locked" instead of waiting their turn
# (busy_timeout does not apply), so concurrency tests (50 ballots at once) could not run.
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"gongzhi-test-{os.getpid()}.sqlite3")}
