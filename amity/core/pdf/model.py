"""What a printed PDF shows, as plain values: no database rows, no HTTP.

Money is Decimal everywhere. Labels given here (date labels, party labels, titles, panel and
field labels) are English, as the models declare them; the renderer translates them through
the language catalogs (amity/i18n/*.json "labels"), and a text a catalog lacks prints as given.
Discount amounts are positive (what is taken off); the renderer prints them with a minus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

AdjustmentKind = Literal["discount", "tax", "shipping"]


@dataclass(frozen=True)
class Party:
    """A company or person with the lines of its address ("Bill To", "Ship To", the sender)."""

    name: str
    address: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class LabelledDate:
    """A date of the document under its label ("Invoice Date", "Due Date")."""

    label: str
    value: date


@dataclass(frozen=True)
class Adjustment:
    """A discount, tax or shipping charge on one line or on a whole group; `rate` is a
    percentage (Decimal("19") for 19 %) where the adjustment has one."""

    kind: AdjustmentKind
    name: str
    amount: Decimal
    rate: Decimal | None = None


@dataclass(frozen=True)
class Line:
    """One line of a group: `ext_price` is quantity x unit price, `net_price` what remains
    after the line's own discounts (its taxes come on top)."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    ext_price: Decimal
    net_price: Decimal
    mfr_part_no: str = ""
    position: int = 0
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class Comment:
    """Text placed among a group's lines by its position."""

    body: str
    position: int = 0


@dataclass(frozen=True)
class Group:
    """A group of lines with its comments and its own discounts, taxes and shipping."""

    name: str
    lines: tuple[Line, ...] = ()
    comments: tuple[Comment, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    subtotal: Decimal | None = None
    total: Decimal | None = None


@dataclass(frozen=True)
class Totals:
    """The document's totals (discount positive: what is taken off)."""

    subtotal: Decimal
    total: Decimal
    discount: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)


@dataclass(frozen=True)
class Payment:
    """A payment made on the document; `type` is the option value ("Credit Card")."""

    date: date
    type: str
    amount: Decimal


@dataclass(frozen=True)
class PrintedDocument:
    """A tally object (Quote, SalesOrder, Invoice, CreditNote, PurchaseOrder, Bill,
    Shipping, Receiving) as it prints."""

    title: str
    number: str
    currency: str
    company: Party
    totals: Totals
    billing: Party | None = None
    shipping: Party | None = None
    dates: tuple[LabelledDate, ...] = ()
    groups: tuple[Group, ...] = ()
    payments: tuple[Payment, ...] = ()
    amount_due: Decimal | None = None
    terms: str = ""
    description: str = ""


@dataclass(frozen=True)
class Panel:
    """A panel of a detail layout: its label and (field label, value text) pairs."""

    label: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RecordSheet:
    """Any other record, printed as its detail layout: `title` is the model's label
    ("Account"), `name` the record's name."""

    title: str
    name: str
    panels: tuple[Panel, ...] = ()
    company: Party | None = None
