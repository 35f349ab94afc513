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
from .applications import FINISHED, Application, ApplicationEvent, ApplicationStatus, Channel
from .certificates import Certificate, CertificateStatus

__all__ = [
    "FINISHED", "Application", "ApplicationEvent", "ApplicationStatus", "Channel",
    "ADMITTED_PARTS", "AcceptAt", "AdmissionEntry", "AdmissionPart", "Certificate", "CertificateKind",
    "CertificateStatus", "HeldBy", "Material", "ServiceItem", "ServiceStep", "StepLevel",
]
