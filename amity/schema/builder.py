"""Helpers that turn short model declarations into full Model metadata.

Every model gets the common fields (id, deleted, dates, created_by, modified_user_id,
assigned_user_id and their ref partners) and a filter for each filterable field, so a
declaration only lists what is particular to the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from amity.schema.model import Field, Filter, Link, Model, Portal

TEXT_TYPES = frozenset({"varchar", "name", "phone", "email", "url"})
UNFILTERED_TYPES = frozenset({"text", "image", "file_ref"})


def f(name: str, type: str = "varchar", label: str = "", **kw: Any) -> Field:
    """Declare a field; varchar fields default to 100 characters."""
    if type in TEXT_TYPES and "len" not in kw:
        kw["len"] = 255 if type in ("url", "email") else 100
    if isinstance(kw.get("options"), list):
        kw["options"] = tuple(kw["options"])
    return Field(name=name, type=type, label=label, **kw)


def ref(
    name: str,
    model: str,
    label: str = "",
    *,
    required: bool = False,
    indexed: bool = True,
    id_label: str = "",
    editable: bool = True,
) -> list[Field]:
    """A ref field `name` shown by the target's name, plus its `name_id` id field (not
    `editable`: the server maintains the id, clients cannot write it)."""
    id_name = f"{name}_id"
    return [
        Field(
            name=name, type="ref", label=label, ref_model=model, id_name=id_name, required=required
        ),
        Field(
            name=id_name,
            type="id",
            label=id_label or f"{label or name} ID",
            indexed=indexed,
            editable=editable,
        ),
    ]


def common_fields() -> list[Field]:
    """Fields every model has, maintained by Amity except assigned_user_id."""
    return [
        Field(name="id", type="id", label="ID", system=True),
        Field(name="deleted", type="bool", label="Deleted", system=True, default=False),
        Field(
            name="date_entered", type="datetime", label="Date Created", system=True, indexed=True
        ),
        Field(
            name="date_modified", type="datetime", label="Date Modified", system=True, indexed=True
        ),
        Field(
            name="created_by_user",
            type="ref",
            label="Created By",
            ref_model="User",
            id_name="created_by",
        ),
        Field(name="created_by", type="id", label="Created By ID", system=True),
        Field(
            name="modified_user",
            type="ref",
            label="Modified By",
            ref_model="User",
            id_name="modified_user_id",
        ),
        Field(name="modified_user_id", type="id", label="Modified By ID", system=True),
        Field(
            name="assigned_user",
            type="ref",
            label="Assigned To",
            ref_model="User",
            id_name="assigned_user_id",
        ),
        Field(name="assigned_user_id", type="id", label="Assigned To ID", indexed=True),
    ]


def person_fields() -> list[Field]:
    """Salutation, first and last name, and the derived `name`."""
    return [
        f(
            "salutation",
            "enum",
            "Salutation",
            options=["Mr.", "Ms.", "Mrs.", "Miss", "Dr.", "Prof."],
        ),
        f("first_name", "name", "First Name", indexed=True),
        f("last_name", "name", "Last Name", required=True, indexed=True),
        Field(name="name", type="name", label="Name", derived=True, editable=False),
    ]


def address_fields(prefix: str, label: str) -> list[Field]:
    """Street, city, state, postal code and country of one address."""
    parts = [
        ("street", "Street", 150),
        ("city", "City", 100),
        ("state", "State", 100),
        ("postalcode", "Postal Code", 20),
        ("country", "Country", 100),
    ]
    return [f(f"{prefix}_address_{p}", "varchar", f"{label} {lab}", len=n) for p, lab, n in parts]


def address_codes(prefix: str, label: str) -> list[Field]:
    """The ISO codes of one address's state and country (1CRM keeps them beside the names)."""
    return [
        f(f"{prefix}_address_statecode", "varchar", f"{label} State Code", len=10),
        f(f"{prefix}_address_countrycode", "varchar", f"{label} Country Code", len=3),
    ]


def currency_fields() -> list[Field]:
    """The currency a record's amounts are in, and its rate to the base currency."""
    return [
        *ref("currency", "Currency", "Currency"),
        f("exchange_rate", "decimal", "Exchange Rate", scale=6),
    ]


def build_model(
    name: str,
    table: str,
    label: str,
    fields: Iterable[Field | list[Field]],
    *,
    person: bool = False,
    search: tuple[str, ...] | None = None,
    list_fields: tuple[str, ...] | None = None,
    default_order: str | None = None,
    module: str = "",
    portal: Portal | None = None,
) -> Model:
    """Assemble a model: common fields, declared fields, and a filter per filterable field."""
    own: list[Field] = []
    for item in fields:
        own.extend(item if isinstance(item, list) else [item])
    declared = [*common_fields(), *(person_fields() if person else []), *own]
    if person:
        declared = [with_personal_default(fd) for fd in declared]
    all_fields = {fd.name: fd for fd in declared}
    filters = default_filters(all_fields.values(), person=person)
    if search is None:
        search = ("first_name", "last_name") if person else ("name",)
    if list_fields is None:
        list_fields = ("salutation", "first_name", "last_name") if person else ("name",)
    return Model(
        name=name,
        table=table,
        label=label,
        fields=all_fields,
        filters=filters,
        search_fields=search,
        list_fields=list_fields,
        default_order=default_order or ("last_name" if person else "name"),
        person=person,
        module=module or f"{name}s",
        portal=portal,
    )


PERSONAL_TYPES = frozenset({"name", "email", "phone", "image"})
PERSONAL_NAMES = frozenset({"salutation", "birthdate", "assistant"})


def with_personal_default(fd: Field) -> Field:
    """A field of a person model (Contact, Lead, User) marked `personal` when it holds the
    person's own data: names, e-mail addresses, phone numbers, addresses, the birthdate,
    the photo and the assistant's name."""
    personal = (
        fd.type in PERSONAL_TYPES
        or fd.name in PERSONAL_NAMES
        or ("_address_" in fd.name and fd.type == "varchar")
    )
    return replace(fd, personal=True) if personal and not fd.system else fd


def default_filters(fields: Iterable[Field], *, person: bool) -> dict[str, Filter]:
    """The filters every model offers for its fields, plus filter_text and filter_owner."""
    out: dict[str, Filter] = {
        "filter_text": Filter("filter_text", "unified_search", label="Search"),
        "filter_owner": Filter(
            "filter_owner", "owner", label="Owner", options=("all", "mine", "not_mine")
        ),
    }
    emails: list[str] = []
    for fd in fields:
        if fd.name == "deleted" or fd.type in UNFILTERED_TYPES:
            continue
        if fd.type == "email":
            emails.append(fd.name)
        if fd.type == "ref":
            out[fd.name] = Filter(
                fd.name,
                "ref",
                (fd.id_name or "",),
                fd.vname,
                id_name=fd.id_name,
                ref_model=fd.ref_model,
            )
            continue
        kind = fd.kind.filter_kind
        if fd.derived and not (person and fd.name == "name"):
            continue
        fields_ = ("first_name", "last_name") if fd.derived else (fd.name,)
        out[fd.name] = Filter(fd.name, kind, fields_, fd.vname, options=fd.options)  # type: ignore[arg-type]
    if emails:
        out["any_email"] = Filter("any_email", "any_email", tuple(emails), "Any Email")
    return out


def with_links(model: Model, links: Iterable[Link]) -> Model:
    """A copy of `model` with `links` added."""
    merged = dict(model.links)
    merged.update({lk.name: lk for lk in links})
    return replace(model, links=merged)
