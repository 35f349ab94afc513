"""Settings shared by every environment. Environment files import * from here and adjust."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent.parent  # src/gongzhi
BASE_DIR = SRC_DIR.parent.parent  # repository root
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("GONGZHI_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-ninja's own Swagger UI files (static/ninja/): /api/v1/docs loads them from us, not a
    # CDN, so the docs work offline and under our CSP.
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "gongzhi.core",
    "gongzhi.areas",
    "gongzhi.accounts",
    "gongzhi.privacy",
    "gongzhi.audit",
    "gongzhi.notices",
    "gongzhi.jobs",
    "gongzhi.registry",
    "gongzhi.basemap",
    "gongzhi.cases",
    "gongzhi.deliberation",
    "gongzhi.disclosure",
    "gongzhi.services",
    "gongzhi.field",
    "gongzhi.demo",
]

# Session, authentication, OTP and messages are Django's and django-otp's, skipped for the machine
# endpoints (Open311: an api_key per request) by gongzhi.core.middleware.
MIDDLEWARE = [
    "gongzhi.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gongzhi.core.middleware.SessionMiddleware",
    "gongzhi.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "gongzhi.core.nul_guard.NulCharacterGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "gongzhi.core.middleware.AuthenticationMiddleware",
    "gongzhi.core.middleware.OTPMiddleware",
    "gongzhi.core.uploads.RequestSizeLimitMiddleware",  # before anything reads a body (CSRF's process_view)
    "gongzhi.accounts.middleware.SessionPolicyMiddleware",
    "gongzhi.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gongzhi.core.context_processors.shell",
                "gongzhi.core.maps.context.map_attrs",
            ],
        },
    },
]


SQLITE_CACHE_KIB = 64 * 1024
SQLITE_BUSY_SECONDS = 30
# Django's SQLite backend with a faster date-time converter (gongzhi/core/sqlite/base.py).
SQLITE_ENGINE = "gongzhi.core.sqlite"


def database_from_env(default_sqlite_path: Path) -> dict:
    """GONGZHI_DATABASE_URL selects PostgreSQL (or another SQLite file); default: embedded SQLite."""
    url = os.environ.get("GONGZHI_DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        config = {"ENGINE": SQLITE_ENGINE, "NAME": str(default_sqlite_path),
                  "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
    if config["ENGINE"] == "django.db.backends.postgresql":
        # JIT compiles each large query anew (≈ 300 ms for the statistics counts at 1M people) and
        # never pays off for the short OLTP reads of these pages. A random read costs about what a
        # sequential one does on the SSDs a server has (PostgreSQL's default of 4 assumes spinning
        # disks): with 4, the case statistics' union of ten index ranges (5,000 of 1,000,000 cases)
        # was planned as a scan of every case, 0.75–1.05 s instead of 61 ms.
        options = config.setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off",
                                                    "-c random_page_cost=1.1"]))
    if config["ENGINE"] in ("django.db.backends.sqlite3", SQLITE_ENGINE):
        config["ENGINE"] = SQLITE_ENGINE
        config.setdefault("OPTIONS", {}).update(
            {
                # WAL lets readers work while one writer commits; IMMEDIATE avoids
                # "database is locked" upgrades in the middle of a transaction. A 64 MiB page cache
                # per connection (default 2 MiB, filled only as pages are read): counting a special
                # group at 1M people reads 10,000 person rows, one page each (20 ms, 8 ms cached).
                # A writer waits up to SQLITE_BUSY_SECONDS for the write lock (one value: the PRAGMA
                # used to cut the connection's 20 s to 10 s): on a saturated machine (`./gz bench
                # load`) a page waited seconds for the lock, and a wait past the limit is the
                # "database is locked" error page; gunicorn's worker timeout is 120 s.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}; "
                                f"PRAGMA cache_size=-{SQLITE_CACHE_KIB};",
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_SECONDS,
            }
        )
    return config


DATABASES = {"default": database_from_env(VAR_DIR / "gongzhi.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("GONGZHI_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CACHES["jobs"] = CACHES["default"]
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi"},
        # Job progress is written by the worker process and read by the web processes.
        "jobs": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache" / "jobs"},
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gongzhi.accounts.backends.GuardedModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "gongzhi.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "gongzhi.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "gongzhi.accounts.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "gongzhi_session"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "gongzhi.core.views.csrf_failure"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = []
try:  # Leaflet comes from PyPI (XStatic-Leaflet), never from a CDN.
    import xstatic.pkg.leaflet as _leaflet

    STATICFILES_DIRS.append(("leaflet", _leaflet.BASE_DIR))
except ImportError:  # pragma: no cover - dependency is pinned
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

NINJA_PAGINATION_PER_PAGE = 50

# --- Gongzhi policy settings (each overridable by environment) ---------------------------
GONGZHI_DATA_KEY = os.environ.get("GONGZHI_DATA_KEY", "")
GONGZHI_REQUIRE_2FA = env_bool("GONGZHI_REQUIRE_2FA", False)
GONGZHI_FORCE_FIRST_PASSWORD_CHANGE = env_bool("GONGZHI_FORCE_FIRST_PASSWORD_CHANGE", False)
GONGZHI_LOCKOUT_FAILURES = env_int("GONGZHI_LOCKOUT_FAILURES", 5)
GONGZHI_LOCKOUT_MINUTES = env_int("GONGZHI_LOCKOUT_MINUTES", 15)
GONGZHI_IP_THROTTLE_FAILURES = env_int("GONGZHI_IP_THROTTLE_FAILURES", 50)
GONGZHI_IP_THROTTLE_MINUTES = env_int("GONGZHI_IP_THROTTLE_MINUTES", 15)
# Rate limits (core.ratelimit): "N/second|minute|hour|day" per user (per address when signed out);
# "off" switches one off (a load test). Generous: a grid worker's 30 reports in a morning, a
# hotline operator's calls, a resident's few reports a day never meet them.
GONGZHI_RATE_CASE_REPORT = os.environ.get("GONGZHI_RATE_CASE_REPORT", "10/hour")  # a resident, page and API
GONGZHI_RATE_CASE_REPORT_STAFF = os.environ.get("GONGZHI_RATE_CASE_REPORT_STAFF", "60/minute")  # staff, grid workers
GONGZHI_RATE_BALLOT = os.environ.get("GONGZHI_RATE_BALLOT", "20/minute")  # ballot attempts (one ballot counts)
GONGZHI_IDLE_MINUTES_PRIVILEGED = env_int("GONGZHI_IDLE_MINUTES_PRIVILEGED", 15)
GONGZHI_IDLE_MINUTES_STAFF = env_int("GONGZHI_IDLE_MINUTES_STAFF", 30)
# A grid worker who downloads the offline pack keeps the session (and the browser its encrypted
# cache) for one field day at most (field.keys).
GONGZHI_FIELD_OFFLINE_HOURS = env_int("GONGZHI_FIELD_OFFLINE_HOURS", 10)
GONGZHI_FIELD_MAX_HOUSES = env_int("GONGZHI_FIELD_MAX_HOUSES", 3000)  # houses per offline pack (a grid holds 300-500)
GONGZHI_RESIDENT_SESSION_DAYS = env_int("GONGZHI_RESIDENT_SESSION_DAYS", 30)
GONGZHI_PASSWORD_MAX_AGE_DAYS = env_int("GONGZHI_PASSWORD_MAX_AGE_DAYS", 90)
GONGZHI_API_TOKEN_DAYS = env_int("GONGZHI_API_TOKEN_DAYS", 90)
GONGZHI_AUDIT_RETENTION_DAYS = max(180, env_int("GONGZHI_AUDIT_RETENTION_DAYS", 365))
# Uploaded and generated job files (imports, exports: personal data) are deleted after this many days.
GONGZHI_JOB_FILE_DAYS = max(1, env_int("GONGZHI_JOB_FILE_DAYS", 7))
# Uploaded workbooks and CSV (imports) are bounded before they are read: see gongzhi/core/workbooks.py.
# Rows and columns of a sheet (Excel allows 1,048,576 × 16,384; an import needs far less), the dense
# area (highest row × highest column) a reader builds, characters per cell (Excel's own limit), and
# for .xlsx (a zip) its member count, expanded size (per member and in total) and compression ratio.
GONGZHI_IMPORT_MAX_ROWS = env_int("GONGZHI_IMPORT_MAX_ROWS", 300_000)
GONGZHI_IMPORT_MAX_COLUMNS = env_int("GONGZHI_IMPORT_MAX_COLUMNS", 100)
GONGZHI_IMPORT_MAX_CELLS = env_int("GONGZHI_IMPORT_MAX_CELLS", 10_000_000)
GONGZHI_IMPORT_MAX_CELL_CHARS = env_int("GONGZHI_IMPORT_MAX_CELL_CHARS", 32_767)
GONGZHI_WORKBOOK_MAX_ENTRIES = env_int("GONGZHI_WORKBOOK_MAX_ENTRIES", 1000)
GONGZHI_WORKBOOK_MAX_EXPANDED_MB = env_int("GONGZHI_WORKBOOK_MAX_EXPANDED_MB", 512)
GONGZHI_WORKBOOK_MAX_RATIO = env_int("GONGZHI_WORKBOOK_MAX_RATIO", 100)
GONGZHI_WORKBOOK_MAX_XLS_MB = env_int("GONGZHI_WORKBOOK_MAX_XLS_MB", 20)
# Each background job runs in a child process of the worker that may grow by at most this much
# address space (0: no limit, the job runs in the worker itself); a job past it fails alone.
GONGZHI_JOB_MEMORY_MB = env_int("GONGZHI_JOB_MEMORY_MB", 2048)
# A running job whose worker (on another machine) has not reported for this long is marked failed.
GONGZHI_JOB_STALE_MINUTES = env_int("GONGZHI_JOB_STALE_MINUTES", 15)
# The case statistics page's body (0.3–1 s to compute at 1,000,000 cases) is kept this long per scope
# and period; the page says when it was computed. 0: computed on every view.
GONGZHI_STATS_CACHE_SECONDS = env_int("GONGZHI_STATS_CACHE_SECONDS", 60)
# The raster base layer under the platform's own vector base map (docs/maps.md, "Raster layers"), in
# this order: an MBTiles file served by the platform itself (raster tiles: png, jpg, webp), else an
# XYZ tile URL of an intranet service ({z}/{x}/{y}, optionally {s} with GONGZHI_MAP_TILE_SUBDOMAINS,
# and a label layer above it), else 天地图 with its key (vec_w + cva_w), else none. The tiles' CRS:
# wgs84 (also CGCS2000: 天地图 and most government services) or gcj02 (高德/腾讯-style tiles).
GONGZHI_MAP_MBTILES = os.environ.get("GONGZHI_MAP_MBTILES", "")
GONGZHI_MAP_TILE_URL = os.environ.get("GONGZHI_MAP_TILE_URL", "")
GONGZHI_MAP_TILE_LABELS_URL = os.environ.get("GONGZHI_MAP_TILE_LABELS_URL", "")
GONGZHI_MAP_TILE_SUBDOMAINS = os.environ.get("GONGZHI_MAP_TILE_SUBDOMAINS", "abc")
GONGZHI_TIANDITU_KEY = os.environ.get("GONGZHI_TIANDITU_KEY", "")
GONGZHI_MAP_TILE_CRS = os.environ.get("GONGZHI_MAP_TILE_CRS", "wgs84")
GONGZHI_MAP_TILE_MAX_ZOOM = os.environ.get("GONGZHI_MAP_TILE_MAX_ZOOM", "")  # default: 19 (天地图: 18)
GONGZHI_MAP_TILE_ATTRIBUTION = os.environ.get("GONGZHI_MAP_TILE_ATTRIBUTION", "")
# Cases: the working periods of a working day (local time) that working-hour limits count, the
# limit for filing a report when it has no category yet, and photo limits.
GONGZHI_WORKING_HOURS = os.environ.get("GONGZHI_WORKING_HOURS", "08:30-12:00,13:30-17:30")
GONGZHI_CASE_ACCEPT_HOURS = env_int("GONGZHI_CASE_ACCEPT_HOURS", 1)
GONGZHI_CASE_PHOTO_MAX_BYTES = env_int("GONGZHI_CASE_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
GONGZHI_CASE_PHOTOS_PER_STEP = env_int("GONGZHI_CASE_PHOTOS_PER_STEP", 6)
# Attachments (documents: PDF, JPEG, PNG, WebP) of consultation topics and other records: size of one
# file and how many one step may carry.
GONGZHI_ATTACHMENT_MAX_BYTES = env_int("GONGZHI_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
GONGZHI_ATTACHMENTS_PER_STEP = env_int("GONGZHI_ATTACHMENTS_PER_STEP", 5)
# Uploads (gongzhi.core.uploads): a request body above GONGZHI_MAX_REQUEST_BYTES is refused by its
# Content-Length before it is read, unless its endpoint is declared to accept files (then its kind's
# size × count is the limit). Files above FILE_UPLOAD_MAX_MEMORY_SIZE stream to temporary files on
# disk. The API takes photos base64 inside JSON, which is read whole: GONGZHI_API_UPLOAD_MAX_BYTES
# bounds that body, and Django's own DATA_UPLOAD_MAX_MEMORY_SIZE backs it up.
GONGZHI_MAX_REQUEST_BYTES = env_int("GONGZHI_MAX_REQUEST_BYTES", 2_621_440)
GONGZHI_API_UPLOAD_MAX_BYTES = env_int("GONGZHI_API_UPLOAD_MAX_BYTES", 32 * 1024 * 1024)
GONGZHI_RESIDENT_IMPORT_MAX_BYTES = env_int("GONGZHI_RESIDENT_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
GONGZHI_AREA_IMPORT_MAX_BYTES = env_int("GONGZHI_AREA_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# The base map's road and river layers (GeoJSON or a zipped Shapefile), and a zip's total once unpacked.
GONGZHI_MAP_LAYER_MAX_BYTES = env_int("GONGZHI_MAP_LAYER_MAX_BYTES", 20 * 1024 * 1024)
GONGZHI_MAP_LAYER_MAX_UNPACKED_BYTES = env_int("GONGZHI_MAP_LAYER_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(GONGZHI_MAX_REQUEST_BYTES, GONGZHI_API_UPLOAD_MAX_BYTES)
DATA_UPLOAD_MAX_NUMBER_FILES = max(10, GONGZHI_CASE_PHOTOS_PER_STEP + 1, GONGZHI_ATTACHMENTS_PER_STEP + 1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
GONGZHI_NOTICE_CHANNELS = [
    c.strip() for c in os.environ.get("GONGZHI_NOTICE_CHANNELS", "inapp,console").split(",") if c.strip()
]
GONGZHI_NOTICE_LOG = VAR_DIR / "notices.log"
# The console channel (and the SMS stand-in) writes to GONGZHI_NOTICE_LOG; production refuses it unless set.
GONGZHI_CONSOLE_NOTICES = env_bool("GONGZHI_CONSOLE_NOTICES", True)
# Viewers without personal.unmask: full ID-number searches, and answers that an ID number is held
# outside their scope, per 24 hours (registry/searching.py, registry/services.py).
GONGZHI_ID_SEARCH_LIMIT = env_int("GONGZHI_ID_SEARCH_LIMIT", 30)
GONGZHI_ID_ELSEWHERE_LIMIT = env_int("GONGZHI_ID_ELSEWHERE_LIMIT", 5)
# var/ holds the database, uploads and exports: owner-only (see core.files.restrict_var_dir).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
GONGZHI_SITE_NAME = _("共治 · 社区治理平台")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
