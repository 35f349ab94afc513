from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    label = "cases"
    verbose_name = _("网格事件")

    def ready(self) -> None:
        from . import exporting  # noqa: F401  (registers the case export's background job kind)

        import datetime

        from gongzhi.core.schedule import periodic

        from .tasks import file_open311_submissions, retrain_classifier, sweep_deadlines

        periodic("cases.sweep_deadlines", sweep_deadlines, every=datetime.timedelta(minutes=5))
        # Each Open311 POST queues its filing; this catches any left behind (a failed task, a restore).
        periodic("cases.file_open311_submissions", file_open311_submissions, every=datetime.timedelta(minutes=1))

        from gongzhi.core.console import ConsolePanel, register_panel

        from .selectors import console_summary, may_use_queues

        register_panel(ConsolePanel(
            template="cases/_console.html", context=console_summary, order=10,
            visible=may_use_queues))
        periodic("cases.retrain_classifier", retrain_classifier, every=datetime.timedelta(days=1))
