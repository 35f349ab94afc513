"""The embedded default used by `./gz demo`: SQLite under var/, keys generated under var/."""

from __future__ import annotations

import base64
import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR


def _key_file(name: str, make) -> str:
    """Read a key from var/, creating it (mode 600) on first use."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY") or _key_file("secret.key", lambda: secrets.token_urlsafe(50))
GONGZHI_DATA_KEY = os.environ.get("GONGZHI_DATA_KEY") or _key_file(
    "data.key", lambda: "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()
)
