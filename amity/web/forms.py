"""Fields as form inputs and posted forms as record data, from the model's metadata.

An input is named after the field it edits; a ref field is edited through its id field
(`primary_account_id`), with a text input beside it (`primary_account`) that shows the
name, searches as you type, and is resolved by name when the id is left empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from amity.schema.model import Field, Model
from amity.schema.types import timezone_names

TEXT_TYPES = {
    "varchar": "text",
    "name": "text",
    "Text": "text",
    "phone": "tel",
    "email": "email",
    "url": "url",
    "URL": "url",
}
NUMBER_TYPES = frozenset({"int", "float", "decimal", "currency", "Number", "Numeric"})
CHOICE_TYPES = frozenset({"enum", "Select", "Timezone"})
MULTI_TYPES = frozenset({"multienum", "MultiSelect"})
GROUP_KINDS = frozenset({"radio", "checkboxes"})  # a group of inputs sharing one name
LIST_KINDS = frozenset({"multiselect", "checkboxes"})  # inputs whose value is a list
FILE_TYPES = frozenset({"file_ref", "image", "File", "Image"})
PARENT_TYPE = "parent_type"
FIELDS_MARKER = "_fields"  # the names a form edits: an unticked checkbox sends nothing


@dataclass(frozen=True)
class Input:
    """How one field is edited: the input's kind, name and the choices of a picklist."""

    field: Field
    kind: str  # text email tel url color number date datetime-local textarea checkbox
    #            select multiselect radio checkboxes ref file
    name: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, English label)
    step: str = ""
    depends_on: str = ""  # the picklist whose value narrows this one's options
    allowed: Mapping[str, tuple[str, ...]] | None = None  # source value -> allowed values
    ref_model_from: str = ""  # a parent ref: the input naming the ref's model

    def ref_model(self, values: Mapping[str, Any]) -> str:
        """The model a ref input picks from (a parent's: as its type input says)."""
        if self.ref_model_from:
            return str(values.get(self.ref_model_from) or "")
        return self.field.ref_model or ""

    @property
    def required(self) -> bool:
        return self.field.required

    @property
    def is_list(self) -> bool:
        return self.kind in LIST_KINDS

    def options_for(self, source_value: Any, chosen: Any) -> tuple[tuple[str, str], ...]:
        """The choices to offer when the source picklist has `source_value`: those the
        dependency allows with it (all when it names none), and whatever is chosen now (so
        that a rejected choice stays visible beside its message)."""
        if self.allowed is None or source_value in (None, ""):
            return self.choices
        allowed = self.allowed.get(str(source_value))
        if allowed is None:
            return self.choices
        kept = {str(v) for v in (chosen if isinstance(chosen, list) else [chosen]) if v}
        return tuple(c for c in self.choices if c[0] in allowed or c[0] in kept)


def input_for(model: Model, fd: Field) -> Input | None:
    """The input that edits a field, or None for what a form never edits."""
    if fd.system or fd.derived or not fd.editable or fd.name in ("id", "deleted"):
        return None
    kind = fd.type
    if kind == "ref":
        id_field = model.fields.get(fd.id_name or "")
        if id_field is None or id_field.system or not id_field.editable:
            return None
        if fd.ref_model is None:  # a parent: of the model its type field names
            if PARENT_TYPE not in model.fields:
                return None
            return Input(fd, "ref", id_field.name, ref_model_from=PARENT_TYPE)
        return Input(fd, "ref", id_field.name)
    if kind in TEXT_TYPES:
        return Input(fd, TEXT_TYPES[kind], fd.name)
    if kind in ("text", "Textarea"):
        return Input(fd, "textarea", fd.name)
    if kind in ("bool", "Boolean"):
        return Input(fd, "checkbox", fd.name)
    if kind in NUMBER_TYPES:
        step = "1" if kind in ("int", "Number") else ("any" if kind == "float" else "0.01")
        if kind in ("decimal", "currency") and fd.scale != 2:
            step = "1" if fd.scale == 0 else "0." + "0" * (fd.scale - 1) + "1"
        return Input(fd, "number", fd.name, step=step)
    if kind in ("date", "Date"):
        return Input(fd, "date", fd.name)
    if kind in ("datetime", "DateTime"):
        return Input(fd, "datetime-local", fd.name)
    if kind == "ColorSwatch":
        return Input(fd, "color", fd.name)
    if kind == "Radio":
        return Input(fd, "radio", fd.name, choices=choices_of(fd))
    if kind == "Checkbox":
        return Input(fd, "checkboxes", fd.name, choices=choices_of(fd))
    if kind == "Timezone":
        zones = sorted(timezone_names())
        return Input(fd, "select", fd.name, choices=tuple((z, z) for z in zones))
    if kind in CHOICE_TYPES or kind in MULTI_TYPES:
        multi = "multiselect" if kind in MULTI_TYPES else "select"
        return Input(fd, multi, fd.name, choices=choices_of(fd))
    if kind in FILE_TYPES:
        return Input(fd, "file", fd.name)
    return Input(fd, "text", fd.name)


def choices_of(fd: Field) -> tuple[tuple[str, str], ...]:
    """(value, label) of a picklist: option ids of custom option fields (retired ones
    left out), else the options."""
    if fd.choices:
        return tuple((str(c.id), c.label) for c in fd.choices if not c.retired)
    return tuple((option, option) for option in fd.options)


def with_dependencies(inputs: Sequence[Input], dependencies: Mapping[str, Any]) -> list[Input]:
    """The inputs, those of dependent picklists knowing their source and its map (from
    PicklistDependencies.describe: {target: {"source": field, "map": {value: [values]}}})."""
    shown = {item.name for item in inputs}
    out = []
    for item in inputs:
        dep = dependencies.get(item.name)
        if dep is not None and item.choices and dep.get("source") in shown:
            allowed = {str(k): tuple(str(v) for v in values) for k, values in dep["map"].items()}
            item = replace(item, depends_on=str(dep["source"]), allowed=allowed)
        out.append(item)
    return out


def form_inputs(model: Model, names: Sequence[str]) -> list[Input]:
    """The inputs of the named fields (a layout's), in order, leaving out what is not edited."""
    out: list[Input] = []
    for name in names:
        fd = model.fields.get(name)
        found = input_for(model, fd) if fd is not None else None
        if found is not None and found.kind != "file":
            out.append(found)
    return out


def value_for_input(item: Input, record: Mapping[str, Any]) -> Any:
    """What an input shows of a stored record."""
    value = record.get(item.name)
    if item.kind == "datetime-local" and isinstance(value, str):
        return value.replace(" ", "T")[:16]
    return value


def posted_data(
    inputs: Sequence[Input], form: Mapping[str, Any], multi: Mapping[str, list[str]]
) -> dict[str, Any]:
    """Record data from a posted form: what the form shows as edited, empty inputs as None."""
    shown = set(str(form.get(FIELDS_MARKER, "")).split(","))
    data: dict[str, Any] = {}
    for item in inputs:
        if item.name not in shown:
            continue
        if item.kind == "checkbox":
            data[item.name] = item.name in form
        elif item.is_list:
            data[item.name] = multi.get(item.name, [])
        else:
            raw = str(form.get(item.name, "")).strip()
            if item.kind == "datetime-local" and raw:
                raw = raw.replace("T", " ") + (":00" if len(raw) == 16 else "")
            data[item.name] = raw if raw != "" else None
    return data
