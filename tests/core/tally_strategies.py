"""Hypothesis strategies for tally documents: valid `DocumentIn`s the totals engine accepts,
with credit lines, cut discounts, taxed and untaxed shipping, and 0, 2 or 3 decimals.
Keys are g0.., l0.., a0.. (unique in the document); later HTTP tests can map them to rows.

A document is decoded from one drawn block of bytes rather than built from a hundred
separate draws: that is about ten times faster (10,000 documents in seconds), and still
shrinks well, since hypothesis shrinks bytes toward zero and a zero byte decodes to the
simplest choice (one group, no lines, amount 0)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from amity.core.tally.totals import AdjustmentIn, DocumentIn, GroupIn, LineIn

TYPES = (
    "StandardTax",
    "StdPercentDiscount",
    "StandardDiscount",
    "UntaxedShipping",
    "TaxedShipping",
)
#: rates that hit the edges: none, a common VAT, a discount past 100 % (cut at zero)
SPECIAL_RATES = (Decimal(0), Decimal(19), Decimal(150))
MAX_GROUPS, MAX_LINES, MAX_ADJUSTMENTS = 3, 4, 6
#: enough bytes for the largest document (decoding past the end reads zeros)
SIZE = 300


class Reader:
    """Bounded numbers from a block of bytes, in order; past the end every read is 0."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def below(self, n: int) -> int:
        """A whole number in [0, n)."""
        size = max(1, ((n - 1).bit_length() + 7) // 8)
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return int.from_bytes(chunk, "big") % n

    def number(self, low: int, high: int, places: int) -> Decimal:
        """An exact decimal in [low, high] (low <= 0) with up to `places` places; 0 first,
        then the positives, then the negatives."""
        top, bottom = high * 10**places, low * 10**places
        value = self.below(top - bottom + 1)
        return Decimal(value if value <= top else top - value).scaleb(-places)


def decode(data: bytes, decimals: int | None = None) -> DocumentIn:
    """The document `data` describes (any bytes describe a valid one)."""
    read = Reader(data)
    groups = []
    lines_made = adjustments_made = 0
    for g in range(1 + read.below(MAX_GROUPS)):
        lines = []
        for _ in range(read.below(MAX_LINES + 1)):
            quantity = read.number(-50, 1000, 3)
            price = read.number(-100, 10_000, 4)
            cost = read.number(0, 5000, 4) if read.below(4) else None
            lines.append(LineIn(f"l{lines_made}", quantity, price, cost))
            lines_made += 1
        adjustments = []
        for _ in range(read.below(MAX_ADJUSTMENTS + 1)):
            kind = TYPES[read.below(len(TYPES))]
            index = read.below(MAX_LINES + 2)  # past the group's lines: the whole group
            on_line = index < len(lines) and not kind.endswith("Shipping")
            rate = read.number(0, 100, 2) if read.below(4) else SPECIAL_RATES[read.below(3)]
            amount = read.number(-100, 3000, 3)  # a percent type's amount must be ignored
            if kind == "StandardDiscount":
                amount = abs(amount)
            line_key = lines[index].key if on_line else None
            adjustments.append(AdjustmentIn(f"a{adjustments_made}", kind, rate, amount, line_key))
            adjustments_made += 1
        groups.append(GroupIn(f"g{g}", tuple(lines), tuple(adjustments)))
    places = (2, 0, 3)[read.below(3)]
    return DocumentIn(
        groups=tuple(groups),
        decimals=places if decimals is None else decimals,
        payments=read.number(0, 100_000, 3),
    )


def documents(decimals: int | None = None) -> st.SearchStrategy[DocumentIn]:
    """Valid documents: 1 to 3 groups of 0 to 4 lines and 0 to 6 adjustments each, in
    `decimals` places (0, 2 or 3 when None)."""
    return st.binary(min_size=SIZE, max_size=SIZE).map(lambda data: decode(data, decimals))
