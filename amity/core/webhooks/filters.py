"""Webhook filters: which writes of a model a webhook is told about.

A filter is a group `{"glue": "and"|"or", "conditions": [...]}`; glue defaults to "and",
and a group without conditions matches every write. Each entry of `conditions` is a nested
group (an object with glue or conditions) or a condition `{"field", "filter", "value",
"value2", "when"}`: `filter` is an operator that fits the field's type, `value` and
`value2` are its operands. Other keys are refused.

Operators by the field's type:

- text (varchar, name, phone, text, email, url, id, ref and the custom Text, Textarea,
  URL, ColorSwatch, Timezone): eq, not_eq, prefix, suffix, like, not_like, empty,
  not_empty. Compared case-insensitively (every letter folded, as the list filters fold
  on PostgreSQL; ids exactly); `value` is a non-empty string. like: `%` stands for any
  characters, `_` for any one, a backslash makes the next character literal; a pattern
  without `%` matches anywhere in the text (as if it were `%pattern%`), so
  `like "smith"` is "contains smith".
- number (int, float, decimal, currency, Number, Numeric): eq, not_eq, lt, lte, gt, gte,
  between (value <= field <= value2), empty, not_empty. Operands are JSON numbers or
  numeric strings (at most 40 digits); values are compared exactly, as decimals.
- date and datetime (also Date, DateTime): empty, not_empty, on_date, not_on_date,
  before_date, after_date, between_dates (value to value2, both included), yesterday,
  today, tomorrow (relative to the day the matcher is given, in UTC), period_prev,
  period_current, period_next (the period in `value`, as the list filters' `-period`:
  day, week, month, quarter, year, fiscal_quarter, fiscal_year or days_N). Operands are
  `Y-m-d` or `Y-m-d H:i:s` (UTC): a date stands for its whole day, a datetime for its
  instant (on a date field only its date counts); on_date and not_on_date compare days.
- enum (also Select, Radio): eq, not_eq (`value` one option), any_of, not_any_of, all_of
  (`value` a list of options, or one), empty, not_empty.
- multienum (also MultiSelect, Checkbox): the same operators, `value` a list of options: eq
  is the same set of options, any_of holds one of them, all_of holds all of them. The
  options of the custom option types are their ids; retired options may be named.
- bool (also Boolean): is_true, is_false; `value` is ignored (1CRM sends "0").

An empty value (none, "" or an empty list) fits only empty and the negative operators
not_eq, not_like and not_any_of (not not_on_date: that needs a date, as in the list
filters). A value that does not parse for its field's type fits nothing but not_empty.

`when` says which value a condition looks at: current_value (the default: the value after
the write), prev_value (the value before it), changed_to (the field changed in the write
and its new value fits), changed (the field changed and its old value fitted: "changed
from"), not_changed (the field did not change and its value fits).

At most 10 levels of groups and 100 entries (conditions and groups) in all.

filter_json gives the normalized form (glue and when always present, operands only where
the operator takes them, numbers, dates and options in canonical form), which parses back
to the same filter. load_filter reads a stored filter against the model as it is now: a
condition whose field was removed or changed type sees the field as empty.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from amity.core.dates import period_range
from amity.errors import BadRequest, Text, UnknownField
from amity.schema.model import DATE_OPERATORS, Field, Model
from amity.schema.types import InvalidValue, option_id, parse_bool, parse_date, parse_datetime
from amity.store.query import fold_text

MAX_DEPTH = 10
MAX_CONDITIONS = 100
GLUES = ("and", "or")
WHENS = ("current_value", "prev_value", "changed_to", "changed", "not_changed")
ENUM_OPERATORS = ("eq", "not_eq", "any_of", "not_any_of", "all_of", "empty", "not_empty")
OPERATORS: dict[str, tuple[str, ...]] = {
    "text": ("eq", "not_eq", "prefix", "suffix", "like", "not_like", "empty", "not_empty"),
    "number": ("eq", "not_eq", "lt", "lte", "gt", "gte", "between", "empty", "not_empty"),
    "date": DATE_OPERATORS,
    "enum": ENUM_OPERATORS,
    "multienum": ENUM_OPERATORS,
    "bool": ("is_true", "is_false"),
}
"""The operators of each kind of field."""
KINDS = {
    "text": "text",
    "id": "text",
    "ref": "text",
    "number": "number",
    "date": "date",
    "enum": "enum",
    "option": "enum",
    "multienum": "multienum",
    "option_set": "multienum",
    "bool": "bool",
}
"""A field type's filter_kind -> the kind of webhook condition on it."""
NO_OPERAND = frozenset(
    {"empty", "not_empty", "yesterday", "today", "tomorrow", "is_true", "is_false"}
)
LIST_OPERATORS = frozenset({"any_of", "not_any_of", "all_of"})
EMPTY_FITS = frozenset({"empty", "not_eq", "not_like", "not_any_of"})
"""The operators an empty value (None, "" or []) fits."""
CONDITION_KEYS = frozenset({"field", "filter", "value", "value2", "when"})
GROUP_KEYS = frozenset({"glue", "conditions"})
DAY_SHIFTS = {"yesterday": -1, "today": 0, "tomorrow": 1}
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NUMBER_DIGITS = 40  # the most significant digits, and powers of ten, an operand may have
INSTANT = timedelta(microseconds=1)


# -- the parsed form ---------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """A test of one field's value; a subclass per kind of field."""

    field: str
    op: str
    when: str

    def fits(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        """Whether the field's value (JSON form, None when missing) passes the test."""
        if self.op == "empty":
            return is_empty(value)
        if self.op == "not_empty":
            return not is_empty(value)
        if is_empty(value):
            return self.op in EMPTY_FITS
        return self.test(value, today, fiscal_start_month)

    def test(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        """The test of a value that is not empty."""
        raise NotImplementedError

    def operands(self) -> dict[str, Any]:
        """`value` and `value2` in their JSON form."""
        return {}


@dataclass(frozen=True)
class TextCondition(Condition):
    value: str = ""
    exact: bool = False  # ids compare exactly, other text case-folded

    def test(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        if not isinstance(value, str):
            return False
        text, operand = (value, self.value) if self.exact else (fold(value), fold(self.value))
        if self.op == "eq":
            return text == operand
        if self.op == "not_eq":
            return text != operand
        if self.op == "prefix":
            return text.startswith(operand)
        if self.op == "suffix":
            return text.endswith(operand)
        return like(text, operand) == (self.op == "like")

    def operands(self) -> dict[str, Any]:
        return {} if self.op in NO_OPERAND else {"value": self.value}


@dataclass(frozen=True)
class NumberCondition(Condition):
    value: Decimal = Decimal(0)
    value2: Decimal = Decimal(0)  # the upper bound of between

    def test(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        number = record_number(value)
        if number is None:
            return False
        if self.op == "between":
            return self.value <= number <= self.value2
        return {
            "eq": number == self.value,
            "not_eq": number != self.value,
            "lt": number < self.value,
            "lte": number <= self.value,
            "gt": number > self.value,
            "gte": number >= self.value,
        }[self.op]

    def operands(self) -> dict[str, Any]:
        if self.op in NO_OPERAND:
            return {}
        out = {"value": number_json(self.value)}
        if self.op == "between":
            out["value2"] = number_json(self.value2)
        return out


@dataclass(frozen=True)
class DateCondition(Condition):
    value: date | None = None  # a date (its whole day) or a datetime (an instant)
    value2: date | None = None  # the end of between_dates
    period: str = ""  # of period_prev/current/next
    datetime_field: bool = False

    def test(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        instant = record_instant(value, self.datetime_field)
        if instant is None:
            return False
        op = self.op
        if op in DAY_SHIFTS:
            try:
                return instant.date() == today + timedelta(days=DAY_SHIFTS[op])
            except OverflowError:
                return False
        if op.startswith("period_"):
            try:
                bounds = period_range(self.period, op, today, fiscal_start_month)
            except (ValueError, OverflowError):  # a period past the last date there is
                return False
            return bounds is not None and start_of(bounds[0]) <= instant < start_of(bounds[1])
        assert self.value is not None
        if op in ("on_date", "not_on_date"):
            day = self.value.date() if isinstance(self.value, datetime) else self.value
            return (instant.date() == day) == (op == "on_date")
        if op == "before_date":
            return instant < start_of(self.value)
        if op == "after_date":
            end = end_of(self.value)
            return end is not None and instant >= end
        assert self.value2 is not None
        end = end_of(self.value2)
        return start_of(self.value) <= instant and (end is None or instant < end)

    def operands(self) -> dict[str, Any]:
        if self.op in NO_OPERAND:
            return {}
        if self.op.startswith("period_"):
            return {"value": self.period}
        assert self.value is not None
        out = {"value": date_json(self.value)}
        if self.value2 is not None:
            out["value2"] = date_json(self.value2)
        return out


@dataclass(frozen=True)
class EnumCondition(Condition):
    values: tuple[str | int, ...] = ()  # options; ids for custom option fields
    multi: bool = False  # the field holds a set of options (multienum, MultiSelect, Checkbox)
    ids: bool = False  # options are ids (Select, Radio, MultiSelect, Checkbox)

    def test(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        held = record_options(value, self.multi, self.ids)
        if held is None:
            return False
        wanted = frozenset(self.values)
        return {
            "eq": held == wanted,
            "not_eq": held != wanted,
            "any_of": bool(held & wanted),
            "not_any_of": not held & wanted,
            "all_of": wanted <= held,
        }[self.op]

    def operands(self) -> dict[str, Any]:
        if self.op in NO_OPERAND:
            return {}
        listed = self.multi or self.op in LIST_OPERATORS
        return {"value": list(self.values) if listed else self.values[0]}


@dataclass(frozen=True)
class BoolCondition(Condition):
    def test(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        try:
            return parse_bool(value) == (self.op == "is_true")
        except InvalidValue:
            return False


@dataclass(frozen=True)
class StaleCondition(Condition):
    """A stored condition that the model no longer fits (its field was removed, or now has
    another type or other options): it sees the field as empty."""

    raw: dict[str, Any]  # as stored, shown as it is

    def fits(self, value: Any, today: date, fiscal_start_month: int) -> bool:
        return self.op in EMPTY_FITS


@dataclass(frozen=True)
class WebhookFilter:
    """A group: its conditions (and nested groups) joined by `glue`."""

    glue: str = "and"
    conditions: tuple[Condition | WebhookFilter, ...] = ()


# -- matching ----------------------------------------------------------------------------
def matches(
    flt: WebhookFilter,
    after: Mapping[str, Any],
    before: Mapping[str, Any],
    changed: Collection[str],
    *,
    today: date,
    fiscal_start_month: int = 1,
) -> bool:
    """Whether a write fits the filter: `after` and `before` are the record's JSON values
    after and before it (a missing field counts as None), `changed` the fields it changed.
    Never raises for values of the wrong shape: they fit nothing."""
    if isinstance(today, datetime):
        today = today.date()
    changed_set = changed if isinstance(changed, (set, frozenset)) else frozenset(changed)

    def holds(node: Condition | WebhookFilter) -> bool:
        if isinstance(node, WebhookFilter):
            results = (holds(sub) for sub in node.conditions)
            return all(results) if node.glue == "and" else not node.conditions or any(results)
        was_changed = node.field in changed_set
        if node.when in ("changed", "changed_to") and not was_changed:
            return False
        if node.when == "not_changed" and was_changed:
            return False
        values = before if node.when in ("prev_value", "changed") else after
        return node.fits(values.get(node.field), today, fiscal_start_month)

    return holds(flt)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple)) and not value)


def fold(text: str) -> str:
    """Case-folded as the list filters fold text (every letter, one character at a time)."""
    return fold_text(text, "postgresql")


@lru_cache(maxsize=1024)
def like_pieces(pattern: str) -> tuple[tuple[re.Pattern[str], int], ...]:
    """A LIKE pattern cut at its `%` into fixed-length pieces (a regex and its length in
    characters; `_` is any one character). A pattern without `%` gets one at each end."""
    pieces: list[list[str]] = [[]]
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            pieces[-1].append(re.escape(next(chars, "\\")))
        elif ch == "%":
            pieces.append([])
        else:
            pieces[-1].append("." if ch == "_" else re.escape(ch))
    if len(pieces) == 1:
        pieces = [[], pieces[0], []]
    return tuple((re.compile("".join(p), re.DOTALL), len(p)) for p in pieces)


def like(text: str, pattern: str) -> bool:
    """SQL LIKE without backtracking: the first piece at the start, the last at the end,
    each one between at its leftmost place after the one before."""
    (first, first_len), *middle, (last, last_len) = like_pieces(pattern)
    end = len(text) - last_len
    if end < first_len or not first.fullmatch(text, 0, first_len):
        return False
    if not last.fullmatch(text, end):
        return False
    pos = first_len
    for piece, _ in middle:
        found = piece.search(text, pos, end)
        if found is None:
            return False
        pos = found.end()
    return True


def record_number(value: Any) -> Decimal | None:
    """A record's number (int, float, Decimal or numeric string) as an exact Decimal."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            number = Decimal(repr(value))  # the shortest text that reads back as the float
        elif isinstance(value, Decimal):
            number = value
        elif isinstance(value, str) and NUMBER.fullmatch(value.strip()):
            number = Decimal(value.strip())
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number_json(number: Decimal) -> int | float | str:
    """An operand as JSON: an integer, else a float that reads back exactly, else text."""
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if Decimal(repr(as_float)) == number else str(number)


def parse_when(text: str) -> date | None:
    """`Y-m-d` as a date, `Y-m-d H:i:s` as a datetime; None when it is neither."""
    if len(text) > 19 and text[19] == ".":  # fractions of a second count for nothing
        text = text[:19]
    try:
        return parse_date(text) if len(text) == 10 else parse_datetime(text)
    except InvalidValue:
        return None


def start_of(when: date) -> datetime:
    """The instant a date's day starts; a datetime is its own instant."""
    if isinstance(when, datetime):
        return when
    return datetime(when.year, when.month, when.day)


def end_of(when: date) -> datetime | None:
    """The first instant after a date's day or after a datetime; None after the last one."""
    try:
        return when + INSTANT if isinstance(when, datetime) else start_of(when) + timedelta(1)
    except OverflowError:
        return None


def date_json(when: date) -> str:
    if isinstance(when, datetime):
        return when.isoformat(sep=" ", timespec="seconds")
    return when.isoformat()


def record_instant(value: Any, datetime_field: bool) -> datetime | None:
    """A record's date or datetime value as a naive UTC datetime (a date field's value, or
    any value of one, as the start of its day)."""
    try:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return None
    if isinstance(value, str):
        value = parse_when(value.strip())
    if not isinstance(value, date):
        return None
    instant = start_of(value)
    return instant if datetime_field else start_of(instant.date())


def record_options(value: Any, multi: bool, ids: bool) -> frozenset[str | int] | None:
    """The options a record's enum or multienum value holds; None when it is no such value."""
    items: list[Any]
    if not multi:
        items = [value]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str):  # the stored form ^a^,^b^
        items = [part.strip("^") for part in value.split(",") if part]
    else:
        return None
    out: set[str | int] = set()
    for item in items:
        if ids:
            try:
                out.add(option_id(item))
            except InvalidValue:
                return None
        elif isinstance(item, str):
            out.add(item)
        else:
            return None
    return frozenset(out)


# -- parsing -----------------------------------------------------------------------------
def parse_filter(model: Model, raw: Any) -> WebhookFilter:
    """Check a client's filter against the model's metadata; a BadRequest names the problem
    (an unknown field is an UnknownField)."""
    return _Parser(model, stale_ok=False).group(raw, "filters", 1)


def load_filter(model: Model, raw: Any) -> WebhookFilter:
    """A stored filter (as filter_json gave it) against the model as it is now: a condition
    its field no longer fits (removed, retyped, an option gone) becomes a StaleCondition,
    which sees the field as empty, rather than an error."""
    return _Parser(model, stale_ok=True).group(raw, "filters", 1)


def filter_json(flt: WebhookFilter) -> dict[str, Any]:
    """The normalized JSON form, to store and to show: glue and when always given, operands
    only where the operator takes them, in their canonical forms."""
    return {"glue": flt.glue, "conditions": [_node_json(node) for node in flt.conditions]}


def _node_json(node: Condition | WebhookFilter) -> dict[str, Any]:
    if isinstance(node, WebhookFilter):
        return filter_json(node)
    if isinstance(node, StaleCondition):
        return dict(node.raw)
    return {"field": node.field, "filter": node.op, **node.operands(), "when": node.when}


class _Parser:
    """One walk over a filter, counting its entries."""

    def __init__(self, model: Model, stale_ok: bool) -> None:
        self.model = model
        self.stale_ok = stale_ok
        self.count = 0

    def group(self, raw: Any, where: str, depth: int) -> WebhookFilter:
        if depth > MAX_DEPTH:
            raise BadRequest(
                "Webhook filter: nested deeper than {max_depth} levels",
                "flatten the groups",
                max_depth=MAX_DEPTH,
            )
        self.check_keys(raw, where, GROUP_KEYS)
        glue = raw.get("glue", "and")
        if glue not in GLUES:
            raise BadRequest(
                "Webhook filter: invalid glue {glue!r} in {where}",
                "glue is and or or",
                glue=glue,
                where=where,
            )
        entries = raw.get("conditions", [])
        if not isinstance(entries, list):
            raise BadRequest(
                "Webhook filter: the conditions of {where} must be a list",
                "a list of conditions and groups; an empty list matches every write",
                where=where,
            )
        self.count += len(entries)
        if self.count > MAX_CONDITIONS:
            raise BadRequest(
                "Webhook filter: more than {max_conditions} conditions",
                "combine conditions, e.g. one any_of instead of several eq",
                max_conditions=MAX_CONDITIONS,
            )
        nodes: list[Condition | WebhookFilter] = []
        for i, entry in enumerate(entries):
            at = f"{where}.conditions[{i}]"
            if isinstance(entry, Mapping) and ("glue" in entry or "conditions" in entry):
                nodes.append(self.group(entry, at, depth + 1))
            else:
                nodes.append(self.condition(entry, at))
        return WebhookFilter(glue, tuple(nodes))

    def check_keys(self, raw: Any, where: str, allowed: frozenset[str]) -> None:
        if not isinstance(raw, Mapping):
            raise BadRequest(
                "Webhook filter: {where} must be an object",
                "a group has glue and conditions; a condition has field, filter, value, "
                "value2 and when",
                where=where,
            )
        for key in raw:
            if key not in allowed:
                raise BadRequest(
                    "Webhook filter: unknown key {key!r} in {where}",
                    "a group has glue and conditions; a condition has field, filter, value, "
                    "value2 and when",
                    key=key,
                    where=where,
                )

    def condition(self, raw: Any, where: str) -> Condition:
        self.check_keys(raw, where, CONDITION_KEYS)
        name = raw.get("field")
        if not isinstance(name, str) or not name:
            raise BadRequest(
                "Webhook filter: {where} needs a field",
                "name a field of {model}",
                where=where,
                model=self.model.name,
            )
        when = raw.get("when") or "current_value"
        if when not in WHENS:
            raise BadRequest(
                "Webhook filter on {field}: invalid when {when!r}",
                "when is one of: current_value, prev_value, changed_to, changed, not_changed",
                when=when,
                field=name,
            )
        op = raw.get("filter")
        try:
            return self.leaf(raw, name, op, when)
        except BadRequest:
            if not self.stale_ok:
                raise
            return StaleCondition(name, op if isinstance(op, str) else "", when, dict(raw))

    def leaf(self, raw: Mapping[str, Any], name: str, op: Any, when: str) -> Condition:
        fd = self.model.fields.get(name)
        if fd is None:
            raise UnknownField(
                "Webhook filter: unknown field {field} in model {model}",
                "list the fields of {model} to see the valid names",
                field=name,
                model=self.model.name,
            )
        kind = KINDS[fd.kind.filter_kind]
        allowed = OPERATORS[kind]
        if op is None:
            raise BadRequest(
                "Webhook filter on {field}: no filter (the operator) given",
                "operators for {type} fields: {operators}",
                field=name,
                type=fd.type,
                operators=", ".join(allowed),
            )
        if not isinstance(op, str) or op not in allowed:
            raise BadRequest(
                "Webhook filter on {field}: operator {operator!r} does not fit type {type}",
                "operators for {type} fields: {operators}",
                operator=op,
                field=name,
                type=fd.type,
                operators=", ".join(allowed),
            )
        if kind == "text":
            return self.text_condition(fd, op, when, raw)
        if kind == "number":
            return self.number_condition(fd, op, when, raw)
        if kind == "date":
            return self.date_condition(fd, op, when, raw)
        if kind == "bool":
            return BoolCondition(name, op, when)
        return self.enum_condition(fd, op, when, raw, multi=kind == "multienum")

    def text_condition(self, fd: Field, op: str, when: str, raw: Mapping[str, Any]) -> Condition:
        exact = fd.kind.filter_kind == "id"
        if op in NO_OPERAND:
            return TextCondition(fd.name, op, when, exact=exact)
        value = raw.get("value")
        if not isinstance(value, str) or not value or "\x00" in value:
            raise BadRequest(
                "Webhook filter on {field}: {operator} needs a text in value",
                "a non-empty string; the operators empty and not_empty test for empty values",
                field=fd.name,
                operator=op,
            )
        return TextCondition(fd.name, op, when, value=value, exact=exact)

    def number_condition(self, fd: Field, op: str, when: str, raw: Mapping[str, Any]) -> Condition:
        if op in NO_OPERAND:
            return NumberCondition(fd.name, op, when)
        value = self.number_operand(fd, op, raw, "value")
        if op != "between":
            return NumberCondition(fd.name, op, when, value=value)
        value2 = self.number_operand(fd, op, raw, "value2")
        if value2 < value:
            raise BadRequest(
                "Webhook filter on {field}: {operator} needs value <= value2",
                "swap value and value2",
                field=fd.name,
                operator=op,
            )
        return NumberCondition(fd.name, op, when, value=value, value2=value2)

    def number_operand(self, fd: Field, op: str, raw: Mapping[str, Any], key: str) -> Decimal:
        given = raw.get(key)
        number = record_number(given)
        if (
            number is None
            or len(number.as_tuple().digits) > NUMBER_DIGITS
            or not -NUMBER_DIGITS <= number.adjusted() <= NUMBER_DIGITS
        ):
            raise BadRequest(
                "Webhook filter on {field}: {operator} needs a number in {key}",
                "a JSON number or a string such as 99.95",
                field=fd.name,
                operator=op,
                key=key,
            )
        return number

    def date_condition(self, fd: Field, op: str, when: str, raw: Mapping[str, Any]) -> Condition:
        datetime_field = fd.kind.storage == "datetime"
        if op in NO_OPERAND:
            return DateCondition(fd.name, op, when, datetime_field=datetime_field)
        if op.startswith("period_"):
            period = raw.get("value")
            if not isinstance(period, str) or period_range(period, op, date(2000, 1, 1)) is None:
                raise BadRequest(
                    "Webhook filter on {field}: {operator} needs a period in value",
                    "day, week, month, quarter, year, fiscal_quarter, fiscal_year or days_N "
                    "(N from 1 to 9999)",
                    field=fd.name,
                    operator=op,
                )
            return DateCondition(fd.name, op, when, period=period, datetime_field=datetime_field)
        value = self.date_operand(fd, op, raw, "value", datetime_field)
        if op != "between_dates":
            return DateCondition(fd.name, op, when, value=value, datetime_field=datetime_field)
        value2 = self.date_operand(fd, op, raw, "value2", datetime_field)
        end = end_of(value2)
        if end is not None and start_of(value) >= end:
            raise BadRequest(
                "Webhook filter on {field}: {operator} needs value <= value2",
                "swap value and value2",
                field=fd.name,
                operator=op,
            )
        return DateCondition(
            fd.name, op, when, value=value, value2=value2, datetime_field=datetime_field
        )

    def date_operand(
        self, fd: Field, op: str, raw: Mapping[str, Any], key: str, datetime_field: bool
    ) -> date:
        given = raw.get(key)
        parsed = parse_when(given) if isinstance(given, str) else None
        if parsed is None:
            raise BadRequest(
                "Webhook filter on {field}: {operator} needs a date in {key}",
                "Y-m-d or Y-m-d H:i:s (UTC), e.g. 2024-03-31 or 2024-03-31 14:05:00",
                field=fd.name,
                operator=op,
                key=key,
            )
        if isinstance(parsed, datetime) and not datetime_field:
            return parsed.date()  # a date field holds days: the day of the instant
        return parsed

    def enum_condition(
        self, fd: Field, op: str, when: str, raw: Mapping[str, Any], *, multi: bool
    ) -> Condition:
        ids = fd.kind.filter_kind in ("option", "option_set")
        if op in NO_OPERAND:
            return EnumCondition(fd.name, op, when, multi=multi, ids=ids)
        value = raw.get("value")
        if multi or op in LIST_OPERATORS:
            items = value if isinstance(value, list) else [] if value is None else [value]
            if not items:
                raise BadRequest(
                    "Webhook filter on {field}: {operator} needs a list of options in value",
                    "options of {field}: {options}",
                    field=fd.name,
                    operator=op,
                    options=describe_options(fd),
                )
        elif value is None or isinstance(value, list):
            raise BadRequest(
                "Webhook filter on {field}: {operator} needs one option in value",
                "options of {field}: {options}",
                field=fd.name,
                operator=op,
                options=describe_options(fd),
            )
        else:
            items = [value]
        values = tuple(dict.fromkeys(self.option(fd, ids, item) for item in items))
        return EnumCondition(fd.name, op, when, values=values, multi=multi, ids=ids)

    def option(self, fd: Field, ids: bool, item: Any) -> str | int:
        if ids:
            try:
                oid = option_id(item)
            except InvalidValue:
                oid = None
            if oid is not None and any(choice.id == oid for choice in fd.choices):
                return oid
        elif isinstance(item, str) and item and (not fd.options or item in fd.options):
            return item
        raise BadRequest(
            "{value!r} is not an option of field {field}",
            "options of {field}: {options}",
            value=item,
            field=fd.name,
            options=describe_options(fd),
        )


def describe_options(fd: Field) -> str | Text:
    if fd.choices:
        return ", ".join(f"{choice.id} ({choice.label})" for choice in fd.choices)
    return ", ".join(fd.options) or Text("any text")
