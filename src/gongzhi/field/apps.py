from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "gongzhi.field"
    label = "field"
    verbose_name = _("外勤离线")

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the field actions of the cases and registry apps
        from . import keys  # noqa: F401 - rotates a user's cache key at logout
