"""Reads of the service hall: the catalogue and the admission list (anyone signed in), and the register
of certificates (staff holding ``services.certify``, scoped to their communities)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area

from .certificates import normalise_serial
from .models import AdmissionEntry, Certificate, CertificateKind, Material, ServiceItem, ServiceStep


def catalogue(*, theme: str = "", q: str = "") -> QuerySet[ServiceItem]:
    items = (ServiceItem.objects.filter(active=True).select_related("admission", "certificate_kind")
             .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("order")),
                               Prefetch("steps", queryset=ServiceStep.objects.order_by("order"))))
    if theme:
        items = items.filter(theme=theme)
    if q:
        items = items.filter(name__icontains=q.strip())
    return items.order_by("sort", "code")


def item_for(code: str) -> ServiceItem:
    item = catalogue().filter(code=code).first()
    if item is None:
        raise Http404
    return item


def themes() -> list[str]:
    return list(ServiceItem.objects.filter(active=True).order_by("theme").values_list("theme", flat=True).distinct())


def admission_list() -> dict[str, list[AdmissionEntry]]:
    parts: dict[str, list[AdmissionEntry]] = {}
    for entry in AdmissionEntry.objects.filter(active=True).order_by("part", "sort", "code"):
        parts.setdefault(entry.part, []).append(entry)
    return parts


def certificate_kinds() -> QuerySet[CertificateKind]:
    return CertificateKind.objects.order_by("-on_list", "sort", "code")


def may_certify(user) -> bool:
    return has_perm(user, Perm.SERVICES_CERTIFY)


def certificates_for(user, *, status: str = "", kind: str = "", issuer_code: str = "",
                     serial: str = "") -> QuerySet[Certificate]:
    """The certificates issued by the communities where ``user`` holds ``services.certify``."""
    certificates = Certificate.objects.visible_to(user).select_related("kind", "issuer")
    if status:
        certificates = certificates.filter(status=status)
    if kind:
        certificates = certificates.filter(kind__code=kind)
    if issuer_code:
        issuer = Area.objects.filter(code=issuer_code).only("path").first()
        certificates = certificates.filter(issuer__path__startswith=issuer.path) if issuer else certificates.none()
    if serial:
        certificates = certificates.filter(serial=normalise_serial(serial))
    return certificates.order_by("-issued_at", "-pk")


def certificate_for(user, serial: str) -> Certificate:
    """One certificate of the user's register (404 outside it)."""
    certificate = certificates_for(user).select_related("holder", "issued_by", "revoked_by").filter(
        serial=normalise_serial(serial)).first()
    if certificate is None:
        raise Http404
    return certificate
