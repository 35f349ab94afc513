"""API of the service hall: the catalogue, the register of certificates (staff, scoped) and the public
verification of a certificate's serial (no sign-in; never a full name, ID number, phone or address)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from gongzhi.core.errors import NotAllowed
from gongzhi.core.pagination import PageNumberPagination

from . import selectors
from .certificates import SERIAL_MAX, verify

router = Router(tags=["services"])
PAGE_SIZE = 50

class MaterialOut(Schema):
    name: str
    original: bool
    copies: int
    held_by: str = Field(description="what the system already holds ('' = the applicant brings it)")
    required: bool

class StepOut(Schema):
    order: int
    name: str
    level: str
    days: int

class ServiceItemOut(Schema):
    code: str
    name: str
    theme: str
    legal_basis: str
    accept_at: str
    district_wide: bool
    conditions_text: str
    time_limit_days: int
    fee: str
    admission: str | None = Field(None, description="the admission-list entry's code")
    admission_part: str | None = None
    certificate_kind: str | None = None
    materials: list[MaterialOut]
    steps: list[StepOut]

    @staticmethod
    def resolve_admission(item) -> str | None:
        return item.admission.code if item.admission_id else None

    @staticmethod
    def resolve_admission_part(item) -> str | None:
        return item.admission.part if item.admission_id else None

    @staticmethod
    def resolve_certificate_kind(item) -> str | None:
        return item.certificate_kind.code if item.certificate_kind_id else None

@router.get("/service-items", response=list[ServiceItemOut], summary="The service catalogue (active items)")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_service_items(request):
    return selectors.catalogue()

class CertificateOut(Schema):
    serial: str
    status: str = Field(description='"valid" or "revoked"')
    kind: str
    kind_code: str
    holder: str = Field(description="masked (王*民)")
    purpose: str
    issuer: str
    issuer_code: str
    issued_at: datetime.datetime
    valid_until: datetime.date
    revoked_at: datetime.datetime | None
    revoke_reason: str

    @staticmethod
    def resolve_kind(certificate) -> str:
        return certificate.kind.name

    @staticmethod
    def resolve_kind_code(certificate) -> str:
        return certificate.kind.code

    @staticmethod
    def resolve_holder(certificate) -> str:
        return certificate.holder_masked

    @staticmethod
    def resolve_issuer(certificate) -> str:
        return certificate.issuer_name

    @staticmethod
    def resolve_issuer_code(certificate) -> str:
        return certificate.issuer.code

class CertificateFilter(Schema):
    status: str | None = Field(None, pattern="^(valid|revoked)$")
    kind: str | None = Field(None, max_length=40)
    issuer: str | None = Field(None, max_length=14, pattern=r"^\d{1,14}$", description="a community's code")

@router.get("/certificates", response=list[CertificateOut],
            summary="The register of certificates the caller's communities issued (services.certify)")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_certificates(request, filters: CertificateFilter = Query(...)):
    if not selectors.may_certify(request.user):
        raise NotAllowed(_("您没有查看证明登记簿的权限。"))
    return selectors.certificates_for(request.user, status=filters.status or "", kind=filters.kind or "",
                                      issuer_code=filters.issuer or "")

class VerificationOut(Schema):
    valid: bool
    status: str = Field(description='"valid", "revoked" or "unknown"')
    kind: str
    issuer: str
    issued_at: datetime.datetime | None
    valid_until: datetime.date | None
    holder: str = Field(description="masked (王*民)")
    expired: bool

@router.get("/certificates/{serial}/verify", auth=None, response=VerificationOut,
            summary="Verify a certificate by its serial (public, no sign-in); unknown serials answer valid=false")
def verify_certificate(request, serial: str):
    # No length limit on the path: whatever is scanned or typed answers valid=false, never an error.
    return verify(serial[:SERIAL_MAX + 1])
