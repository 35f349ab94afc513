from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("平台核心")

    def ready(self):
        from .maps.checks import check_raster_source

        assert check_raster_source  # registered on import: the raster source's startup check
