"""Reads of the service hall: the catalogue and the admission list (anyone signed in), and the register
of certificates (staff holding ``services.certify``, scoped to their communities)."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area

from .certificates import normalise_serial
from .models import (
    AdmissionEntry,
    Application,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    Material,
    ServiceItem,
    ServiceStep,
)


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


def may_handle(user) -> bool:
    return has_perm(user, Perm.SERVICES_HANDLE)


def applications_for(user, *, status: str = "", q: str = "") -> QuerySet[Application]:
    """Applications accepted in the areas where ``user`` handles applications, due first."""
    rows = Application.objects.visible_to(user).select_related("item", "applicant", "accepted_by")
    if status == "open":
        rows = rows.filter(status__in=[ApplicationStatus.PROCESSING, ApplicationStatus.CORRECTION])
    elif status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(Q(number__icontains=q.strip()) | Q(item__name__icontains=q.strip()))
    return rows.order_by(F("step_due").asc(nulls_last=True), "-submitted_at", "-pk")


def application_for(user, number: str) -> Application:
    found = applications_for(user).select_related("owner", "certificate", "applicant__area").filter(
        number=str(number)[:20]).first()
    if found is None:
        raise Http404
    return found


def my_applications(user) -> QuerySet[Application]:
    return (Application.objects.filter(applicant_user=user).select_related("item", "accepted_by", "certificate")
            .order_by("-submitted_at", "-pk")) if getattr(user, "is_authenticated", False) else Application.objects.none()


def my_application(user, number: str) -> Application:
    found = my_applications(user).filter(number=str(number)[:20]).first()
    if found is None:
        raise Http404
    return found


def linked_person(user):
    """The registry person a resident account is verified as (None: not verified)."""
    link = getattr(user, "resident_link", None) if getattr(user, "is_authenticated", False) else None
    return link.person if link is not None else None
