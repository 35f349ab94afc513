from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "gongzhi.notices"
    label = "notices"
    verbose_name = _("通知")

    def ready(self) -> None:
        import datetime

        from gongzhi.core.schedule import periodic

        from . import checks  # noqa: F401  (registers the system checks)
        from .tasks import publish_due_announcements

        periodic("notices.publish_due_announcements", publish_due_announcements, every=datetime.timedelta(minutes=1))
