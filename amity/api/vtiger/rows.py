"""Records as Vtiger rows (every value a string, record numbers for ids) and Vtiger
field values back into an Amity `data` object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from amity.api.vtiger.modules import Module, VField
from amity.core.clock import utcnow
from amity.core.services import Services
from amity.errors import BadRequest
from amity.schema.model import Model

MONEY_PLACES = Decimal("0.00000001")
EMPTY = {"int": "0", "bool": "0", "money": "0.00000000", "ref": "0", "parent": "0"}
READ_ONLY = frozenset({"number", "const"})
MAX_NUMBER = 2**63 - 1


def now_text() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M:%S")


def money(value: Any) -> str:
    try:
        return str(Decimal(str(value)).quantize(MONEY_PLACES))
    except (InvalidOperation, ValueError):
        return str(value)


def ref_model(model: Model, vf: VField, record: Mapping[str, Any]) -> str | None:
    """The model a ref or parent field's id points into."""
    if vf.kind == "parent":
        parent_type = record.get("parent_type")
        return str(parent_type) if parent_type else None
    for fd in model.fields.values():
        if fd.type == "ref" and fd.id_name == vf.amity:
            return fd.ref_model
    return None


class RowWriter:
    """Renders a page of one module's records, giving record numbers in batches."""

    def __init__(self, services: Services, module: Module, model: Model, table: Sequence[VField]):
        self.services = services
        self.module = module
        self.model = model
        self.table = table

    def amity_fields(self) -> list[str]:
        names = {"id", *(vf.amity for vf in self.table if vf.amity)}
        if any(vf.kind == "parent" for vf in self.table) and "parent_type" in self.model.fields:
            names.add("parent_type")
        return sorted(names)

    def rows(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
        wanted: dict[str, set[str]] = {self.model.name: {str(r["id"]) for r in records}}
        for record in records:
            for vf in self.table:
                value = record.get(vf.amity) if vf.amity else None
                if not value:
                    continue
                target = "User" if vf.kind == "user" else None
                if vf.kind in ("ref", "parent"):
                    target = ref_model(self.model, vf, record)
                if target is not None:
                    wanted.setdefault(target, set()).add(str(value))
        numbers = {
            model: self.services.record_numbers.numbers(model, sorted(ids))
            for model, ids in wanted.items()
            if ids
        }
        stamp = now_text()
        return [self.row(record, numbers, stamp) for record in records]

    def row(
        self, record: Mapping[str, Any], numbers: Mapping[str, Mapping[str, int]], stamp: str
    ) -> dict[str, str]:
        own = numbers[self.model.name][str(record["id"])]
        out: dict[str, str] = {}
        for vf in self.table:
            out[vf.name] = self.value(vf, record, numbers, own)
        out["record_id"] = str(own)
        out["record_module"] = self.module.name
        out["api_date_now"] = stamp
        return out

    def value(
        self,
        vf: VField,
        record: Mapping[str, Any],
        numbers: Mapping[str, Mapping[str, int]],
        own: int,
    ) -> str:
        if vf.kind == "const":
            return vf.value
        if vf.kind == "number":
            return f"{self.module.prefix}{own}"
        value = record.get(vf.amity) if vf.amity else None
        if value is None or value == "":
            return "" if vf.kind == "user" else EMPTY.get(vf.kind, "")
        if vf.kind == "bool":
            return "1" if value else "0"
        if vf.kind == "money":
            return money(value)
        if vf.kind in ("user", "ref", "parent"):
            target = "User" if vf.kind == "user" else ref_model(self.model, vf, record)
            found = numbers.get(target or "", {}).get(str(value))
            return str(found) if found is not None else EMPTY.get(vf.kind, "")
        if isinstance(value, list):
            return " |##| ".join(str(v) for v in value)  # Vtiger's multi-select separator
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return str(value)


def record_of_number(services: Services, raw: str, name: str) -> tuple[str, str] | None:
    """(model, id) behind a record number given as text; None for "", "0" or no record;
    400 for what is not a number."""
    text = raw.strip()
    if text in ("", "0"):
        return None
    if not text.isascii() or not text.isdigit() or int(text) > MAX_NUMBER:
        raise BadRequest("{field} must be a record id (a whole number)", field=name)
    return services.record_numbers.record(int(text))


def amity_data(
    services: Services, model: Model, table: Sequence[VField], body: Mapping[str, Any]
) -> dict[str, Any]:
    """A write's Vtiger fields as an Amity `data` object; 400 for an unknown or read-only
    field, or an id that names no record of the right model."""
    by_name = {vf.name: vf for vf in table}
    data: dict[str, Any] = {}
    for name, raw in body.items():
        vf = by_name.get(name)
        if vf is None:
            raise BadRequest(
                "Unknown field {field} in module {module}", field=str(name)[:100], module=model.name
            )
        if vf.kind in READ_ONLY or vf.amity is None:
            raise BadRequest("Field {field} is read-only", field=name)
        data.update(field_value(services, model, vf, raw))
    return data


def field_value(services: Services, model: Model, vf: VField, raw: Any) -> dict[str, Any]:
    assert vf.amity is not None
    if vf.kind in ("user", "ref", "parent"):
        if raw is None or (isinstance(raw, int) and not isinstance(raw, bool)):
            raw = "" if raw is None else str(raw)
        if not isinstance(raw, str):
            raise BadRequest("{field} must be a record id (a whole number)", field=vf.name)
        found = record_of_number(services, raw, vf.name)
        if found is None:
            if raw.strip() not in ("", "0"):
                raise BadRequest("{field}: no record with id {id}", field=vf.name, id=raw[:30])
            return {vf.amity: None, **({"parent_type": None} if vf.kind == "parent" else {})}
        target, record_id = found
        expected = "User" if vf.kind == "user" else ref_model(model, vf, {"parent_type": target})
        if vf.kind == "parent":
            options = model.fields["parent_type"].options if "parent_type" in model.fields else ()
            if target not in options:
                raise BadRequest("{field}: no record with id {id}", field=vf.name, id=raw[:30])
            return {"parent_type": target, vf.amity: record_id}
        if expected is not None and target != expected:
            raise BadRequest("{field}: no record with id {id}", field=vf.name, id=raw[:30])
        return {vf.amity: record_id}
    if vf.kind == "bool" and isinstance(raw, str) and raw in ("0", "1"):
        return {vf.amity: raw == "1"}
    if raw == "" and vf.kind in ("int", "money", "bool"):
        return {vf.amity: None}
    fd = model.fields.get(vf.amity)
    if fd is not None and fd.type == "url" and isinstance(raw, str) and bare_host(raw):
        return {vf.amity: "http://" + raw.strip()}  # Vtiger keeps `www.example.com`
    return {vf.amity: raw}


def bare_host(text: str) -> bool:
    """A web address without its scheme, as Vtiger users type them."""
    text = text.strip()
    return bool(text) and "://" not in text and " " not in text
