"""What the disclosure app brings to the spine (see ``core/plugins.py``): 居务/村务公开, 居财居管,
the small-powers list and the property evaluation, with public pages readable without login."""

from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role
from gongzhi.core.plugins import AppPlugin, Permission, UrlMount

STAFF = (Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF)

plugin = AppPlugin(
    urls=(UrlMount("disclosure/", "gongzhi.disclosure.urls", order=210),),
    permissions=(
        Permission("DISCLOSURE_PUBLISH", "disclosure.publish", _("发布和撤回公开事项、财务、小微权力运行记录"),
                   "Publish and withdraw disclosures, finances and exercises of small powers", roles=STAFF),
        Permission("DISCLOSURE_CONFIGURE", "disclosure.configure", _("配置公开类别、小微权力清单和物业考评表"),
                   "Configure disclosure kinds, the small-powers list and the property score sheet",
                   roles=(Role.DISTRICT_ADMIN,)),
    ),
)
