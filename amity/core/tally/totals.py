"""The totals of a tally object (quote, order, invoice, ...): every derived amount from its
groups' lines and adjustments, in exact decimals. Pure: no database, no HTTP.

`compute(DocumentIn(...))` returns `Totals`: `totals.lines[key]`, `totals.adjustments[key]`,
`totals.groups[key]` and the document's own fields; `to_plain(totals)` gives nested dicts.

Rules
1. Rounding: each line amount (ext_price, cost, each discount, each tax) and each
   adjustment amount is rounded to `decimals` places (the currency's minor unit: 2 for
   EUR, 0 for JPY) half away from zero (ROUND_HALF_UP: 2.345 -> 2.35, -2.345 -> -2.35)
   as soon as it is computed. Every other figure is a sum or difference of rounded parts,
   so a group equals the sum of its parts and the document the sum of its groups, to the
   cent. Payments are rounded the same way. A zero is never shown as -0.
2. Lines: ext_price = quantity x unit_price; cost = quantity x cost_price (0 without one).
   A negative quantity (a credit or returned line) and a negative unit price are allowed:
   the line's amounts are then negative.
3. Line discounts (line_key set): StdPercentDiscount = ext_price x rate / 100,
   StandardDiscount = its amount. Several discounts each apply to ext_price (10 % and 5 %
   take 15 %; not compounded). A discount never takes a line past zero: in the order
   given, each counts only up to what is left of the line, so net_price always lies
   between 0 and ext_price. A discount cut that way keeps its `amount`; `applied` is the
   part that counted. On a negative line a discount moves it toward zero (a percent
   discount is negative there; a StandardDiscount counts with the line's sign).
   discount = sum of applied; net_price = ext_price - discount.
4. Line taxes (StandardTax, line_key set): each = net_price x rate / 100, each of the same
   net_price (no tax on tax). The line's tax = their sum. Discounts come before taxes.
5. Groups: subtotal = sum of line net_price; cost = sum of line cost. Group discounts
   (line_key null): StdPercentDiscount = subtotal x rate / 100, StandardDiscount = its
   amount, cut as in rule 3 so that subtotal - discount lies between 0 and subtotal.
   Shipping (UntaxedShipping, TaxedShipping) belongs to the whole group, its amount as
   given (negative allowed: a refund). pretax = subtotal - discount + shipping.
6. Group taxes (StandardTax, line_key null): the taxable base = subtotal - discount +
   the TaxedShipping amounts (UntaxedShipping is not taxed); each tax = base x rate / 100,
   each of the same base (no tax on tax). A group tax covers every line of its group,
   those with line taxes too: tax a group per line or as a whole, not both.
   tax = line taxes + group taxes; total = pretax + tax.
7. The document: cost, subtotal, discount, shipping, pretax and tax are the sums over its
   groups; amount = sum of group totals; amount_due = amount - payments (negative when
   overpaid).
8. Input: `rate` is a percentage (19 = 19 %). A percent type (StdPercentDiscount,
   StandardTax) needs a rate and its given amount is ignored (it is computed); a fixed type
   (StandardDiscount, UntaxedShipping, TaxedShipping) needs an amount and its rate is
   ignored. Discount and tax rates and discount amounts must not be negative. Numbers are
   Decimal or int (a float is refused: it is not exact), finite, below 10^18 in size with
   at most 30 digits; decimals is 0 to 6. Group, line and adjustment keys are each unique
   in the document. A line_key names a line of the adjustment's own group; shipping takes
   none. Adjustments apply in the order given (position order). Anything else raises
   TotalsError (a ValueError whose message is an id with params, as InvalidValue's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from types import MappingProxyType
from typing import Any

from amity.core.tally.checks import (
    ADJUSTMENT_TYPES,
    DISCOUNTS,
    PERCENT_TYPES,
    SHIPPING,
    STANDARD_TAX,
    TAXED_SHIPPING,
    TotalsError,
    check_document,
    number,
)

__all__ = [
    "ADJUSTMENT_TYPES",
    "AdjustmentIn",
    "AdjustmentTotals",
    "DocumentIn",
    "GroupIn",
    "GroupTotals",
    "LineIn",
    "LineTotals",
    "Totals",
    "TotalsError",
    "compute",
    "to_plain",
]

# exact for every product of checked inputs (30 digits each): nothing is rounded but on purpose
_CONTEXT = Context(prec=150, rounding=ROUND_HALF_UP)


# -- input -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineIn:
    key: str
    quantity: Decimal
    unit_price: Decimal
    cost_price: Decimal | None = None


@dataclass(frozen=True)
class AdjustmentIn:
    """A tax, discount or shipping of one line (line_key) or of its whole group (None)."""

    key: str
    type: str
    rate: Decimal | None
    amount: Decimal | None
    line_key: str | None


@dataclass(frozen=True)
class GroupIn:
    key: str
    lines: tuple[LineIn, ...]
    adjustments: tuple[AdjustmentIn, ...]


@dataclass(frozen=True)
class DocumentIn:
    groups: tuple[GroupIn, ...]
    decimals: int = 2
    payments: Decimal = Decimal(0)


# -- output ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineTotals:
    ext_price: Decimal
    discount: Decimal
    net_price: Decimal
    tax: Decimal
    cost: Decimal


@dataclass(frozen=True)
class AdjustmentTotals:
    """`amount` is what the adjustment says (computed for percent types, as given for fixed
    ones); `applied` is what counted (less than amount only for a discount cut at zero)."""

    amount: Decimal
    applied: Decimal


@dataclass(frozen=True)
class GroupTotals:
    cost: Decimal
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    pretax: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    lines: Mapping[str, LineTotals]
    adjustments: Mapping[str, AdjustmentTotals]
    groups: Mapping[str, GroupTotals]
    cost: Decimal
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    pretax: Decimal
    tax: Decimal
    amount: Decimal
    payments: Decimal
    amount_due: Decimal


def to_plain(totals: Totals) -> dict[str, Any]:
    """The totals as nested dicts of Decimals (keys as in the dataclasses)."""

    def flat(row: LineTotals | AdjustmentTotals | GroupTotals) -> dict[str, Decimal]:
        return {f.name: getattr(row, f.name) for f in fields(row)}

    plain: dict[str, Any] = {
        part: {key: flat(value) for key, value in getattr(totals, part).items()}
        for part in ("lines", "adjustments", "groups")
    }
    for f in fields(totals):
        if f.name not in plain:
            plain[f.name] = getattr(totals, f.name)
    return plain


# -- computation -------------------------------------------------------------------------------
class _Money:
    """Rounding and sums at one currency's minor unit."""

    def __init__(self, decimals: int) -> None:
        self.unit = Decimal(1).scaleb(-decimals)
        self.zero = Decimal(0).scaleb(-decimals)

    def round(self, value: Decimal) -> Decimal:
        rounded = value.quantize(self.unit, rounding=ROUND_HALF_UP)
        return rounded if rounded else self.zero

    def percent(self, base: Decimal, rate: Decimal) -> Decimal:
        return self.round(base * rate / 100)

    def sum(self, values: Iterable[Decimal]) -> Decimal:
        total = self.zero
        for value in values:
            total += value
        return total if total else self.zero


def compute(document: DocumentIn) -> Totals:
    """Every derived amount of `document`, by the rules in this module's docstring."""
    check_document(document)
    money = _Money(document.decimals)
    lines: dict[str, LineTotals] = {}
    adjustments: dict[str, AdjustmentTotals] = {}
    groups: dict[str, GroupTotals] = {}
    with localcontext(_CONTEXT):
        for group in document.groups:
            groups[group.key] = _group(group, money, lines, adjustments)
        payments = money.round(number(document.payments, "payments", None))
        parts = list(groups.values())

        def total(name: str) -> Decimal:
            return money.sum(getattr(g, name) for g in parts)

        amount = total("total")
        return Totals(
            lines=MappingProxyType(lines),
            adjustments=MappingProxyType(adjustments),
            groups=MappingProxyType(groups),
            cost=total("cost"),
            subtotal=total("subtotal"),
            discount=total("discount"),
            shipping=total("shipping"),
            pretax=total("pretax"),
            tax=total("tax"),
            amount=amount,
            payments=payments,
            amount_due=money.sum((amount, -payments)),
        )


def _group(
    group: GroupIn,
    money: _Money,
    lines: dict[str, LineTotals],
    adjustments: dict[str, AdjustmentTotals],
) -> GroupTotals:
    per_line: dict[str, list[AdjustmentIn]] = {line.key: [] for line in group.lines}
    own = [adj for adj in group.adjustments if adj.line_key is None]
    for adj in group.adjustments:
        if adj.line_key is not None:
            per_line[adj.line_key].append(adj)
    for line in group.lines:
        lines[line.key] = _line(line, per_line[line.key], money, adjustments)
    parts = [lines[line.key] for line in group.lines]
    subtotal = money.sum(p.net_price for p in parts)
    discount = _discounts(subtotal, [a for a in own if a.type in DISCOUNTS], money, adjustments)
    shipping = money.zero
    taxed = money.zero
    for adj in own:
        if adj.type in SHIPPING:
            amount = money.round(number(adj.amount, "amount", adj.key))
            adjustments[adj.key] = AdjustmentTotals(amount, amount)
            shipping += amount
            if adj.type == TAXED_SHIPPING:
                taxed += amount
    base = money.sum((subtotal, -discount, taxed))
    group_tax = _taxes(base, [a for a in own if a.type == STANDARD_TAX], money, adjustments)
    pretax = money.sum((subtotal, -discount, shipping))
    tax = money.sum([*(p.tax for p in parts), group_tax])
    return GroupTotals(
        cost=money.sum(p.cost for p in parts),
        subtotal=subtotal,
        discount=discount,
        shipping=money.sum((shipping,)),
        pretax=pretax,
        tax=tax,
        total=money.sum((pretax, tax)),
    )


def _line(
    line: LineIn,
    own: list[AdjustmentIn],
    money: _Money,
    adjustments: dict[str, AdjustmentTotals],
) -> LineTotals:
    quantity = number(line.quantity, "quantity", line.key)
    ext_price = money.round(quantity * number(line.unit_price, "unit_price", line.key))
    cost = (
        money.zero
        if line.cost_price is None
        else money.round(quantity * number(line.cost_price, "cost_price", line.key))
    )
    discount = _discounts(ext_price, [a for a in own if a.type in DISCOUNTS], money, adjustments)
    net_price = money.sum((ext_price, -discount))
    tax = _taxes(net_price, [a for a in own if a.type == STANDARD_TAX], money, adjustments)
    return LineTotals(ext_price, discount, net_price, tax, cost)


def _discounts(
    base: Decimal,
    discounts: list[AdjustmentIn],
    money: _Money,
    adjustments: dict[str, AdjustmentTotals],
) -> Decimal:
    """The discounts of `base`, each cut to what is left of it (rule 3); their sum."""
    negative = base < 0
    left = abs(base)
    total = money.zero
    for adj in discounts:
        if adj.type in PERCENT_TYPES:
            amount = money.percent(base, number(adj.rate, "rate", adj.key))
        else:
            amount = money.round(number(adj.amount, "amount", adj.key))
        part = min(abs(amount), left)
        left -= part
        applied = money.round(-part if negative else part)
        adjustments[adj.key] = AdjustmentTotals(amount, applied)
        total += applied
    return money.sum((total,))


def _taxes(
    base: Decimal,
    taxes: list[AdjustmentIn],
    money: _Money,
    adjustments: dict[str, AdjustmentTotals],
) -> Decimal:
    """Each tax of the same `base` (no tax on tax, rule 4 and 6); their sum."""
    total = money.zero
    for adj in taxes:
        amount = money.percent(base, number(adj.rate, "rate", adj.key))
        adjustments[adj.key] = AdjustmentTotals(amount, amount)
        total += amount
    return money.sum((total,))
