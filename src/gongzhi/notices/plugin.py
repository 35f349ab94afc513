"""What the notices app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, MenuEntry, Permission, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("notices/", "gongzhi.notices.urls", order=150),),
    permissions=(
        Permission("NOTICES_SEND", "notices.send", _("向辖区发送通知"), "Send notices within one's area",
                   roles=(Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)),
    ),
    # Everyone's inbox, in sight at every width, with the number of unread notices.
    menu=(MenuEntry(_("通知"), "notices:inbox", order=250, pinned=True,
                    counter="gongzhi.notices.selectors:unread_count"),),
)
