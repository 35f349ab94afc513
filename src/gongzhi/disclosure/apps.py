from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "gongzhi.disclosure"
    label = "disclosure"
    verbose_name = _("居务公开")

    def ready(self) -> None:
        from gongzhi.core.console import ConsolePanel, register_panel

        from .selectors import console_summary, may_see_console

        # What is overdue (村民委员会组织法 art. 30 cadence) in the communities the user serves.
        register_panel(ConsolePanel(template="disclosure/_console.html", context=console_summary, order=40,
                                    visible=may_see_console))
