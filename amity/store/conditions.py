"""Filter conditions: the typed form every dialect's filters are translated into.

Values are already parsed and checked against metadata; the query builder turns
each condition into SQL with bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prefix:
    """Any of `fields` starts with `text` (case-insensitive)."""

    fields: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Contains:
    """`field` holds `text` anywhere (case-insensitive)."""

    field: str
    text: str


@dataclass(frozen=True)
class PersonName:
    """A person's first or last name, or "first last", starts with `text`."""

    text: str
    first: str = "first_name"
    last: str = "last_name"


@dataclass(frozen=True)
class Equals:
    """`field` equals one of `values`."""

    field: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True)
class Range:
    """`low` <= field < `high` (either bound may be None)."""

    field: str
    low: Any = None
    high: Any = None
    negate: bool = False


@dataclass(frozen=True)
class Compare:
    """`field` compared with `value` by `op`: lt, lte, gt or gte."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Empty:
    """`field` is empty (NULL or ''), or not empty when negated."""

    field: str
    negate: bool = False
    text: bool = False


@dataclass(frozen=True)
class ContainsOption:
    """A multienum `field` holds any (or all) of `options`."""

    field: str
    options: tuple[str, ...]
    all: bool = False


@dataclass(frozen=True)
class RefName:
    """The record that `id_field` points to (in `target`) has a name starting with `text`."""

    id_field: str
    target: str
    text: str


@dataclass(frozen=True)
class AnyOf:
    """At least one of `conditions` holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Related:
    """The record is linked through link `link` of model `parent` to record `parent_id`."""

    parent: str
    link: str
    parent_id: str


Condition = (
    Prefix
    | Contains
    | PersonName
    | Equals
    | Range
    | Compare
    | Empty
    | ContainsOption
    | RefName
    | AnyOf
    | Related
)


@dataclass(frozen=True)
class OrderKey:
    """Sort by `field` (text fields case-insensitively), descending when `desc`."""

    field: str
    desc: bool = False
