"""Install the default catalogue (``defaults``): the admission list, the certificate list and the
service items with their materials and steps. Idempotent: rows are matched by code and left as a
district has edited them; only missing ones are added."""

from __future__ import annotations

from django.db import transaction

from . import defaults
from .catalogue import check_admission, check_certificate_kind
from .models import AdmissionEntry, CertificateKind, Material, ServiceItem, ServiceStep


@transaction.atomic
def install() -> dict[str, int]:
    added = {"admission": 0, "certificate_kinds": 0, "items": 0}
    for entry in defaults.ADMISSION:
        _, created = AdmissionEntry.objects.get_or_create(code=entry["code"], defaults={
            k: v for k, v in entry.items() if k != "code"})
        added["admission"] += created
    for kind in defaults.CERTIFICATE_KINDS:
        _, created = CertificateKind.objects.get_or_create(code=kind["code"], defaults={
            k: v for k, v in kind.items() if k != "code"})
        added["certificate_kinds"] += created
    admission = {entry.code: entry for entry in AdmissionEntry.objects.all()}
    kinds = {kind.code: kind for kind in CertificateKind.objects.all()}
    for spec in defaults.SERVICE_ITEMS:
        if ServiceItem.objects.filter(code=spec["code"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k not in ("materials", "steps", "admission", "certificate_kind")}
        item = ServiceItem(**fields, admission=admission.get(spec.get("admission") or ""),
                           certificate_kind=kinds.get(spec.get("certificate_kind") or ""))
        steps = [ServiceStep(order=n, **step) for n, step in enumerate(spec.get("steps", []), start=1)]
        check_admission(item, steps)  # the defaults are held to the same rules as a district's own items
        if item.certificate_kind_id:
            check_certificate_kind(item.certificate_kind)
        item.save()
        Material.objects.bulk_create([Material(item=item, order=n, **m)
                                      for n, m in enumerate(spec.get("materials", []), start=1)])
        for step in steps:
            step.item = item
        ServiceStep.objects.bulk_create(steps)
        added["items"] += 1
    return added
