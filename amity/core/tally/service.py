"""The whole tally object: read it at once, write it at once with every derived amount
computed (amity/core/tally/totals.py), and convert a quote or order into the next kind.

A write goes through the records service part by part, inside one transaction, so each
part has its own events, audit and webhooks exactly as if it had been written on /data;
parts the new version leaves out are deleted, parts that did not change are not written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from amity.core.actor import SYSTEM, Actor
from amity.core.records import Records
from amity.core.tally import totals as t
from amity.core.validate import parse_value
from amity.errors import BadRequest, NotFound
from amity.schema.builtin.tally import KINDS_BY_NAME, TallyKind
from amity.schema.model import Model
from amity.schema.types import InvalidValue

PART_LISTS = ("lines", "comments", "adjustments")
# what a conversion never copies: the new document's own number, stage and links
NOT_COPIED = frozenset(
    {
        "id",
        "date_entered",
        "date_modified",
        "created_by",
        "modified_user_id",
        "deleted",
        "prefix",
        "full_number",
        "amount_due",
    }
)
# source kind -> the kinds it converts into (the first is the default)
CONVERSIONS: dict[str, tuple[str, ...]] = {
    "Quote": ("SalesOrder", "Invoice"),
    "SalesOrder": ("Invoice", "Shipping"),
    "PurchaseOrder": ("Bill", "Receiving"),
}
# target kind -> (field naming the source, source kind)
SOURCE_FIELDS: dict[tuple[str, str], str] = {
    ("Quote", "SalesOrder"): "quote_id",
    ("Quote", "Invoice"): "quote_id",
    ("SalesOrder", "Invoice"): "sales_order_id",
    ("SalesOrder", "Shipping"): "sales_order_id",
    ("PurchaseOrder", "Bill"): "purchase_order_id",
    ("PurchaseOrder", "Receiving"): "purchase_order_id",
}
PAYMENT_LINKS = {
    "Invoice": ("invoices_payments", "invoice_id"),
    "Bill": ("bills_payments", "bill_id"),
}


def tally_kind(model_name: str) -> TallyKind:
    """The kind called `model_name`; 404 for models that are not tally objects."""
    kind = KINDS_BY_NAME.get(model_name)
    if kind is None:
        raise NotFound(
            "Model {model} is not a tally object",
            "tally objects: {kinds}",
            model=model_name,
            kinds=", ".join(KINDS_BY_NAME),
        )
    return kind


@dataclass
class _Part:
    """One part of a write: its model, id (existing or new) and the values to write."""

    model: str
    id: str | None
    values: dict[str, Any]


class Tally:
    """GET/POST/PUT /tally and convert, over the records service."""

    def __init__(self, records: Records) -> None:
        self.records = records

    # -- reading ----------------------------------------------------------------------
    def get(
        self, actor: Actor, model_name: str, record_id: str, fields: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """{"record": ..., "groups": [group + lines, comments, adjustments]}."""
        model = self.records.model(model_name)
        kind = tally_kind(model.name)
        record = self.records.get(actor, kind.name, record_id, fields)
        return {"record": record, "groups": self._groups(actor, kind, record_id)}

    def _groups(self, actor: Actor, kind: TallyKind, record_id: str) -> list[dict[str, Any]]:
        children = self.records.children
        groups = children(actor, kind.part("LineGroup"), "parent_id", record_id)
        parts = {
            "lines": children(actor, kind.part("Line"), kind.parent_column, record_id),
            "comments": children(actor, kind.part("Comment"), kind.parent_column, record_id),
            "adjustments": children(actor, kind.part("Adjustment"), kind.parent_column, record_id),
        }
        out = []
        for group in groups:
            entry = dict(group)
            for name, rows in parts.items():
                entry[name] = [row for row in rows if row.get("line_group_id") == group["id"]]
            out.append(entry)
        return out

    # -- writing ----------------------------------------------------------------------
    def save(self, actor: Actor, model_name: str, record_id: str | None, body: Any) -> str:
        """Write a whole object (create when `record_id` is None); returns its id."""
        model = self.records.model(model_name)
        kind = tally_kind(model.name)
        record_data, groups = split_body(body)
        record_data = writable(model, record_data)
        with self.records.db.shared_write():
            if record_id is not None:
                current = self.get(actor, kind.name, record_id)
                # a PUT that changes nothing still needs the right to change the object
                self.records.policy.check(actor, model, "edit", current["record"])
            else:
                current = {"record": {}, "groups": []}
            plan = WritePlan.build(self.records, kind, groups, current["groups"])
            payments = self._payments(kind, record_id)
            decimals = self._decimals(record_data, current["record"])
            totals = compute(plan.document(decimals, payments))
            record_values = {**record_data, **plan.document_amounts(totals, kind)}
            if record_id is None:
                record_id = self.records.create(actor, kind.name, record_values)
            else:
                changed = differing(model, record_values, current["record"])
                if changed:
                    self.records.update(actor, kind.name, record_id, changed)
            assigned = self.records.get(SYSTEM, kind.name, record_id, ["assigned_user_id"])
            plan.write(self, actor, kind, record_id, totals, assigned.get("assigned_user_id"))
        return record_id

    def preview(
        self, actor: Actor, model_name: str, record_id: str | None, body: Any
    ) -> dict[str, Any]:
        """The amounts a save of `body` would compute, nothing written (a line editor shows
        them as the user types): {"record": the document's amounts and its payments,
        "groups": [group amounts + "lines": [line amounts + "adjustments": [...]],
        "adjustments": [...]]}, each list in the body's order, every amount a Decimal."""
        model = self.records.model(model_name)
        kind = tally_kind(model.name)
        record_data, groups = split_body(body)
        record_data = writable(model, record_data)
        if record_id is not None:
            current = self.get(actor, kind.name, record_id)
        else:
            self.records.policy.check(actor, model, "create")
            current = {"record": {}, "groups": []}
        plan = WritePlan.build(self.records, kind, groups, current["groups"])
        payments = self._payments(kind, record_id)
        decimals = self._decimals(record_data, current["record"])
        totals = compute(plan.document(decimals, payments))
        return preview_shape(totals, groups, kind)

    def convert(
        self, actor: Actor, model_name: str, record_id: str, target: str | None
    ) -> tuple[str, str]:
        """A new document of the next kind made from this one, lines and all: (its
        model, its id). The default target is the first of CONVERSIONS."""
        model = self.records.model(model_name)
        kind = tally_kind(model.name)
        allowed = CONVERSIONS.get(kind.name, ())
        if target is None and allowed:
            target = allowed[0]
        if target is None or target not in allowed:
            raise BadRequest(
                "A {model} cannot be converted into {target}",
                "a {model} converts into: {allowed}",
                model=kind.name,
                target=str(target),
                allowed=", ".join(allowed) or "nothing",
            )
        source = self.get(actor, kind.name, record_id)
        target_model = self.records.model(target)
        record = {
            name: value
            for name, value in source["record"].items()
            if name in target_model.fields
            and name not in NOT_COPIED
            and copyable(target_model, name)
            and value not in (None, "")
        }
        target_kind = tally_kind(target)
        record.pop(tally_kind(kind.name).number_field, None)
        record.pop(target_kind.number_field, None)
        record[SOURCE_FIELDS[(kind.name, target)]] = record_id
        groups = [copy_group(group, self.records, target_kind) for group in source["groups"]]
        return target, self.save(actor, target, None, {"record": record, "groups": groups})

    def _payments(self, kind: TallyKind, record_id: str | None) -> Decimal:
        """The payments applied to the document so far (invoices and bills)."""
        link = PAYMENT_LINKS.get(kind.name)
        if link is None or record_id is None:
            return Decimal(0)
        rows = self.records.children(SYSTEM, link[0], link[1], record_id)
        return sum((Decimal(str(row["amount"] or 0)) for row in rows), Decimal(0))

    def _decimals(self, record: Mapping[str, Any], current: Mapping[str, Any]) -> int:
        """The minor unit of the document's currency (2 when it has none)."""
        currency_id = record.get("currency_id", current.get("currency_id"))
        if not currency_id:
            return 2
        try:
            found = self.records.get(SYSTEM, "Currency", str(currency_id), ["decimal_places"])
        except NotFound:
            return 2
        places = found.get("decimal_places")
        return 2 if places is None else max(0, min(int(places), 2))


def preview_shape(
    totals: t.Totals, groups: Sequence[Mapping[str, Any]], kind: TallyKind
) -> dict[str, Any]:
    """The totals in the shape of the body they were computed from (WritePlan keys the
    adjustments of group g as the group's own first, then each line's in line order)."""
    plain = t.to_plain(totals)
    record = {
        name: plain[name] for name in ("cost", "subtotal", "discount", "shipping", "pretax", "tax")
    }
    record["amount"] = totals.amount
    record["payments"] = totals.payments
    if kind.takes_payments:
        record["amount_due"] = totals.amount_due
    out_groups = []
    for g_index, group in enumerate(groups):
        lines_in = group.get("lines", [])
        counts = [len(group.get("adjustments", []))]
        counts += [len(line.get("adjustments", [])) for line in lines_in]
        amounts = [plain["adjustments"][f"{g_index}.{i}"] for i in range(sum(counts))]
        start = counts[0]
        lines = []
        for i, count in enumerate(counts[1:]):
            line = {
                **plain["lines"][f"{g_index}.{i}"],
                "adjustments": amounts[start : start + count],
            }
            lines.append(line)
            start += count
        own = amounts[: counts[0]]
        out_groups.append({**plain["groups"][str(g_index)], "lines": lines, "adjustments": own})
    return {"record": record, "groups": out_groups}


def split_body(body: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record fields and the groups of a write's body ({"record", "groups"}, also
    inside {"data": ...}); 400 for anything else."""
    if isinstance(body, Mapping) and "data" in body and "record" not in body:
        body = body["data"]
    if not isinstance(body, Mapping) or not isinstance(body.get("record", {}), Mapping):
        raise BadRequest(
            "A tally object is an object with record and groups",
            'send {"record": {field: value}, "groups": [{..., "lines": [...]}]}',
        )
    groups = body.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise BadRequest("groups must be a list of objects", 'e.g. "groups": [{"name": "Items"}]')
    for group in groups:
        for name in PART_LISTS:
            parts = group.get(name, [])
            if not isinstance(parts, list) or not all(isinstance(p, Mapping) for p in parts):
                raise BadRequest(
                    "{name} of a group must be a list of objects", "e.g. []", name=name
                )
    return dict(body.get("record") or {}), [dict(g) for g in groups]


def writable(model: Model, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without what the server maintains (ids, names of refs, dates, `_display`),
    so a client can send back what GET /tally gave it; unknown names stay (a 400 then)."""
    out = {}
    for name, value in data.items():
        fd = model.fields.get(name)
        if name.startswith("_") or name in PART_LISTS:
            continue
        if fd is not None and (fd.type == "ref" or fd.system or fd.derived or not fd.editable):
            continue
        out[name] = value
    return out


def copyable(model: Model, name: str) -> bool:
    fd = model.fields[name]
    return fd.editable and not fd.system and not fd.derived and fd.type != "ref"


def copy_group(group: Mapping[str, Any], records: Records, target: TallyKind) -> dict[str, Any]:
    """A group of one document as a new group of another kind (no ids; adjustments of a
    line travel inside that line)."""
    group_model = records.model(target.part("LineGroup"))
    out = plain_copy(group, group_model, skip=("parent_id",))
    line_model = records.model(target.part("Line"))
    adjustment_model = records.model(target.part("Adjustment"))
    comment_model = records.model(target.part("Comment"))
    by_line: dict[str, list[dict[str, Any]]] = {}
    group_adjustments = []
    for adj in group.get("adjustments", []):
        copied = plain_copy(adj, adjustment_model, skip=("line_id", "line_group_id"))
        if adj.get("line_id"):
            by_line.setdefault(adj["line_id"], []).append(copied)
        else:
            group_adjustments.append(copied)
    out["lines"] = [
        {
            **plain_copy(line, line_model, skip=("line_group_id",)),
            "adjustments": by_line.get(line["id"], []),
        }
        for line in group.get("lines", [])
    ]
    out["comments"] = [
        plain_copy(c, comment_model, skip=("line_group_id",)) for c in group.get("comments", [])
    ]
    out["adjustments"] = group_adjustments
    return out


def plain_copy(row: Mapping[str, Any], model: Model, skip: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: value
        for name, value in row.items()
        if name in model.fields
        and name not in NOT_COPIED
        and name not in skip
        and not name.endswith("_id")  # the parent column differs between kinds
        and copyable(model, name)
        and value is not None
    } | {
        name: row[name]
        for name in ("related_id", "tax_class_id")
        if name in model.fields and row.get(name)
    }


def differing(model: Model, new: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `new` that differ from `current` once both are parsed by field type."""
    out = {}
    for name, value in new.items():
        fd = model.fields.get(name)
        if fd is None or name not in current:
            out[name] = value
            continue
        old = current[name]
        if type(value) is type(old) and value == old:
            continue  # what GET gave, sent back: the same once parsed too, and cheaper
        try:
            same = parse_value(fd, value) == parse_value(fd, current[name])
        except BadRequest:
            same = False
        if not same:
            out[name] = value
    return out


def number(model: Model, name: str, raw: Any, default: Decimal | None) -> Decimal | None:
    """A decimal value of a part as the totals need it (400 naming the field if bad)."""
    if raw is None or raw == "":
        return default
    fd = model.fields[name]
    scaled = parse_value(fd, raw)
    return None if scaled is None else Decimal(scaled).scaleb(-fd.scale)


def compute(document: t.DocumentIn) -> t.Totals:
    """The totals, or a 400 saying what makes the object impossible to total."""
    try:
        return t.compute(document)
    except InvalidValue as exc:
        raise BadRequest(
            "This tally object cannot be totalled: {reason}",
            'docs/api.md "Tally totals" gives the rules',
            reason=exc,
        ) from None


def wire(value: Decimal) -> str:
    return str(value)


@dataclass
class _Group:
    part: _Part
    lines: list[_Part]
    comments: list[_Part]
    adjustments: list[tuple[_Part, int | None]]  # with the index of its line, if any


class WritePlan:
    """What a tally write does to the parts: which to create, change or delete."""

    def __init__(self, records: Records, kind: TallyKind) -> None:
        self.records = records
        self.kind = kind
        self.groups: list[_Group] = []
        self.existing: dict[str, dict[str, dict[str, Any]]] = {}  # model -> id -> row
        self.models = {
            s: records.model(kind.part(s)) for s in ("LineGroup", "Line", "Comment", "Adjustment")
        }

    @classmethod
    def build(
        cls,
        records: Records,
        kind: TallyKind,
        groups: list[dict[str, Any]],
        current: list[dict[str, Any]],
    ) -> WritePlan:
        plan = cls(records, kind)
        for group in current:
            plan.existing.setdefault("LineGroup", {})[group["id"]] = group
            for suffix, name in (
                ("Line", "lines"),
                ("Comment", "comments"),
                ("Adjustment", "adjustments"),
            ):
                for row in group.get(name, []):
                    plan.existing.setdefault(suffix, {})[row["id"]] = row
        for position, group in enumerate(groups, start=1):
            plan.groups.append(plan._group(group, position))
        return plan

    def _part(self, suffix: str, data: Mapping[str, Any], position: int) -> _Part:
        values = writable(self.models[suffix], data)
        part_id = data.get("id")
        if part_id is not None and not isinstance(part_id, str):
            raise BadRequest("A part's id must be a string", "leave id out of new parts")
        for name in PART_LISTS:
            values.pop(name, None)
        if part_id is not None and part_id not in self.existing.get(suffix, {}):
            raise BadRequest(
                "No {model} with id {id} in this object",
                "ids name parts the object has; leave id out of new parts",
                model=self.kind.part(suffix),
                id=part_id,
            )
        values.setdefault("position", position)
        return _Part(self.kind.part(suffix), part_id, values)

    def _group(self, data: Mapping[str, Any], position: int) -> _Group:
        group = _Group(self._part("LineGroup", data, position), [], [], [])
        adjustments: list[tuple[Mapping[str, Any], int | None]] = [
            (adj, None) for adj in data.get("adjustments", [])
        ]
        for line_number, line in enumerate(data.get("lines", [])):
            group.lines.append(self._part("Line", line, line_number + 1))
            nested = line.get("adjustments", [])
            if not isinstance(nested, list) or not all(isinstance(a, Mapping) for a in nested):
                raise BadRequest("adjustments of a line must be a list of objects", "e.g. []")
            adjustments += [(adj, line_number) for adj in nested]
        line_index = {ln.id: i for i, ln in enumerate(group.lines) if ln.id is not None}
        for number_, (adj, index) in enumerate(adjustments, start=1):
            part = self._part("Adjustment", adj, number_)
            line_id = part.values.pop("line_id", None)
            if index is None and line_id:
                if line_id not in line_index:
                    raise BadRequest(
                        "Adjustment line_id {id} names no line of its group",
                        "give the line an id in this object, or put the adjustment "
                        "inside the line's adjustments",
                        id=str(line_id),
                    )
                index = line_index[line_id]
            group.adjustments.append((part, index))
        for comment_number, comment in enumerate(data.get("comments", []), start=1):
            group.comments.append(self._part("Comment", comment, comment_number))
        return group

    def document(self, decimals: int, payments: Decimal) -> t.DocumentIn:
        """The totals engine's input."""
        line_model, adj_model = self.models["Line"], self.models["Adjustment"]
        groups = []
        for g_index, group in enumerate(self.groups):
            lines = tuple(
                t.LineIn(
                    key=f"{g_index}.{i}",
                    quantity=number(line_model, "quantity", ln.values.get("quantity"), Decimal(1))
                    or Decimal(0),
                    unit_price=number(line_model, "unit_price", ln.values.get("unit_price"), None)
                    or Decimal(0),
                    cost_price=number(line_model, "cost_price", ln.values.get("cost_price"), None),
                )
                for i, ln in enumerate(group.lines)
            )
            adjustments = tuple(
                t.AdjustmentIn(
                    key=f"{g_index}.{i}",
                    type=str(adj.values.get("type") or ""),
                    rate=number(adj_model, "rate", adj.values.get("rate"), None),
                    amount=number(adj_model, "amount", adj.values.get("amount"), None),
                    line_key=None if index is None else f"{g_index}.{index}",
                )
                for i, (adj, index) in enumerate(group.adjustments)
            )
            groups.append(t.GroupIn(key=str(g_index), lines=lines, adjustments=adjustments))
        return t.DocumentIn(groups=tuple(groups), decimals=decimals, payments=payments)

    def document_amounts(self, totals: t.Totals, kind: TallyKind) -> dict[str, str]:
        out = {
            "subtotal": wire(totals.subtotal),
            "discount": wire(totals.discount),
            "shipping": wire(totals.shipping),
            "pretax": wire(totals.pretax),
            "tax": wire(totals.tax),
            "amount": wire(totals.amount),
        }
        if kind.takes_payments:
            out["amount_due"] = wire(totals.amount_due)
        return out

    def write(
        self,
        tally: Tally,
        actor: Actor,
        kind: TallyKind,
        record_id: str,
        totals: t.Totals,
        assigned_user_id: str | None,
    ) -> None:
        """Create, change and delete the parts; every kept part carries the document's
        assignment, so the owner of the document owns its parts."""
        kept: set[str] = set()
        column = kind.parent_column
        shared = {"assigned_user_id": assigned_user_id} if assigned_user_id else {}

        def put(part: _Part, extra: dict[str, Any]) -> str:
            values = {**part.values, **extra, **shared}
            suffix = part.model.removeprefix(kind.name)
            model = self.models[suffix]
            existing = self.existing.get(suffix, {}).get(part.id or "")
            if existing is not None:
                assert part.id is not None
                changed = differing(model, values, existing)
                if changed:
                    tally.records.update(actor, part.model, part.id, changed)
                kept.add(part.id)
                return part.id
            return tally.records.create(actor, part.model, values)

        for g_index, group in enumerate(self.groups):
            g = totals.groups[str(g_index)]
            group_id = put(
                group.part,
                {
                    "parent_id": record_id,
                    "cost": wire(g.cost),
                    "subtotal": wire(g.subtotal),
                    "discount": wire(g.discount),
                    "shipping": wire(g.shipping),
                    "pretax": wire(g.pretax),
                    "tax": wire(g.tax),
                    "total": wire(g.total),
                },
            )
            line_ids = []
            for i, line in enumerate(group.lines):
                lt = totals.lines[f"{g_index}.{i}"]
                line_ids.append(
                    put(
                        line,
                        {
                            column: record_id,
                            "line_group_id": group_id,
                            "ext_price": wire(lt.ext_price),
                            "discount": wire(lt.discount),
                            "net_price": wire(lt.net_price),
                            "tax": wire(lt.tax),
                        },
                    )
                )
            for i, (adj, index) in enumerate(group.adjustments):
                at = totals.adjustments[f"{g_index}.{i}"]
                put(
                    adj,
                    {
                        column: record_id,
                        "line_group_id": group_id,
                        "line_id": None if index is None else line_ids[index],
                        "amount": wire(at.amount),
                    },
                )
            for comment in group.comments:
                put(comment, {column: record_id, "line_group_id": group_id})
        self._delete_rest(tally, actor, kept)

    def _delete_rest(self, tally: Tally, actor: Actor, kept: set[str]) -> None:
        order: list[str] = ["Adjustment", "Comment", "Line", "LineGroup"]
        for suffix in order:
            for part_id in self.existing.get(suffix, {}):
                if part_id not in kept:
                    tally.records.delete(actor, self.kind.part(suffix), part_id)
