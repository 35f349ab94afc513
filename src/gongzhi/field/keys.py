"""The key the browser encrypts its offline cache with, and how long that cache may live.

The key is derived on the server from the user and a random nonce kept here; the browser holds
it only as a non-extractable WebCrypto key. Logout replaces the nonce (and the logout response
clears the site's storage), so the key leaves with the logout and is never handed out again. When
a session merely expires, the browser drops its copy of the key and the cached records with it;
the worker's own unsent actions stay encrypted in the queue until the same worker signs in again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from gongzhi.accounts.middleware import SESSION_FIELD_UNTIL

from .models import CacheKey

def cache_key(user) -> str:
    """Base64 of 32 bytes: HMAC(SECRET_KEY, user id + nonce)."""
    row, _ = CacheKey.objects.get_or_create(user=user, defaults={"nonce": secrets.token_hex(32)})
    digest = hmac.new(settings.SECRET_KEY.encode(), f"gongzhi.field.cache:{user.pk}:{row.nonce}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def rotate(user) -> None:
    CacheKey.objects.filter(user=user).update(nonce=secrets.token_hex(32))


@receiver(user_logged_out)
def _rotate_at_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk is not None:
        rotate(user)


def open_field_day(session) -> int:
    """Keep a grid worker's session alive through a field day (``GONGZHI_FIELD_OFFLINE_HOURS``) once
    the offline pack is downloaded: without it a 30-minute idle limit would end the session in the
    first basement. Returns the epoch second the cache expires at."""
    until = int(time.time()) + settings.GONGZHI_FIELD_OFFLINE_HOURS * 3600
    session[SESSION_FIELD_UNTIL] = until
    return until
