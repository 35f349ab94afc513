from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gongzhi.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        import datetime

        from gongzhi.core.schedule import periodic

        from .tasks import purge_audit_log

        periodic("audit.purge_audit_log", purge_audit_log, every=datetime.timedelta(days=1))
