"""Production: PostgreSQL, Redis, secure cookies, HSTS. Refuses unsafe configuration."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, REDIS_URL, env_bool

if DEBUG:
    raise ImproperlyConfigured("生产环境不允许开启 DEBUG（GONGZHI_DEBUG）。Production refuses DEBUG on.")

SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY", "")
if len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("GONGZHI_SECRET_KEY must be set to a random value of at least 40 characters.")

GONGZHI_DATA_KEY = os.environ.get("GONGZHI_DATA_KEY", "")
if not GONGZHI_DATA_KEY:
    raise ImproperlyConfigured("GONGZHI_DATA_KEY (field-encryption key) must be set in production.")

if not os.environ.get("GONGZHI_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("Production needs PostgreSQL: set GONGZHI_DATABASE_URL=postgres://…")
if not REDIS_URL:
    raise ImproperlyConfigured("Production needs Redis: set GONGZHI_REDIS_URL=redis://…")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("GONGZHI_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
GONGZHI_REQUIRE_2FA = env_bool("GONGZHI_REQUIRE_2FA", True)
GONGZHI_FORCE_FIRST_PASSWORD_CHANGE = env_bool("GONGZHI_FORCE_FIRST_PASSWORD_CHANGE", True)
GONGZHI_REFUSE_DEMO_PASSWORDS = True
# The console channel keeps phones and sign-up codes in a file: refused (system check notices.E001)
# unless enabled on purpose.
GONGZHI_NOTICE_CHANNELS = [c.strip() for c in os.environ.get("GONGZHI_NOTICE_CHANNELS", "inapp").split(",") if c.strip()]
GONGZHI_CONSOLE_NOTICES = env_bool("GONGZHI_CONSOLE_NOTICES", False)
