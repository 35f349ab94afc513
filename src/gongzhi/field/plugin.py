"""What the offline field app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, MenuEntry, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("field/", "gongzhi.field.views", order=185),),
    menu=(MenuEntry(_("离线工作台"), "field:shell", roles=(Role.GRID_WORKER,), group="cases", order=55),),
)
