"""Model metadata: Field, Link, Filter and Model, plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from amity.schema.types import Choice, FieldType, field_type

LinkKind = Literal["many_to_many", "has_many", "parent"]
FilterKind = Literal[
    "text",
    "enum",
    "multienum",
    "ref",
    "id",
    "date",
    "bool",
    "number",
    "any_email",
    "unified_search",
    "owner",
    "option",
    "option_set",
]


@dataclass(frozen=True)
class Field:
    """One field of a model. Stored fields are columns; `ref` fields are derived by join."""

    name: str
    type: str
    label: str = ""
    required: bool = False
    editable: bool = True
    default: Any = None
    len: int | None = None
    options: tuple[str, ...] = ()
    ref_model: str | None = None  # bean_name of a ref field
    id_name: str | None = None  # the id field behind a ref field
    indexed: bool = False
    system: bool = False  # maintained by Amity, never written through `data`
    derived: bool = False  # computed when read (name, _display of person models)
    scale: int = 2  # decimal places of decimal/currency fields
    unique: bool = False  # no two live records share a value
    auto_number: bool = False  # numbered 1, 2, 3 ... by the server when left empty
    audited: bool = True  # changes go into the audit (never for system fields)
    choices: tuple[Choice, ...] = ()  # options of custom option fields (ids and labels)
    custom: bool = False  # added at run time by an admin (amity/schema/custom.py)
    mirrors: str | None = None  # another name of that field: a write of one sets both
    personal: bool = False  # holds a person's data (GDPR: erasure, the personal-data PDF)

    def __post_init__(self) -> None:
        if self.system and self.audited:  # what Amity maintains is not audited
            object.__setattr__(self, "audited", False)

    @cached_property
    def kind(self) -> FieldType:
        return field_type(self.type)

    @cached_property
    def stored(self) -> bool:
        return not self.derived and self.kind.storage != "none"

    @property
    def max_length(self) -> int | None:
        """The most characters a text value may have: the declared len, else the type's."""
        return self.len if self.len is not None else self.kind.max_length

    @property
    def vname(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Link:
    """A named way from a record to related records.

    many_to_many: rows of `join_table` pair `self_column` with `target_column`, and may
      carry `join_fields` (e.g. a contact's role on an opportunity).
    has_many: the target's `target_column` holds this record's id.
    parent: the target's parent_type/parent_id columns point at this record.
    """

    name: str
    target: str
    kind: LinkKind
    join_table: str | None = None
    self_column: str | None = None
    target_column: str | None = None
    join_fields: tuple[Field, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Filter:
    """A named list filter a client may use in `filters[...]`."""

    name: str
    kind: FilterKind
    fields: tuple[str, ...] = ()
    label: str = ""
    options: tuple[str, ...] = ()
    id_name: str | None = None
    ref_model: str | None = None
    choices: tuple[Choice, ...] = ()  # option ids and labels (custom option fields)

    def describe(self) -> dict[str, Any]:
        """Definition as /meta/fields lists it."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": _FILTER_WIRE_TYPE[self.kind],
            "vname": self.label or self.name.replace("_", " ").capitalize(),
        }
        if self.fields:
            out["fields"] = list(self.fields)
        if self.options:
            out["options"] = {o: o for o in self.options}
        if self.choices:
            out["options"] = {str(c.id): c.label for c in self.choices}
        if self.id_name:
            out["id_name"] = self.id_name
        if self.ref_model:
            out["bean_name"] = self.ref_model
        if self.kind == "date":
            out["operators"] = list(DATE_OPERATORS)
            out["periods"] = [*PERIODS, "days_N"]
        return out


_FILTER_WIRE_TYPE: dict[str, str] = {
    "text": "varchar",
    "enum": "enum",
    "multienum": "multienum",
    "ref": "ref",
    "id": "id",
    "date": "date",
    "bool": "bool",
    "number": "number",
    "any_email": "email",
    "unified_search": "unified_search",
    "owner": "enum",
    "option": "enum",
    "option_set": "multienum",
}

DATE_OPERATORS = (
    "on_date",
    "before_date",
    "after_date",
    "not_on_date",
    "between_dates",
    "empty",
    "not_empty",
    "yesterday",
    "today",
    "tomorrow",
    "period_prev",
    "period_current",
    "period_next",
)
PERIODS = ("day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year")


@dataclass(frozen=True)
class Portal:
    """How portal contacts (a contact's own token) reach a model's records.

    `link` is the link of Contact that reaches them ("" for Contact itself: a contact sees
    only its own record). `flag` names a bool field that hides a record from the portal
    when false (an empty value counts as the field's default). With `create`, a contact may
    create records, which are linked to it through `link`.
    """

    link: str = ""
    flag: str | None = None
    create: bool = False


@dataclass(frozen=True)
class Model:
    """A record type: its table, fields, links and filters."""

    name: str
    table: str
    label: str
    fields: dict[str, Field]
    links: dict[str, Link] = field(default_factory=dict)
    filters: dict[str, Filter] = field(default_factory=dict)
    search_fields: tuple[str, ...] = ("name",)
    list_fields: tuple[str, ...] = ("name",)
    default_order: str = "name"
    person: bool = False  # name and _display derived from salutation/first/last
    module: str = ""
    portal: Portal | None = None  # None: portal contacts never reach this model
    custom: bool = False  # defined at run time by an admin (amity/schema/custom_models.py)

    @cached_property
    def has_dynamic_refs(self) -> bool:
        """Whether a ref field points at a record of a model named by another field
        (parent_type/parent_id), which needs a lookup per row."""
        return any(fd.type == "ref" and fd.ref_model is None for fd in self.fields.values())

    @cached_property
    def unique_fields(self) -> tuple[Field, ...]:
        return tuple(fd for fd in self.fields.values() if fd.unique)

    @cached_property
    def auto_number_fields(self) -> tuple[Field, ...]:
        return tuple(fd for fd in self.fields.values() if fd.auto_number)

    def stored_fields(self) -> list[Field]:
        return [f for f in self.fields.values() if f.stored]

    def name_sources(self) -> tuple[str, ...]:
        """Fields a row needs so that `name` and `_display` can be built."""
        return ("salutation", "first_name", "last_name") if self.person else ("name",)
