"""TOTP two-factor authentication (django-otp), with the set-up QR code drawn by segno."""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.audit.services import record


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being set up (created on first visit to the set-up page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The key to type into an authenticator app by hand: base32 (RFC 4648, what the apps and the
    QR code's ``otpauth://`` URL use), in groups of four. The device's ``key`` is hex, which no app
    accepts."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def verify(device: TOTPDevice, token: str) -> bool:
    token = (token or "").strip().replace(" ", "")
    return token.isdigit() and device.verify_token(token)


def confirm(*, user, device: TOTPDevice, token: str, request=None) -> bool:
    if not verify(device, token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(actor=user, action="account.2fa_enable", obj=user, request=request)
        # A new second factor is a new credential: tokens issued under the old one end.
        from .services import REVOKED_TWO_FACTOR, revoke_api_tokens

        revoke_api_tokens(user=user, reason=REVOKED_TWO_FACTOR, actor=user, request=request)
    return True
