"""The shipped catalogue holds to its own rules: every item reaching communities is admitted, every
certificate it issues is on the list, every condition is one the registry can check. No database."""

from __future__ import annotations

from importlib import import_module

import pytest

from gongzhi.registry.choices import Registration
from gongzhi.services import defaults
from gongzhi.services.models import (
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

FIELD_TYPES = {"text", "number", "date", "choice", "file", "person"}
RULES = {"min_age", "max_age", "registration", "group", "any_group"}
PLACEHOLDERS = dict.fromkeys(["holder", "address", "purpose", "issuer", "date"], "x")
ADMISSION = {entry["code"]: entry for entry in defaults.ADMISSION}
KINDS = {kind["code"]: kind for kind in defaults.CERTIFICATE_KINDS}


def shipped_group_codes() -> set[str]:
    """The special groups the registry ships (its migrations are where the list lives)."""
    first = import_module("gongzhi.registry.migrations.0002_default_special_groups").DEFAULT_GROUPS
    added = import_module("gongzhi.registry.migrations.0015_special_group_definitions").NEW_GROUPS
    return {group["code"] for group in [*first, *added]}


def model_fields(model) -> dict:
    return {field.name: field for field in model._meta.get_fields() if getattr(field, "concrete", False)}


def fits(model, row: dict, *, besides: frozenset = frozenset()) -> list[str]:
    """The keys of ``row`` that are no field of ``model`` or overflow its max_length."""
    fields = model_fields(model)
    wrong = [key for key in row if key not in fields and key not in besides]
    wrong += [key for key, value in row.items() if key in fields and isinstance(value, str)
              and fields[key].max_length and len(value) > fields[key].max_length]
    return wrong


@pytest.mark.parametrize("rows", [defaults.ADMISSION, defaults.CERTIFICATE_KINDS, defaults.SERVICE_ITEMS],
                         ids=["admission", "certificate_kinds", "service_items"])
def test_codes_are_unique(rows):
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))


def test_rows_fit_the_models():
    assert [e["code"] for e in defaults.ADMISSION if fits(AdmissionEntry, e)] == []
    assert [k["code"] for k in defaults.CERTIFICATE_KINDS if fits(CertificateKind, k)] == []
    for item in defaults.SERVICE_ITEMS:
        assert fits(ServiceItem, item, besides=frozenset({"materials", "steps"})) == [], item["code"]
        assert [m["name"] for m in item["materials"] if fits(Material, m)] == [], item["code"]
        assert [s["name"] for s in item["steps"] if fits(ServiceStep, s)] == [], item["code"]


def test_rows_pass_the_models_field_validation():
    """Slugs, choices, lengths and required fields, as a configuration page would check them."""
    for entry in defaults.ADMISSION:
        AdmissionEntry(**entry).clean_fields()
    for kind in defaults.CERTIFICATE_KINDS:
        CertificateKind(**kind).clean_fields()
    for spec in defaults.SERVICE_ITEMS:
        fields = {k: v for k, v in spec.items() if k not in ("materials", "steps", "admission", "certificate_kind")}
        ServiceItem(**fields).clean_fields(exclude=["admission", "certificate_kind", "created_at", "updated_at"])
        for n, material in enumerate(spec["materials"], start=1):
            Material(order=n, **material).clean_fields(exclude=["item"])
        for n, step in enumerate(spec["steps"], start=1):
            ServiceStep(order=n, **step).clean_fields(exclude=["item"])


def test_admission_list_has_all_three_parts():
    parts = [entry["part"] for entry in defaults.ADMISSION]
    assert set(parts) <= set(AdmissionPart.values)
    assert all(parts.count(part) >= 6 for part in AdmissionPart.values)
    assert all(entry["approved_by"] for entry in defaults.ADMISSION)


def test_every_item_names_an_existing_admission_entry():
    named = [item["admission"] for item in defaults.SERVICE_ITEMS if item["admission"] is not None]
    assert set(named) <= set(ADMISSION)


def test_items_reaching_communities_are_admitted():
    for item in defaults.SERVICE_ITEMS:
        assert item["accept_at"] in AcceptAt.values
        reaches = item["accept_at"] == AcceptAt.COMMUNITY or any(
            step["level"] == StepLevel.COMMUNITY for step in item["steps"])
        if reaches:
            assert item["admission"] is not None, item["code"]
            assert ADMISSION[item["admission"]]["part"] in ADMITTED_PARTS, item["code"]


def test_certificates_issued_are_on_the_list():
    for item in defaults.SERVICE_ITEMS:
        if item["certificate_kind"] is not None:
            assert KINDS[item["certificate_kind"]]["on_list"], item["code"]
    assert any(kind["on_list"] for kind in defaults.CERTIFICATE_KINDS)
    assert any(not kind["on_list"] for kind in defaults.CERTIFICATE_KINDS)


def test_steps_fit_the_time_limit():
    for item in defaults.SERVICE_ITEMS:
        assert item["steps"], item["code"]
        assert sum(step["days"] for step in item["steps"]) <= item["time_limit_days"], item["code"]
        assert {step["level"] for step in item["steps"]} <= set(StepLevel.values), item["code"]


def test_step_departments_exist():
    from gongzhi.demo.district import DEPARTMENTS

    codes = {code for code, _name, _phone in DEPARTMENTS}
    for item in defaults.SERVICE_ITEMS:
        for step in item["steps"]:
            assert step["department_code"] in codes | {""}, (item["code"], step["name"])
            assert not step["department_code"] or step["level"] == StepLevel.DEPARTMENT, (item["code"], step["name"])


def test_form_fields_are_well_formed():
    for item in defaults.SERVICE_ITEMS:
        names = [field["name"] for field in item["form_fields"]]
        assert len(names) == len(set(names)), item["code"]
        for field in item["form_fields"]:
            assert field["name"].isascii() and field["name"].isidentifier(), (item["code"], field)
            assert field["type"] in FIELD_TYPES, (item["code"], field)
            assert isinstance(field["required"], bool) and field["label"], (item["code"], field)
            if field["type"] == "choice":
                assert field["choices"] and all(len(pair) == 2 for pair in field["choices"]), (item["code"], field)
            else:
                assert "choices" not in field, (item["code"], field)


def test_conditions_are_rules_the_registry_can_check():
    groups = shipped_group_codes()
    for item in defaults.SERVICE_ITEMS:
        for condition in item["conditions"]:
            assert set(condition) == {"rule", "value"} and condition["rule"] in RULES, (item["code"], condition)
            rule, value = condition["rule"], condition["value"]
            if rule in ("min_age", "max_age"):
                assert isinstance(value, int) and 0 <= value < 150, (item["code"], condition)
            elif rule == "registration":
                assert value in Registration.values, (item["code"], condition)
            elif rule == "group":
                assert value in groups, (item["code"], condition)
            else:
                assert value and set(value) <= groups, (item["code"], condition)
        assert item["conditions_text"], item["code"]


def test_materials_held_by_the_registry_are_known_kinds():
    for item in defaults.SERVICE_ITEMS:
        for material in item["materials"]:
            assert material["held_by"] in HeldBy.values, (item["code"], material["name"])
            assert isinstance(material["copies"], int) and material["copies"] >= 0
    materials = [m for item in defaults.SERVICE_ITEMS for m in item["materials"]]
    assert len({id(m) for m in materials}) == len(materials)  # no dict shared between items


def test_district_wide_and_local_items_both_exist():
    wide = [item["district_wide"] for item in defaults.SERVICE_ITEMS]
    assert wide.count(True) >= 3 and wide.count(False) >= 2


def test_certificate_bodies_use_only_the_placeholders():
    for kind in defaults.CERTIFICATE_KINDS:
        text = kind["body"].format(**PLACEHOLDERS)
        assert "{" not in text and "}" not in text, kind["code"]
        assert 2 <= len(kind["body"].splitlines()) <= 4, kind["code"]
        assert kind["valid_days"] > 0, kind["code"]
