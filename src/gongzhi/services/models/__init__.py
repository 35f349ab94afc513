from .catalogue import (
    ADMITTED_PARTS,
    AcceptAt,
    AdmissionEntry,
    AdmissionPart,
    CertificateKind,
    HeldBy,
    Material,
    ServiceItem,
    ServiceStep,
    StepLevel,
)
from .certificates import Certificate, CertificateStatus

__all__ = [
    "ADMITTED_PARTS", "AcceptAt", "AdmissionEntry", "AdmissionPart", "Certificate", "CertificateKind",
    "CertificateStatus", "HeldBy", "Material", "ServiceItem", "ServiceStep", "StepLevel",
]
