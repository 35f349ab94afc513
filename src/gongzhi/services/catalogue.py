"""Writes to the catalogue: service items held to the admission list, and the certificate list.

The rule of the 准入清单: work reaches a community only when the district's admission list admits it
(依法履职 or 协助政府, not 负面/禁入). An item accepted by communities, or with a step at the
community level, must name an admitted entry; the page that refuses it says who must approve adding
the entry. The certificate list works the same way for certificates (``certificates.issue``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record
from gongzhi.core.errors import InvalidInput, NotAllowed

from .models import AcceptAt, AdmissionEntry, CertificateKind, Material, ServiceItem, ServiceStep, StepLevel

# Who adds an entry to the admission list, when an item names none (the district's own body is on
# each entry: ``AdmissionEntry.approved_by``).
ADMISSION_APPROVER = "区委社会工作部、区民政局"


def reaches_communities(item: ServiceItem, steps=None) -> bool:
    """Whether ``item`` gives communities work: accepted there, or a step at the community level."""
    steps = list(item.steps.all()) if steps is None and item.pk else (steps or [])
    return item.accept_at == AcceptAt.COMMUNITY or any(step.level == StepLevel.COMMUNITY for step in steps)


def check_admission(item: ServiceItem, steps=None) -> None:
    """``InvalidInput`` when ``item`` would give communities work the admission list does not admit."""
    if not reaches_communities(item, steps):
        return
    entry: AdmissionEntry | None = item.admission
    if entry is None:
        raise InvalidInput(
            _("“%(item)s”不在社区工作事项准入清单内，不能交由社区受理或办理。如确需社区承担，须先报%(who)s审核列入准入清单。")
            % {"item": item.name, "who": ADMISSION_APPROVER}, code="not_admitted", fields={"admission": "required"})
    if not entry.admits_communities:
        raise InvalidInput(
            _("“%(entry)s”属于%(part)s，不能交由社区受理或办理（调整须经%(who)s审核）。")
            % {"entry": entry.name, "part": entry.get_part_display() if entry.active else _("已失效的准入事项"),
               "who": entry.approved_by or ADMISSION_APPROVER},
            code="not_admitted", fields={"admission": "banned"})


def check_certificate_kind(kind: CertificateKind) -> None:
    """``InvalidInput`` when ``kind`` is not on the certificate list (证明事项清单)."""
    if not kind.on_list:
        raise InvalidInput(
            _("“%(kind)s”不在证明事项清单内，社区不能出具。如确需出具，须先报%(who)s审核列入清单。")
            % {"kind": kind.name, "who": kind.approved_by}, code="certificate_not_listed")


@transaction.atomic
def save_item(*, actor, item: ServiceItem, materials: list[dict] | None = None, steps: list[dict] | None = None,
              request=None) -> ServiceItem:
    """Create or update ``item`` with its materials and steps (replaced when given), checked against
    the admission list and the certificate list first; audited."""
    if not has_perm(actor, Perm.SERVICES_CONFIGURE):
        raise NotAllowed(_("只有区级管理员可以配置服务事项。"))
    new_steps = [ServiceStep(order=n, **fields) for n, fields in enumerate(steps, start=1)] if steps is not None else None
    check_admission(item, new_steps if new_steps is not None else None)
    if item.certificate_kind_id is not None:
        check_certificate_kind(item.certificate_kind)
    if new_steps is not None and sum(step.days for step in new_steps) > item.time_limit_days:
        raise InvalidInput(_("各环节时限之和超过事项办理时限（%(days)s 个工作日）。") % {"days": item.time_limit_days},
                           fields={"time_limit_days": "too_short"})
    created = item.pk is None
    item.full_clean(exclude=["admission", "certificate_kind"])
    item.save()
    if materials is not None:
        item.materials.all().delete()
        Material.objects.bulk_create([Material(item=item, order=n, **fields) for n, fields in enumerate(materials, 1)])
    if new_steps is not None:
        item.steps.all().delete()
        for step in new_steps:
            step.item = item
        ServiceStep.objects.bulk_create(new_steps)
    record(actor=actor, action="services.item_create" if created else "services.item_update", obj=item,
           object_repr=item.name, after={"code": item.code, "admission": item.admission.code if item.admission else None,
                                         "district_wide": item.district_wide, "time_limit_days": item.time_limit_days},
           request=request)
    return item
