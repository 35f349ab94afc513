from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasemapConfig(AppConfig):
    name = "gongzhi.basemap"
    label = "basemap"
    verbose_name = _("底图")
