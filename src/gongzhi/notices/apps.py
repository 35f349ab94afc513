from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "gongzhi.notices"
    label = "notices"
    verbose_name = _("通知")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
