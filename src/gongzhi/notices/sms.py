"""Text messages to a phone number that may not belong to an account yet (sign-up codes).

``send_text`` uses the SMS gateway when one is registered and enabled (a ``SmsGatewayChannel``
subclass passed to ``channels.register`` and named in ``settings.GONGZHI_NOTICE_CHANNELS``).
Without one it appends a JSON line to ``settings.GONGZHI_NOTICE_LOG``, like ``ConsoleChannel``:
the demo's stand-in for SMS, where a demo user reads the code; the phone is written masked.
Production refuses that stand-in unless ``GONGZHI_CONSOLE_NOTICES`` enables it (the code is in
the line): without a gateway, ``NoSmsGateway`` is raised. The text (which may carry a one-time
code) goes nowhere else: not to the application log, not to the audit log.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from gongzhi.privacy.masking import mask_phone

from .channels import active_channels
from .checks import console_allowed


class NoSmsGateway(RuntimeError):
    """A text cannot be sent: no gateway, and the console stand-in is refused (production)."""


def sms_gateway():
    """The enabled SMS gateway channel, or ``None`` (then the console log stands in)."""
    for channel in active_channels():
        if callable(getattr(channel, "send_sms", None)):
            return channel
    return None


def send_text(phone: str, text: str) -> tuple[str, str]:
    """Send ``text`` to ``phone``; returns ``(channel name, gateway detail or log path)``."""
    gateway = sms_gateway()
    if gateway is not None:
        return gateway.name, gateway.send_sms(phone, text)
    if not console_allowed():
        raise NoSmsGateway("no SMS gateway registered and the console stand-in is not enabled")
    path = Path(settings.GONGZHI_NOTICE_LOG)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"at": timezone.now().isoformat(), "to": mask_phone(phone), "channel": "sms", "body": text}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return "console", str(path)
