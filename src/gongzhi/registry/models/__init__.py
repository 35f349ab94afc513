"""The community records (社区全息档案): places, households, persons, groups, organisations."""

from .base import AreaBoundModel, RegistryQuerySet
from .groups import PersonTag, SpecialGroup
from .imports import ImportBatch, ImportRowChange, ImportStatus
from .organisations import Facility, Organisation, Vehicle
from .people import Household, Person, PersonMove, name_romanisation
from .places import Building, Estate, House, Unit

__all__ = [
    "AreaBoundModel", "Building", "Estate", "Facility", "House", "Household", "ImportBatch", "ImportRowChange",
    "ImportStatus", "Organisation", "Person",
    "PersonMove", "PersonTag", "RegistryQuerySet", "SpecialGroup", "Unit", "Vehicle", "name_romanisation",
]
