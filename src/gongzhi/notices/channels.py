"""Delivery channels. In-app is always on (the Notice row itself); others are pluggable.

``settings.GONGZHI_NOTICE_CHANNELS`` lists channel names; ``register`` adds a gateway (an SMS
provider, WeChat template messages…) without touching the callers. The console channel writes
one line per message to ``var/notices.log`` — the demo's stand-in for SMS — with phone and ID
numbers masked; production leaves it out unless ``GONGZHI_CONSOLE_NOTICES`` enables it
(``checks.console_channel_refused``).
"""

from __future__ import annotations

import json
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from gongzhi.privacy.masking import mask_free_text


class Channel(Protocol):
    name: str

    def deliver(self, notice) -> tuple[str, str]:
        """Send one notice; return (status, detail)."""


class ConsoleChannel:
    name = "console"

    def deliver(self, notice) -> tuple[str, str]:
        path = settings.GONGZHI_NOTICE_LOG
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "to": mask_free_text(notice.recipient.username),
                "title": mask_free_text(notice.title), "body": mask_free_text(notice.body), "link": notice.link}
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return "sent", str(path)


class SmsGatewayChannel:
    """Base for SMS gateways: subclasses implement ``send_sms(phone, text)``."""

    name = "sms"

    def send_sms(self, phone: str, text: str) -> str:  # pragma: no cover - provider-specific
        raise RuntimeError("no SMS gateway configured: register one with gongzhi.notices.channels.register")

    def deliver(self, notice) -> tuple[str, str]:
        phone = notice.recipient.phone
        if not phone:
            return "skipped", "no phone number"
        return "sent", self.send_sms(phone, f"{notice.title}：{notice.body}"[:300])


_REGISTRY: dict[str, Channel] = {"console": ConsoleChannel()}


def register(channel: Channel) -> None:
    _REGISTRY[channel.name] = channel


def active_channels() -> list[Channel]:
    from .checks import console_allowed

    return [_REGISTRY[name] for name in settings.GONGZHI_NOTICE_CHANNELS
            if name in _REGISTRY and (name != "console" or console_allowed())]
