"""What the audit app brings to the spine (see ``core/plugins.py``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, MenuEntry, Permission, UrlMount

plugin = AppPlugin(
    urls=(UrlMount("audit/", "gongzhi.audit.urls", order=130),),
    permissions=(
        Permission("AUDIT_VIEW", "audit.view", _("查阅、导出审计日志"), "Read and export the audit log",
                   roles=(Role.SECURITY_AUDITOR,)),
    ),
    menu=(MenuEntry(_("审计日志"), "audit:log", perm="audit.view", group="admin", order=240),),
)
