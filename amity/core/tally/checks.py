"""What a tally document must be before it is totalled (rule 8 in amity.core.tally.totals):
known adjustment types with what each needs, keys unique, line_keys within their group,
numbers exact and in range. A document that is not raises TotalsError."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from amity.errors import Text
from amity.schema.types import InvalidValue

if TYPE_CHECKING:
    from amity.core.tally.totals import AdjustmentIn, DocumentIn

STANDARD_TAX = "StandardTax"
STANDARD_DISCOUNT = "StandardDiscount"
STD_PERCENT_DISCOUNT = "StdPercentDiscount"
UNTAXED_SHIPPING = "UntaxedShipping"
TAXED_SHIPPING = "TaxedShipping"
ADJUSTMENT_TYPES = (
    STANDARD_TAX,
    STANDARD_DISCOUNT,
    STD_PERCENT_DISCOUNT,
    UNTAXED_SHIPPING,
    TAXED_SHIPPING,
)
PERCENT_TYPES = frozenset({STANDARD_TAX, STD_PERCENT_DISCOUNT})
DISCOUNTS = frozenset({STANDARD_DISCOUNT, STD_PERCENT_DISCOUNT})
SHIPPING = frozenset({UNTAXED_SHIPPING, TAXED_SHIPPING})
MAX_DECIMALS = 6
MAX_DIGITS = 30
#: a number's size is below 10 ** MAX_POWER
MAX_POWER = 18
_LINE_FIELDS = frozenset({"quantity", "unit_price", "cost_price"})


class TotalsError(InvalidValue):
    """A tally document that cannot be totalled; the message (an id with params) says why."""


def number(value: object, field: str, key: str | None) -> Decimal:
    """`value` (a line's or adjustment's `field`; the document's when key is None) as an
    exact Decimal in range."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TotalsError(
            "{part}: {field} is not an exact decimal number ({value})",
            part=_part(field, key),
            field=field,
            value=str(value),
        )
    exact = Decimal(value)
    if not exact.is_finite():
        raise TotalsError(
            "{part}: {field} is not an exact decimal number ({value})",
            part=_part(field, key),
            field=field,
            value=str(value),
        )
    if exact and (len(exact.as_tuple().digits) > MAX_DIGITS or exact.adjusted() >= MAX_POWER):
        raise TotalsError(
            "{part}: {field} must be below 10^{power} with at most {digits} digits ({value})",
            part=_part(field, key),
            field=field,
            power=MAX_POWER,
            digits=MAX_DIGITS,
            value=str(value),
        )
    return exact


def _part(field: str, key: str | None) -> Text:
    if key is None:
        return Text("The document")
    if field in _LINE_FIELDS:
        return Text("Line {line}", line=key)
    return Text("Adjustment {adjustment}", adjustment=key)


def check_document(document: DocumentIn) -> None:
    """Raise TotalsError for the first thing rule 8 refuses in `document`."""
    decimals = document.decimals
    if (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_DECIMALS
    ):
        raise TotalsError(
            "decimals must be a whole number from 0 to {max}, not {value}",
            max=MAX_DECIMALS,
            value=str(decimals),
        )
    number(document.payments, "payments", None)
    groups = document.groups
    if (key := _twice(g.key for g in groups)) is not None:
        raise TotalsError("Group key {key} is used more than once", key=key)
    if (key := _twice(ln.key for g in groups for ln in g.lines)) is not None:
        raise TotalsError("Line key {key} is used more than once", key=key)
    if (key := _twice(a.key for g in groups for a in g.adjustments)) is not None:
        raise TotalsError("Adjustment key {key} is used more than once", key=key)
    for group in groups:
        for line in group.lines:
            number(line.quantity, "quantity", line.key)
            number(line.unit_price, "unit_price", line.key)
            if line.cost_price is not None:
                number(line.cost_price, "cost_price", line.key)
        line_keys = {line.key for line in group.lines}
        for adj in group.adjustments:
            _check_adjustment(adj, group.key, line_keys)


def _twice(keys: Iterable[str]) -> str | None:
    """The first key seen a second time, if any."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


def _check_adjustment(adj: AdjustmentIn, group: str, line_keys: set[str]) -> None:
    if adj.type not in ADJUSTMENT_TYPES:
        raise TotalsError(
            "Unknown adjustment type {type} for adjustment {adjustment}; expected one of {types}",
            type=str(adj.type),
            adjustment=adj.key,
            types=", ".join(ADJUSTMENT_TYPES),
        )
    if adj.line_key is not None:
        if adj.type in SHIPPING:
            raise TotalsError(
                "Adjustment {adjustment}: shipping applies to a whole group, not to line {line}",
                adjustment=adj.key,
                line=adj.line_key,
            )
        if adj.line_key not in line_keys:
            raise TotalsError(
                "Adjustment {adjustment} names line {line}, which is not in its group {group}",
                adjustment=adj.key,
                line=adj.line_key,
                group=group,
            )
    field, value = ("rate", adj.rate) if adj.type in PERCENT_TYPES else ("amount", adj.amount)
    if value is None:
        if field == "rate":
            raise TotalsError(
                "Adjustment {adjustment} of type {type} needs a rate",
                adjustment=adj.key,
                type=adj.type,
            )
        raise TotalsError(
            "Adjustment {adjustment} of type {type} needs an amount",
            adjustment=adj.key,
            type=adj.type,
        )
    exact = number(value, field, adj.key)
    if exact < 0 and adj.type not in SHIPPING:
        raise TotalsError(
            "Adjustment {adjustment}: the {field} of a {type} must not be negative ({value})",
            adjustment=adj.key,
            field=field,
            type=adj.type,
            value=str(value),
        )
