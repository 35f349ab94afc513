"""What the privacy app brings to the spine (see ``core/plugins.py``). The personal-data fields
themselves are declared where they are defined (``sensitive="phone"`` on the field)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, Permission, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("privacy/", "gongzhi.privacy.urls", order=140),),
    permissions=(
        Permission("PERSONAL_UNMASK", "personal.unmask", _("查看未脱敏个人信息（须填写事由）"),
                   "See unmasked personal information (a reason is required)",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)),
    ),
)
