"""Certificates: issued by a community only for kinds on the certificate list, revoked with a reason,
and verified by anyone from the serial on the printed page (its QR code) — validity, kind, issuer,
date and a masked holder name, nothing more."""

from __future__ import annotations

import datetime
import secrets
import string

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Kind, Level
from gongzhi.audit.services import record
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.privacy.masking import mask_name

from .catalogue import check_certificate_kind
from .models import Certificate, CertificateKind, CertificateStatus

# Crockford's base-32 digits without I, L, O, U: nothing to misread when a serial is typed from paper.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_RANDOM = 12  # 60 bits: a serial cannot be guessed
SERIAL_MAX = 24


def new_serial(today: datetime.date) -> str:
    """``2026-7K3M9QX2T4BD``: the year, then 12 random characters."""
    return f"{today.year}-" + "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_RANDOM))


def normalise_serial(value) -> str:
    """A serial as typed or scanned: upper case, no spaces; "" when it cannot be one."""
    text = "".join(str(value or "").split()).upper()
    allowed = set(SERIAL_ALPHABET) | set(string.digits) | {"-"}
    if not text or len(text) > SERIAL_MAX or not set(text) <= allowed:
        return ""
    return text


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def community_of(area: Area) -> Area | None:
    """The community (社区/村) ``area`` belongs to, or ``area`` itself when it is one."""
    if area.level == Level.COMMUNITY:
        return area
    if area.level == Level.GRID:
        return area.parent
    return None


def issuer_title(community: Area) -> str:
    """``青阳街道幸福社区居民委员会`` / ``青山镇青山村村民委员会``: the body that signs."""
    body = "村民委员会" if community.kind == Kind.VILLAGE else "居民委员会"
    return f"{community.parent.name if community.parent_id else ''}{community.name}{body}"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@transaction.atomic
def issue(*, actor, kind: CertificateKind, holder, purpose: str, issuer: Area | None = None, now=None,
          request=None) -> Certificate:
    """Issue a ``kind`` certificate to ``holder`` (a registry person) from their community."""
    now = now or timezone.now()
    check_certificate_kind(kind)
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvalidInput(_("请填写证明用途。"), fields={"purpose": "required"})
    if len(purpose) > 100:
        raise InvalidInput(_("证明用途不能超过 100 个字。"), fields={"purpose": "too_long"})
    issuer = issuer or community_of(holder.area)
    if issuer is None or issuer.level != Level.COMMUNITY:
        raise InvalidInput(_("证明须由社区（村）出具。"), fields={"issuer": "invalid"})
    if not has_perm(actor, Perm.SERVICES_CERTIFY, issuer):
        raise NotAllowed(_("您不能以%(issuer)s的名义出具证明。") % {"issuer": issuer.name})
    if not holder.area.path.startswith(issuer.path):
        raise InvalidInput(_("持证人不是%(issuer)s的居民，不能由本社区出具。") % {"issuer": issuer.name},
                           fields={"holder": "elsewhere"})
    if holder.deceased or holder.moved_out:
        raise InvalidInput(_("持证人已迁出或已故，不能出具。"), fields={"holder": "gone"})
    today = timezone.localdate(now)
    issuer_name = issuer_title(issuer)
    text = kind.body.format_map(_Blank(holder=holder.real_name, address=holder.address_text or "", purpose=purpose,
                                       issuer=issuer_name, date=chinese_date(today)))
    certificate = Certificate(
        serial=_unused_serial(today), kind=kind, holder=holder, holder_name=holder.real_name,
        holder_masked=mask_name(holder.real_name), purpose=purpose, text=text, issuer=issuer,
        issuer_name=issuer_name, issued_by=actor, issued_at=now,
        valid_until=today + datetime.timedelta(days=kind.valid_days))
    certificate.save()
    record(actor=actor, action="services.certificate_issue", obj=certificate,
           object_repr=f"{kind.name} {certificate.serial}",
           after={"serial": certificate.serial, "kind": kind.code, "holder": certificate.holder_masked,
                  "purpose": purpose, "issuer": issuer.code}, request=request)
    return certificate


def _unused_serial(today: datetime.date) -> str:
    while True:
        serial = new_serial(today)
        if not Certificate.objects.filter(serial=serial).exists():
            return serial


@transaction.atomic
def revoke(*, actor, certificate: Certificate, reason: str, now=None, request=None) -> Certificate:
    """Revoke ``certificate`` with a reason; verification says so from then on."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not has_perm(actor, Perm.SERVICES_CERTIFY, certificate.issuer):
        raise NotAllowed(_("您不能撤销%(issuer)s出具的证明。") % {"issuer": certificate.issuer_name})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写撤销原因。"), fields={"reason": "required"})
    if len(reason) > 200:
        raise InvalidInput(_("撤销原因不能超过 200 个字。"), fields={"reason": "too_long"})
    if certificate.status == CertificateStatus.REVOKED:
        raise Conflict(_("该证明已于 %(at)s 撤销。") % {
            "at": timezone.localtime(certificate.revoked_at).strftime("%Y-%m-%d %H:%M")})
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = now or timezone.now()
    certificate.revoked_by = actor
    certificate.revoke_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    record(actor=actor, action="services.certificate_revoke", obj=certificate,
           object_repr=f"{certificate.kind.name} {certificate.serial}", reason=reason,
           before={"status": CertificateStatus.VALID}, after={"status": CertificateStatus.REVOKED}, request=request)
    return certificate


UNKNOWN = {"valid": False, "status": "unknown", "kind": "", "issuer": "", "issued_at": None, "valid_until": None,
           "holder": "", "expired": False}


def verify(serial, *, today: datetime.date | None = None) -> dict:
    """What anyone may learn from a serial: whether it is a valid certificate, its kind, issuer, date
    and the masked holder — never the holder's full name, ID number, phone or address."""
    serial = normalise_serial(serial)
    certificate = (Certificate.objects.select_related("kind").filter(serial=serial)
                   .only("serial", "status", "kind__name", "issuer_name", "issued_at", "valid_until", "holder_masked")
                   .first() if serial else None)
    if certificate is None:
        return dict(UNKNOWN)
    today = today or timezone.localdate()
    expired = certificate.valid_until < today
    return {
        "valid": certificate.status == CertificateStatus.VALID and not expired,
        "status": certificate.status, "kind": certificate.kind.name, "issuer": certificate.issuer_name,
        "issued_at": certificate.issued_at, "valid_until": certificate.valid_until,
        "holder": certificate.holder_masked, "expired": expired,
    }
