"""Custom fields as data: their definitions, naming rule, options, and how they join a model.

A custom field is a row of the custom_fields table (amity/store/metadata.py); this module
turns such rows into Field and Filter metadata. Names end in `_c` (1CRM's own convention
for custom fields) and no built-in field does, so a custom field can never shadow one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from amity.errors import BadRequest
from amity.schema.model import Field, Filter, Model
from amity.schema.types import CUSTOM_TYPES, OPTION_TYPES, Choice

SUFFIX = "_c"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,37}_c$")
MODEL_FIELD_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # fields of custom models
MAX_LABEL = 100
MAX_OPTION_LABEL = 100
MAX_OPTIONS = 500
LENGTHS = {"Text": 255, "URL": 2048, "ColorSwatch": 7, "Timezone": 64, "File": 255, "Image": 255}
# file fields get no list filter and no index, like the built-in file_ref and image fields
UNFILTERED = frozenset({"File", "Image"})
UNINDEXABLE = frozenset({"Textarea", "Checkbox", "MultiSelect"}) | UNFILTERED
# values worth keeping unique (an external id, a code, a number); not choices or flags
UNIQUE_TYPES = frozenset({"Text", "URL", "Number", "Numeric", "Date", "DateTime"})


@dataclass(frozen=True)
class CustomFieldDef:
    """One custom field of one model, as stored; `removed` fields are hidden."""

    id: str
    model: str
    name: str
    type: str
    label: str
    required: bool = False
    indexed: bool = False
    unique: bool = False  # one value per live record (empty values may repeat)
    auto_number: bool = False  # a Number the server gives new records left without one
    options: tuple[Choice, ...] = ()
    removed: bool = False
    personal: bool = False  # holds a person's data (GDPR erasure, the personal-data PDF)
    created_by: str | None = None
    date_created: datetime | None = None
    modified_by: str | None = None
    date_modified: datetime | None = None

    @property
    def sequence(self) -> str:
        """The name of the sequence that numbers an auto_number field."""
        return f"{self.model}.{self.name}"

    def field(self) -> Field:
        """The Field this definition adds to its model."""
        return Field(
            name=self.name,
            type=self.type,
            label=self.label,
            required=self.required,
            len=LENGTHS.get(self.type),
            indexed=self.indexed,
            unique=self.unique,
            auto_number=self.auto_number,
            choices=self.options,
            scale=3 if self.type == "Numeric" else 2,
            custom=True,
            personal=self.personal,
        )

    def as_json(self) -> dict[str, Any]:
        """The definition as the admin API shows it."""
        out: dict[str, Any] = {
            "model": self.model,
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "required": self.required,
            "indexed": self.indexed,
            "unique": self.unique,
            "auto_number": self.auto_number,
            "personal": self.personal,
        }
        if self.type in OPTION_TYPES:
            out["options"] = [c.as_json() for c in self.options]
        out.update(
            created_by=self.created_by,
            date_created=_stamp(self.date_created),
            modified_by=self.modified_by,
            date_modified=_stamp(self.date_modified),
        )
        if self.removed:
            out["removed"] = True
        return out


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def check_name(model: Model, name: Any) -> str:
    """A valid new custom field name for `model` (400 saying the rule otherwise). Fields
    of a custom model need no `_c`: only Amity's common fields could clash there, and
    those are taken."""
    if model.custom:
        if not isinstance(name, str) or not MODEL_FIELD_PATTERN.match(name):
            raise BadRequest(
                "Invalid field name {name!r}",
                "names are 1-40 lower-case letters, digits or _ and start with a letter, e.g. plan",
                name=name,
            )
    elif not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise BadRequest(
            "Invalid custom field name {name!r}",
            "names are 3-40 lower-case letters, digits or _, start with a letter and "
            "end in _c, e.g. contract_tier_c",
            name=name,
        )
    if name in model.fields:
        raise BadRequest("Model {model} already has a field {name}", model=model.name, name=name)
    return name


def check_type(name: Any) -> str:
    """The canonical custom type name (matched case-insensitively)."""
    if isinstance(name, str):
        for known in CUSTOM_TYPES:
            if known.lower() == name.strip().lower():
                return known
    raise BadRequest(
        "Unknown custom field type {name!r}",
        "types: {custom_types}",
        name=name,
        custom_types=", ".join(CUSTOM_TYPES),
    )


def check_label(label: Any, default: str) -> str:
    if label is None:
        return default
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= MAX_LABEL or ("\x00" in label):
        raise BadRequest(
            "label must be a string of 1 to {max_label} characters", max_label=MAX_LABEL
        )
    return label.strip()


def check_flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise BadRequest("{key} must be true or false", key=key)
    return value


def _option_label(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value.strip()) <= MAX_OPTION_LABEL
        or ("\x00" in value)
    ):
        raise BadRequest(
            "Option labels are strings of 1 to {max_option_label} characters, got {value!r}",
            max_option_label=MAX_OPTION_LABEL,
            value=value,
        )
    return value.strip()


def new_options(type_name: str, raw: Any) -> tuple[Choice, ...]:
    """Options of a new field, numbered 1, 2, 3 ...: a list of labels (or {"label"})."""
    if type_name not in OPTION_TYPES:
        if raw not in (None, []):
            raise BadRequest("A {type_name} field has no options", type_name=type_name)
        return ()
    if not isinstance(raw, list) or not raw:
        raise BadRequest(
            "A {type_name} field needs options",
            'e.g. "options": ["Gold", "Silver"]',
            type_name=type_name,
        )
    labels = [_option_label(item.get("label") if isinstance(item, dict) else item) for item in raw]
    check_option_count(labels)
    return tuple(Choice(i, label) for i, label in enumerate(labels, start=1))


def check_option_count(labels: Sequence[str]) -> None:
    if len(labels) > MAX_OPTIONS:
        raise BadRequest("At most {max_options} options", max_options=MAX_OPTIONS)
    if len(set(labels)) != len(labels):
        raise BadRequest("Option labels must be unique")


def changed_options(current: tuple[Choice, ...], raw: Any) -> tuple[Choice, ...]:
    """The options after a change: `raw` lists every option in the new order; an entry
    with an id renames or (un)retires that option, one without adds an option with the
    next id. Ids are never reused and no option is ever deleted (retire it instead)."""
    if not isinstance(raw, list) or not raw:
        raise BadRequest(
            "options must be a non-empty list",
            'e.g. [{"id": 1, "label": "Gold"}, {"id": 2, "retired": true}, {"label": "New"}]',
        )
    by_id = {c.id: c for c in current}
    next_id = max(by_id, default=0) + 1
    out: list[Choice] = []
    seen: set[int] = set()
    for item in raw:
        if isinstance(item, str):
            item = {"label": item}
        if not isinstance(item, dict) or set(item) - {"id", "label", "retired"}:
            raise BadRequest(
                "Each option is an object with id, label and retired",
                'e.g. {"id": 2, "label": "Silver", "retired": false}',
            )
        oid = item.get("id")
        retired = item.get("retired", False)
        if not isinstance(retired, bool):
            raise BadRequest("retired must be true or false")
        if oid is None:
            out.append(Choice(next_id, _option_label(item.get("label")), retired))
            next_id += 1
            continue
        if isinstance(oid, bool) or not isinstance(oid, int) or oid not in by_id:
            raise BadRequest("Unknown option id {oid!r}", "leave id out to add an option", oid=oid)
        if oid in seen:
            raise BadRequest("Option {oid} is listed twice", oid=oid)
        seen.add(oid)
        old = by_id[oid]
        label = _option_label(item["label"]) if "label" in item else old.label
        out.append(Choice(oid, label, item.get("retired", old.retired)))
    missing = sorted(set(by_id) - seen)
    if missing:
        raise BadRequest(
            "Option {value} is missing from options",
            "options are never deleted (stored values use them): list every option, "
            'and retire unwanted ones with {{"id": {value}, "retired": true}}',
            value=missing[0],
        )
    check_option_count([c.label for c in out])
    return tuple(out)


def custom_filter(fd: Field) -> Filter:
    """The list filter a custom field brings, by its type's filter kind."""
    kind = fd.kind.filter_kind
    return Filter(fd.name, kind, (fd.name,), fd.vname, choices=fd.choices)  # type: ignore[arg-type]


def with_custom_fields(models: Iterable[Model], defs: Iterable[CustomFieldDef]) -> list[Model]:
    """The models with their (live) custom fields and filters added."""
    by_model: dict[str, list[Field]] = {}
    for d in defs:
        if not d.removed:
            by_model.setdefault(d.model, []).append(d.field())
    out: list[Model] = []
    for model in models:
        extra = by_model.get(model.name)
        if extra:
            model = replace(
                model,
                fields={
                    **model.fields,
                    **{fd.name: fd for fd in extra if fd.name not in model.fields},
                },
                filters={
                    **model.filters,
                    **{
                        fd.name: custom_filter(fd)
                        for fd in extra
                        if fd.name not in model.filters and fd.type not in UNFILTERED
                    },
                },
            )
        out.append(model)
    return out


def hidden_fields(defs: Iterable[CustomFieldDef]) -> dict[str, list[Field]]:
    """Removed fields by model: their columns stay (hidden) so no running request fails."""
    out: dict[str, list[Field]] = {}
    for d in defs:
        if d.removed:
            out.setdefault(d.model, []).append(d.field())
    return out
