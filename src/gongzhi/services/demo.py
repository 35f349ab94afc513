"""The service hall's demo: the default catalogue, and certificates issued by 幸福社区 to some of its
residents over the last months, one of them revoked (what the demo's ``community`` account sees)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.areas.models import Area

from . import certificates, install
from .models import Certificate, CertificateKind

COMMUNITY_SUFFIX = "001001"  # 幸福社区 in the demo district
PURPOSES = ["办理居住证", "子女入学登记", "申领临时救助", "办理社保待遇资格认证", "办理居住证续签", "申请公共租赁住房"]
ISSUED = 6


def build(district: Area, progress=print) -> bool:
    """Build the demo (``False`` when 幸福社区 has certificates already: nothing is added twice)."""
    from gongzhi.accounts.models import User
    from gongzhi.registry.models import Person

    added = install.install()
    community = Area.objects.filter(code=district.code + COMMUNITY_SUFFIX).first()
    if community is None or Certificate.objects.filter(issuer=community).exists():
        return False
    staff = User.objects.filter(username="community").first()
    kinds = list(CertificateKind.objects.filter(on_list=True).order_by("sort", "code"))
    residents = list(Person.objects.filter(area__path__startswith=community.path, deceased=False, moved_out=False)
                     .select_related("area").order_by("pk")[:ISSUED])
    if staff is None or not kinds or not residents:
        return False
    now = timezone.now()
    issued = []
    for n, person in enumerate(residents):
        issued.append(certificates.issue(actor=staff, kind=kinds[n % len(kinds)], holder=person,
                                         purpose=PURPOSES[n % len(PURPOSES)], issuer=community,
                                         now=now - datetime.timedelta(days=7 * (len(residents) - n))))
    certificates.revoke(actor=staff, certificate=issued[0], reason="持证人反映证明内容有误，已重新出具", now=now)
    progress(f"服务事项 {added['items']} 项（准入清单 {added['admission']} 条，证明种类 {added['certificate_kinds']} 种），"
             f"证明 {len(issued)} 份（撤销 1 份） / {added['items']} service items, {len(issued)} certificates")
    return True
