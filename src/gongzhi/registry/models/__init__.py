"""The community records (社区全息档案): places, households, persons, groups, organisations."""

from .base import AreaBoundModel, RegistryQuerySet
from .groups import PersonTag, SpecialGroup
from .imports import ImportBatch, ImportRowChange, ImportStatus
from .move_in import MoveInRequest, MoveInStatus
from .on_behalf import OnBehalfChannel, OnBehalfRecord
from .organisations import Facility, Organisation, Vehicle
from .people import Household, Person, PersonMove, name_romanisation
from .places import Building, Estate, House, Unit
from .residents import ResidentLink, VerificationFailure, VerificationMethod
from .summaries import AreaPopulation

__all__ = [
    "AreaBoundModel", "AreaPopulation", "Building", "Estate", "Facility", "House", "Household", "ImportBatch", "ImportRowChange",
    "ImportStatus", "MoveInRequest", "MoveInStatus", "OnBehalfChannel", "OnBehalfRecord", "Organisation", "Person",
    "PersonMove", "PersonTag", "RegistryQuerySet", "ResidentLink", "SpecialGroup", "Unit", "Vehicle",
    "VerificationFailure", "VerificationMethod", "name_romanisation",
]
