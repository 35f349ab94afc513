"""Image challenges (图形验证码) drawn here with Pillow: no outside service, no extra package.

Past the address throttle (``lockout``: many failures from one address, e.g. a NAT'd office),
the login page and ``POST /api/v1/auth/token`` stop refusing everyone and ask for the characters
of an image instead; the per-account lockout stays as it is. A challenge is valid for 5 minutes
and for one try only; only an HMAC of its answer is stored. Drawing one costs a database write and
an image: one address gets at most ``PER_ADDRESS`` in ``TTL`` (``CaptchaThrottled`` past that).
"""

from __future__ import annotations

import base64
import io
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .models import LoginCaptcha

# No look-alikes (0/O, 1/I/L) so a person can read what a machine cannot easily.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 5
TTL = timedelta(minutes=5)
WIDTH, HEIGHT = 200, 64
# Challenges one address may ask for in TTL: a person needs one or two, but an office behind one
# address may have a hundred people signing in at nine (the reason for challenges at all).
PER_ADDRESS = 300


class CaptchaThrottled(Exception):
    """Too many challenges asked for from one address."""


@dataclass(frozen=True)
class Challenge:
    key: str
    png: bytes
    expires_at: object

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _hash(key: str, answer: str) -> str:
    return salted_hmac("gongzhi.accounts.LoginCaptcha", f"{key}:{answer}", algorithm="sha256").hexdigest()


def normalise(answer: str) -> str:
    return "".join((answer or "").split()).upper()[:LENGTH * 2]


def draw(text: str) -> bytes:
    """A PNG of ``text``: each character scaled, turned and placed a little apart, over noise."""
    rng = random.SystemRandom()
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 247, 249))
    pen = ImageDraw.Draw(image)
    for _line in range(6):
        pen.line([(rng.randint(0, WIDTH), rng.randint(0, HEIGHT)), (rng.randint(0, WIDTH), rng.randint(0, HEIGHT))],
                 fill=(rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)), width=2)
    step = (WIDTH - 44) // len(text)
    for n, char in enumerate(text):
        font = ImageFont.load_default(size=rng.randint(34, 42))
        glyph = Image.new("RGBA", (56, 60), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((10, 4), char, font=font,
                                   fill=(rng.randint(10, 90), rng.randint(10, 90), rng.randint(60, 140), 255))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC, expand=False)
        image.paste(glyph, (6 + n * step + rng.randint(-2, 2), rng.randint(-2, 6)), glyph)
    for _dot in range(250):
        pen.point((rng.randrange(WIDTH), rng.randrange(HEIGHT)),
                  fill=(rng.randint(80, 220), rng.randint(80, 220), rng.randint(80, 220)))
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def new_challenge(address: str | None = None) -> Challenge:
    """A fresh challenge: stored (hashed), drawn, returned with its one-time key.

    ``CaptchaThrottled`` when ``address`` has asked for ``PER_ADDRESS`` in the last ``TTL``.
    """
    if address:
        key = f"accounts:captcha:{address}"
        cache.add(key, 0, int(TTL.total_seconds()))
        try:
            asked = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, int(TTL.total_seconds()))
            asked = 1
        if asked > PER_ADDRESS:
            raise CaptchaThrottled
    now = timezone.now()
    answer = "".join(secrets.choice(ALPHABET) for _n in range(LENGTH))
    key = secrets.token_urlsafe(16)
    with transaction.atomic():
        LoginCaptcha.objects.filter(expires_at__lt=now - TTL).delete()  # keep the table small
        row = LoginCaptcha.objects.create(key=key, answer_hash=_hash(key, answer), created_at=now,
                                          expires_at=now + TTL)
    return Challenge(key=key, png=draw(answer), expires_at=row.expires_at)


def verify(key: str, answer: str) -> bool:
    """True once for the right answer to a live challenge; any try uses the challenge up."""
    if not key or not answer:
        return False
    now = timezone.now()
    with transaction.atomic():
        row = LoginCaptcha.objects.select_for_update().filter(key=str(key)[:32], used_at__isnull=True,
                                                               expires_at__gt=now).first()
        if row is None:
            return False
        row.used_at = now
        row.save(update_fields=["used_at"])
    return constant_time_compare(row.answer_hash, _hash(row.key, normalise(answer)))
