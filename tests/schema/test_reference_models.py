"""Amity's built-in models against 1CRM's published model descriptions: every 1CRM field is
either one of Amity's, with a fitting type, or named in docs/models.md with a reason."""

from __future__ import annotations

import pytest

from amity.schema.registry import default_registry
from tests.schema.reference_models import (
    REFERENCE_DIR,
    lacking,
    left_out,
    reference_fields,
    snapshot_fields,
)

# the Amity field types that hold each OpenAPI type of the reference
FITTING_TYPES = {
    "integer": {"int"},
    "boolean": {"bool"},
    "number": {"currency", "decimal", "float", "int"},
}


@pytest.mark.skipif(
    not REFERENCE_DIR.is_dir(), reason=f"1CRM's model files are not at {REFERENCE_DIR}"
)
def test_the_snapshot_holds_what_the_reference_files_say() -> None:
    assert snapshot_fields() == reference_fields()


def test_the_snapshot_holds_every_reference_model() -> None:
    reference = snapshot_fields()
    assert set(reference) == {
        "Account",
        "Contact",
        "Lead",
        "Note",
        "Opportunity",
        "Project",
        "ProjectTask",
        "Task",
        "aCase",
    }
    assert len(reference["Account"]) == 91  # the file with the stray trailing comma


def test_every_reference_field_is_in_amity_or_documented_as_left_out() -> None:
    documented = left_out()
    unexplained = {
        model: [name for name in names if name not in documented.get(model, set())]
        for model, names in lacking(snapshot_fields()).items()
    }
    assert {model: names for model, names in unexplained.items() if names} == {}


def test_what_docs_models_leaves_out_is_in_the_reference_and_not_in_amity() -> None:
    reference, registry = snapshot_fields(), default_registry()
    for model, names in left_out().items():
        assert names, model
        assert names <= set(reference[model]), (model, names - set(reference[model]))
        present = {n for n in names if n in registry.model(model).fields}
        assert not present, (model, present)


def test_shared_fields_have_a_type_that_holds_the_reference_values() -> None:
    registry = default_registry()
    misfits = []
    for model, fields in snapshot_fields().items():
        ours = registry.model(model).fields
        for name, kind in fields.items():
            if (
                name in ours
                and kind in FITTING_TYPES
                and ours[name].type not in FITTING_TYPES[kind]
            ):
                misfits.append(f"{model}.{name}: {kind} vs {ours[name].type}")
    assert misfits == []


def test_the_fields_a_crm_user_expects_are_there() -> None:
    """The brief's examples, with the types and targets they need."""
    registry = default_registry()
    account = registry.model("Account").fields
    for name in ("ticker_symbol", "sic_code", "ownership", "rating", "email2"):
        assert account[name].kind.storage == "string", name
    assert account["employees"].type == "int"
    assert account["member_of"].ref_model == "Account"
    assert account["currency"].ref_model == "Currency"
    assert account["tax_code"].ref_model == "TaxCode"
    assert account["default_discount"].ref_model == "Discount"
    assert account["default_shipper"].ref_model == "ShippingProvider"
    assert "Net 30" in account["default_terms"].options
    assert account["balance_payable"].type == "currency"
    assert {"billing_address_countrycode", "shipping_address_statecode"} <= set(account)
    assert registry.model("Lead").fields["reports_to"].ref_model == "Lead"
    assert registry.model("Project").fields["invoice"].ref_model == "Invoice"
    assert registry.model("Task").fields["account"].ref_model == "Account"
