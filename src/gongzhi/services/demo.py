"""The service hall's demo: the default catalogue; certificates issued by 幸福社区 to some of its
residents over the last months, one of them revoked; and applications — the demo resident's own,
filed online and waiting for a correction, and counter applications moving through their steps."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.areas.models import Area

from . import applications, certificates, eligibility, install
from .models import Application, Certificate, CertificateKind, ServiceItem

COMMUNITY_SUFFIX = "001001"  # 幸福社区 in the demo district
PURPOSES = ["办理居住证", "子女入学登记", "申领临时救助", "办理社保待遇资格认证", "办理居住证续签", "申请公共租赁住房"]
ISSUED = 6
COUNTER_ITEMS = ("elder_card", "longevity_allowance", "employment_registration")


def build(district: Area, progress=print) -> bool:
    """Build the demo (``False`` when 幸福社区 has certificates and applications already: nothing twice)."""
    from gongzhi.accounts.models import User

    added = install.install()
    community = Area.objects.filter(code=district.code + COMMUNITY_SUFFIX).first()
    staff = User.objects.filter(username="community").first()
    if community is None or staff is None:
        return False
    issued = 0 if Certificate.objects.filter(issuer=community).exists() else _certificates(community, staff)
    filed = 0 if Application.objects.filter(accepted_by=community).exists() else _applications(community, staff)
    if not (issued or filed):
        return False
    progress(f"服务事项 {ServiceItem.objects.count()} 项（新增 {added['items']} 项），证明 {issued} 份，服务申请 {filed} 件 / "
             f"{ServiceItem.objects.count()} service items, {issued} certificates, {filed} applications")
    return True


def _residents(community: Area, count: int):
    from gongzhi.registry.models import Person

    return list(Person.objects.filter(area__path__startswith=community.path, deceased=False, moved_out=False)
                .select_related("area").order_by("pk")[:count])


def _certificates(community: Area, staff) -> int:
    kinds = list(CertificateKind.objects.filter(on_list=True).order_by("sort", "code"))
    residents = _residents(community, ISSUED)
    if not kinds or not residents:
        return 0
    now = timezone.now()
    issued = [certificates.issue(actor=staff, kind=kinds[n % len(kinds)], holder=person,
                                 purpose=PURPOSES[n % len(PURPOSES)], issuer=community,
                                 now=now - datetime.timedelta(days=7 * (len(residents) - n)))
              for n, person in enumerate(residents)]
    certificates.revoke(actor=staff, certificate=issued[0], reason="持证人反映证明内容有误，已重新出具", now=now)
    return len(issued)


def _form_data(item: ServiceItem) -> dict:
    """Plausible answers to an item's typed fields (the first choice, a short text, today)."""
    data = {}
    for field in item.form_fields or []:
        kind = field.get("type")
        if kind == "choice" and field.get("choices"):
            data[field["name"]] = str(field["choices"][0][0])
        elif kind == "number":
            data[field["name"]] = "3"
        elif kind == "date":
            data[field["name"]] = timezone.localdate().isoformat()
        elif kind == "text":
            data[field["name"]] = "13900001234" if "phone" in field["name"] else "见申请材料"
    return data


def _applications(community: Area, staff) -> int:
    from gongzhi.accounts.models import User

    items = {item.code: item for item in ServiceItem.objects.filter(active=True)}
    today = timezone.localdate()
    filed = 0
    resident = User.objects.filter(username="resident").select_related("resident_link__person__area").first()
    person = getattr(getattr(resident, "resident_link", None), "person", None)
    aid = items.get("temporary_aid")
    if person is not None and aid is not None and not eligibility.reasons(aid, person, today=today):
        own = applications.submit(actor=resident, item=aid, person=person, data=_form_data(aid))
        applications.ask_correction(actor=staff, application=own,
                                    missing="请补充：1. 受灾情况说明（写明时间、损失）；2. 近三个月家庭收入情况。")
        filed += 1
    for code in COUNTER_ITEMS:
        item = items.get(code)
        if item is None:
            continue
        applicant = next((p for p in _residents(community, 200)
                          if not eligibility.reasons(item, p, today=today) and (person is None or p.pk != person.pk)
                          and not Application.objects.filter(item=item, applicant=p).exists()), None)
        if applicant is None:
            continue
        application = applications.submit(actor=staff, item=item, person=applicant, data=_form_data(item),
                                          channel="counter")
        applications.approve_step(actor=staff, application=application, note="材料齐全，同意上报")
        filed += 1
    return filed
