"""API: persons, houses, organisations and facilities of the community records.

Thin handlers over ``selectors`` (scoped reads: out of scope is 404) and ``services`` (writes:
missing permission is 403). ID numbers and phones are masked unless the caller asks
(``?unmask=1&reason=…``) and holds ``personal.unmask`` in the person's area; each reveal is
audited. Model validation errors become 422 ``{"detail": {field: [messages]}, "code": "invalid"}``.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BeforeValidator, Field

from gongzhi.core.api import ApiErrorOut
from gongzhi.areas.models import Area
from gongzhi.core.pagination import PageNumberPagination
from gongzhi.privacy import services as privacy
from gongzhi.privacy.masking import mask_id_number, mask_phone
from gongzhi.privacy.services import masked_value, shown_value

from . import ethnic_groups, selectors, services
from .choices import (
    Education,
    Employment,
    EstateKind,
    Ethnicity,
    FacilityCategory,
    Gender,
    HouseUse,
    ManagementMode,
    OrganisationKind,
    PoliticalStatus,
    Registration,
    RelationToHead,
    ResidenceStatus,
)
from .models.groups import labelled_attributes
from .models import Building, Estate, Facility, House, Household, Organisation, Person, Unit
from .searching import guard_id_search

persons_router = Router(tags=["persons"])
houses_router = Router(tags=["houses"])
organisations_router = Router(tags=["organisations"])
facilities_router = Router(tags=["facilities"])
estates_router = Router(tags=["estates"])

MAX_ID = 2**63 - 1
Id = Field(..., ge=1, le=MAX_ID)
OptionalId = Field(None, ge=1, le=MAX_ID)
PAGE_SIZE = 50


ErrorOut = ApiErrorOut  # the one error schema of the API


def _not_found_field(field: str) -> ValidationError:
    return ValidationError({field: ValidationError(_("所选记录不存在，或不在您的管辖范围内。"), code="not_found")})


def _area(code: str | None) -> Area | None:
    if code is None:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise _not_found_field("area")
    return area


def _resolve(request, data: dict[str, Any], references: dict[str, type[models.Model]]) -> dict[str, Any]:
    """Replace ``<field>`` ids by the records they name (which the caller must be able to see)."""
    for name, model in references.items():
        if name in data and data[name] is not None:
            target = selectors.visible_records(model, request.user).filter(pk=data[name]).first()
            if target is None:
                raise _not_found_field(name)
            data[name] = target
    if "area" in data:
        if data["area"] is None:
            raise ValidationError({"area": ValidationError(_("请选择所属区域。"), code="required")})
        data["area"] = _area(data["area"])
    return data


def _input(request, model: type[models.Model], payload, references: dict[str, type[models.Model]]) -> dict[str, Any]:
    """The payload as service arguments: explicit fields only, nulls made blank, ids resolved.

    A ``ValidationError`` raised here or by the service becomes a 422 in ``core.api``.
    """
    return _resolve(request, _nulls_to_blank(model, payload.model_dump(exclude_unset=True)), references)


def _nulls_to_blank(model: type[models.Model], data: dict[str, Any]) -> dict[str, Any]:
    """``null`` for a text column that cannot hold NULL means "empty"."""
    for name, value in data.items():
        field = model._meta.get_field(name)
        if value is None and not field.null and isinstance(field, (models.CharField, models.TextField)):
            data[name] = ""
    return data


# --- Persons ---------------------------------------------------------------------------------


class TagAttributeOut(Schema):
    key: str
    label: str = Field(description="the attribute's name as the group defines it (Chinese)")
    value: str = Field(description="the value in words (是/否 for yes/no)")


class TagOut(Schema):
    code: str
    name: str
    attributes: dict[str, Any] = Field(description="values by attribute key, as stored")
    attributes_display: list[TagAttributeOut] = Field(
        description="the same attributes in the group's order, with their names and values in words")

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.group.code

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.group.name

    @staticmethod
    def resolve_attributes_display(obj) -> list[dict[str, str]]:
        return [{"key": item.key, "label": item.label, "value": item.value}
                for item in labelled_attributes(obj.group, obj.attributes)]


class PersonOut(Schema):
    id: int
    area: str
    real_name: str
    gender: str
    birth_date: datetime.date | None = Field(
        description="null for callers without personal.unmask in the person's area: with the masked ID "
                    "number it would give the whole number (its masked middle is the birth date); see age")
    age: int | None = Field(description="age in whole years today (null when the birth date is unknown)")
    id_number: str = Field(description="masked unless revealed with ?unmask=1&reason=…")
    phone: str = Field(description="masked unless revealed with ?unmask=1&reason=…")
    ethnicity: str = Field(description="GB 3304 numeric code (\"\" when unknown); see ethnicity_name")
    ethnicity_name: str = Field(description="the GB 3304 standard name (汉族; \"\" when unknown)")
    registration: str
    residence_status: str
    political_status: str
    education: str
    employment: str
    house: int | None
    house_address: str
    household: int | None
    relation_to_head: str
    address_text: str
    deceased: bool
    moved_out: bool
    tags: list[TagOut]
    updated_at: datetime.datetime

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_house(obj) -> int | None:
        return obj.house_id

    @staticmethod
    def resolve_house_address(obj) -> str:
        return obj.house.address if obj.house_id else ""

    @staticmethod
    def resolve_household(obj) -> int | None:
        return obj.household_id

    @staticmethod
    def resolve_birth_date(obj, context) -> datetime.date | None:
        if obj.pk in getattr(context["request"], "registry_unmasked", ()):
            return obj.birth_date
        shown = shown_value(context["request"].user, obj, "birth_date")
        return shown if isinstance(shown, datetime.date) else None

    @staticmethod
    def resolve_age(obj) -> int | None:
        return obj.age_on(datetime.date.today())

    @staticmethod
    def resolve_ethnicity_name(obj) -> str:
        return str(obj.get_ethnicity_display()) if obj.ethnicity else ""

    @staticmethod
    def resolve_id_number(obj, context) -> str:
        if obj.pk in getattr(context["request"], "registry_unmasked", ()):
            return obj.id_number
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj, context) -> str:
        if obj.pk in getattr(context["request"], "registry_unmasked", ()):
            return obj.phone
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_tags(obj) -> list:
        return list(obj.tags.all())


class PersonFilter(Schema):
    q: str = Field("", max_length=50, description="name, pinyin, initials, last 4 of ID/phone, full ID/phone, address")
    area: str | None = Field(None, max_length=30, description="area code: its whole subtree")
    tag: list[str] = Field([], max_length=20, description="special-group codes (all must match)")
    age_min: int | None = Field(None, ge=0, le=150)
    age_max: int | None = Field(None, ge=0, le=150)
    gender: Gender | None = None
    registration: Registration | None = None
    residence_status: ResidenceStatus | None = None
    order: Literal["name", "-name", "birth_date", "-birth_date", "updated"] = "name"


class RevealQuery(Schema):
    unmask: bool = False
    reason: str = Field("", max_length=500)


def _ethnicity_code(value: Any) -> Any:
    """民族 as any GB 3304 form (汉族, 汉, 1, Han, HA) → its code; anything else is left for the enum to refuse."""
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        return ethnic_groups.to_code(value) or value
    return value


EthnicityIn = Annotated[Ethnicity | None, BeforeValidator(_ethnicity_code)]


class PersonPatch(Schema):
    area: str | None = Field(None, max_length=30)
    real_name: str | None = Field(None, max_length=50)
    gender: Gender | None = None
    birth_date: datetime.date | None = None
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=30)
    ethnicity: EthnicityIn = Field(
        None, description="GB 3304 numeric code (stored and returned); the standard name (汉族), the short name "
                          "(汉), the code without its zero (1), the romanisation (Han) and the letter code (HA) "
                          "are accepted too")
    registration: Registration | None = None
    residence_status: ResidenceStatus | None = None
    political_status: PoliticalStatus | None = None
    education: Education | None = None
    employment: Employment | None = None
    house: int | None = OptionalId
    household: int | None = OptionalId
    relation_to_head: RelationToHead | None = None
    address_text: str | None = Field(None, max_length=200)


class PersonIn(PersonPatch):
    area: str = Field(..., max_length=30)
    real_name: str = Field(..., max_length=50)


PERSON_REFERENCES = {"house": House, "household": Household}


@persons_router.get("", response=list[PersonOut], summary="Persons the caller may see (search, filters)")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_persons(request, filters: PersonFilter = Query(...)):
    guard_id_search(request.user, filters.q, request=request)  # 422 past the daily limit
    return selectors.persons_for(
        request.user, q=filters.q, area_code=filters.area, tags=filters.tag, age_min=filters.age_min,
        age_max=filters.age_max, gender=filters.gender, registration=filters.registration,
        residence_status=filters.residence_status, order=filters.order,
    )


@persons_router.get("/{pk}", response={200: PersonOut, 422: ErrorOut},
                    summary="One person (404 when out of scope); ?unmask=1&reason=… reveals ID and phone")
def get_person(request, pk: int = Path(..., ge=1, le=MAX_ID), reveal: RevealQuery = Query(...)):
    person = selectors.person_for(request.user, pk)
    if reveal.unmask:
        for field in ("id_number", "phone"):
            privacy.reveal(actor=request.user, obj=person, field=field, reason=reveal.reason, request=request)
        request.registry_unmasked = {person.pk}
    return person


@persons_router.post("", response={201: PersonOut, 422: ErrorOut}, summary="Register a person")
def create_person(request, payload: PersonIn):
    data = _input(request, Person, payload, PERSON_REFERENCES)
    person = services.create_person(actor=request.user, request=request, **data)
    return Status(201, selectors.person_for(request.user, person.pk))


@persons_router.patch("/{pk}", response={200: PersonOut, 422: ErrorOut}, summary="Change a person (audited)")
def update_person(request, payload: PersonPatch, pk: int = Path(..., ge=1, le=MAX_ID)):
    person = selectors.person_for(request.user, pk)
    data = _input(request, Person, payload, PERSON_REFERENCES)
    services.update_person(actor=request.user, person=person, request=request, **data)
    return selectors.person_for(request.user, pk)


# --- Houses ----------------------------------------------------------------------------------


class HouseOut(Schema):
    id: int
    area: str
    address: str
    room: str
    building: int | None
    unit: int | None
    floor_area: Decimal | None
    use: str
    owner: int | None
    tenant: int | None
    lease_start: datetime.date | None
    lease_end: datetime.date | None
    last_rental_check: datetime.date | None

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_building(obj) -> int | None:
        return obj.building_id

    @staticmethod
    def resolve_unit(obj) -> int | None:
        return obj.unit_id

    @staticmethod
    def resolve_owner(obj) -> int | None:
        return obj.owner_id

    @staticmethod
    def resolve_tenant(obj) -> int | None:
        return obj.tenant_id


class HouseListOut(HouseOut):
    resident_count: int


class ResidentOut(Schema):
    id: int
    real_name: str
    gender: str
    birth_date: datetime.date | None = Field(description="null without personal.unmask (see PersonOut); see age")
    age: int | None
    household: int | None
    relation_to_head: str
    deceased: bool
    moved_out: bool

    @staticmethod
    def resolve_household(obj) -> int | None:
        return obj.household_id

    @staticmethod
    def resolve_birth_date(obj, context) -> datetime.date | None:
        return PersonOut.resolve_birth_date(obj, context)

    @staticmethod
    def resolve_age(obj) -> int | None:
        return obj.age_on(datetime.date.today())


class HouseDetailOut(HouseOut):
    residents: list[ResidentOut]

    @staticmethod
    def resolve_residents(obj) -> list:
        return list(obj.residents.all())


class HouseFilter(Schema):
    q: str = Field("", max_length=50, description="address contains")
    area: str | None = Field(None, max_length=30)
    use: HouseUse | None = None


class HousePatch(Schema):
    area: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    room: str | None = Field(None, max_length=30)
    building: int | None = OptionalId
    unit: int | None = OptionalId
    floor_area: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    use: HouseUse | None = None
    owner: int | None = OptionalId
    tenant: int | None = OptionalId
    lease_start: datetime.date | None = None
    lease_end: datetime.date | None = None
    last_rental_check: datetime.date | None = None


class HouseIn(HousePatch):
    area: str = Field(..., max_length=30)
    address: str = Field(..., max_length=200)


HOUSE_REFERENCES = {"building": Building, "unit": Unit, "owner": Person, "tenant": Person}


@houses_router.get("", response=list[HouseListOut], summary="Houses the caller may see")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_houses(request, filters: HouseFilter = Query(...)):
    return selectors.houses_for(request.user, q=filters.q, area_code=filters.area, use=filters.use)


@houses_router.get("/{pk}", response=HouseDetailOut, summary="One house with its residents (以房查人)")
def get_house(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return selectors.house_for(request.user, pk)


@houses_router.post("", response={201: HouseDetailOut, 422: ErrorOut}, summary="Register a house")
def create_house(request, payload: HouseIn):
    data = _input(request, House, payload, HOUSE_REFERENCES)
    house = services.create_house(actor=request.user, request=request, **data)
    return Status(201, selectors.house_for(request.user, house.pk))


@houses_router.patch("/{pk}", response={200: HouseDetailOut, 422: ErrorOut}, summary="Change a house (audited)")
def update_house(request, payload: HousePatch, pk: int = Path(..., ge=1, le=MAX_ID)):
    house = selectors.house_for(request.user, pk)
    data = _input(request, House, payload, HOUSE_REFERENCES)
    services.update_house(actor=request.user, house=house, request=request, **data)
    return selectors.house_for(request.user, pk)


# --- Estates ----------------------------------------------------------------------------------


class EstateBodyOut(Schema):
    id: int
    name: str


class EstateOut(Schema):
    id: int
    area: str
    name: str
    kind: EstateKind
    address: str
    management_mode: str = Field(description="self (自管), entrusted (托管), joint (共管), quasi (准物业) or \"\"")
    management_mode_name: str = Field(description="the mode in words (自管…; \"\" when not recorded)")
    property_company: EstateBodyOut | None
    owners_committee: EstateBodyOut | None = Field(description="the estate's 业委会, an organisation of its community")
    building_count: int
    house_count: int

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_management_mode_name(obj) -> str:
        return str(obj.get_management_mode_display()) if obj.management_mode else ""


class EstateFilter(Schema):
    q: str = Field("", max_length=50, description="name or address, or the name of its property company or 业委会")
    area: str | None = Field(None, max_length=30)
    management_mode: ManagementMode | None = None


class EstatePatch(Schema):
    name: str | None = Field(None, max_length=100)
    kind: EstateKind | None = None
    address: str | None = Field(None, max_length=200)
    management_mode: ManagementMode | Literal[""] | None = None
    property_company: int | None = Field(None, ge=1, le=MAX_ID, description="an organisation of kind property_company")
    owners_committee: int | None = Field(None, ge=1, le=MAX_ID,
                                         description="an organisation of kind owners_committee in the estate's community")


ESTATE_REFERENCES = {"property_company": Organisation, "owners_committee": Organisation}


@estates_router.get("", response=list[EstateOut], summary="Estates the caller may see, with the bodies that run them")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_estates(request, filters: EstateFilter = Query(...)):
    return selectors.estates_for(request.user, q=filters.q, area_code=filters.area,
                                 management_mode=filters.management_mode)


@estates_router.get("/{pk}", response=EstateOut, summary="One estate (404 when out of scope)")
def get_estate(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return selectors.estate_for(request.user, pk)


@estates_router.patch("/{pk}", response={200: EstateOut, 422: ErrorOut},
                      summary="Change an estate: its property company, 业委会 and management mode (audited)")
def update_estate(request, payload: EstatePatch, pk: int = Path(..., ge=1, le=MAX_ID)):
    estate = selectors.estate_for(request.user, pk)
    data = _input(request, Estate, payload, ESTATE_REFERENCES)
    services.update_estate(actor=request.user, estate=estate, request=request, **data)
    return selectors.estate_for(request.user, pk)


# --- Organisations ---------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    area: str
    kind: str
    name: str
    uscc: str | None
    contact: str = Field(description="masked (张*) unless revealed on the page with a reason")
    phone: str = Field(description="masked (138****5678) unless revealed on the page with a reason")
    address: str

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_contact(obj) -> str:
        return masked_value(obj, "contact")

    @staticmethod
    def resolve_phone(obj) -> str:
        return masked_value(obj, "phone")


class OrganisationFilter(Schema):
    q: str = Field("", max_length=50, description="name or address contains, or the exact USCC")
    area: str | None = Field(None, max_length=30)
    kind: OrganisationKind | None = None


class OrganisationPatch(Schema):
    area: str | None = Field(None, max_length=30)
    kind: OrganisationKind | None = None
    name: str | None = Field(None, max_length=200)
    uscc: str | None = Field(None, max_length=30)
    contact: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)


class OrganisationIn(OrganisationPatch):
    area: str = Field(..., max_length=30)
    kind: OrganisationKind
    name: str = Field(..., max_length=200)


@organisations_router.get("", response=list[OrganisationOut], summary="Organisations the caller may see")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_organisations(request, filters: OrganisationFilter = Query(...)):
    return selectors.organisations_for(request.user, q=filters.q, area_code=filters.area, kind=filters.kind)


@organisations_router.get("/{pk}", response=OrganisationOut, summary="One organisation (404 when out of scope)")
def get_organisation(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return selectors.organisation_for(request.user, pk)


@organisations_router.post("", response={201: OrganisationOut, 422: ErrorOut}, summary="Register an organisation")
def create_organisation(request, payload: OrganisationIn):
    data = _input(request, Organisation, payload, {})
    organisation = services.create_organisation(actor=request.user, request=request, **data)
    return Status(201, organisation)


@organisations_router.patch("/{pk}", response={200: OrganisationOut, 422: ErrorOut},
                            summary="Change an organisation (audited)")
def update_organisation(request, payload: OrganisationPatch, pk: int = Path(..., ge=1, le=MAX_ID)):
    organisation = selectors.organisation_for(request.user, pk)
    data = _input(request, Organisation, payload, {})
    return services.update_organisation(actor=request.user, organisation=organisation, request=request, **data)


# --- Facilities ------------------------------------------------------------------------------


class FacilityOut(Schema):
    id: int
    area: str
    category: str
    name: str
    address: str
    lon: float | None
    lat: float | None

    @staticmethod
    def resolve_area(obj) -> str:
        return obj.area.code


class FacilityFilter(Schema):
    q: str = Field("", max_length=50, description="name or address contains")
    area: str | None = Field(None, max_length=30)
    category: FacilityCategory | None = None


class FacilityPatch(Schema):
    area: str | None = Field(None, max_length=30)
    category: FacilityCategory | None = None
    name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180, description="longitude, WGS84")
    lat: float | None = Field(None, ge=-90, le=90, description="latitude, WGS84")


class FacilityIn(FacilityPatch):
    area: str = Field(..., max_length=30)
    category: FacilityCategory
    name: str = Field(..., max_length=200)


@facilities_router.get("", response=list[FacilityOut], summary="Facilities the caller may see")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_facilities(request, filters: FacilityFilter = Query(...)):
    return selectors.facilities_for(request.user, q=filters.q, area_code=filters.area, category=filters.category)


@facilities_router.get("/{pk}", response=FacilityOut, summary="One facility (404 when out of scope)")
def get_facility(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return selectors.facility_for(request.user, pk)


@facilities_router.post("", response={201: FacilityOut, 422: ErrorOut}, summary="Register a facility")
def create_facility(request, payload: FacilityIn):
    data = _input(request, Facility, payload, {})
    facility = services.create_facility(actor=request.user, request=request, **data)
    return Status(201, facility)


@facilities_router.patch("/{pk}", response={200: FacilityOut, 422: ErrorOut}, summary="Change a facility (audited)")
def update_facility(request, payload: FacilityPatch, pk: int = Path(..., ge=1, le=MAX_ID)):
    facility = selectors.facility_for(request.user, pk)
    data = _input(request, Facility, payload, {})
    return services.update_facility(actor=request.user, facility=facility, request=request, **data)
