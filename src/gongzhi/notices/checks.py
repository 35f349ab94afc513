"""System check: the console notice channel writes phone numbers and sign-up codes to a file.

It is the demo's stand-in for SMS. Production refuses it unless an operator enables it on
purpose (``GONGZHI_CONSOLE_NOTICES=1``): ``./gz serve`` runs the checks before starting, so the
error stops it, and ``channels.active_channels`` leaves the channel out meanwhile.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


def console_allowed() -> bool:
    return bool(getattr(settings, "GONGZHI_CONSOLE_NOTICES", True))


@register()
def console_channel_refused(app_configs=None, **kwargs) -> list[Error]:
    if "console" not in settings.GONGZHI_NOTICE_CHANNELS or console_allowed():
        return []
    return [Error(
        "通知渠道 console 会把手机号和注册验证码写入 notices.log，生产环境默认禁止。"
        " The console notice channel writes phone numbers and sign-up codes to notices.log;"
        " production refuses it.",
        hint="Remove 'console' from GONGZHI_NOTICE_CHANNELS and register an SMS gateway, or set"
             " GONGZHI_CONSOLE_NOTICES=1 to enable it deliberately.",
        id="notices.E001",
    )]
