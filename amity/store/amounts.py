"""The column of a decimal/currency field: exact on every database.

Above store/ such a value is an integer count of 10**-scale units (22455 is 224.55 at
scale 2). SQLite keeps that count in an INTEGER column; PostgreSQL gets an exact
NUMERIC(digits, scale) column, and the count becomes a Decimal on its way in and back
on its way out, so nothing above store/ sees the difference.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

Convert = Callable[[Any], Any]


class ScaledAmount(sa.types.TypeDecorator[int]):
    """An amount as a count of 10**-scale units; NUMERIC(digits, scale) on PostgreSQL."""

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, digits: int, scale: int) -> None:
        super().__init__()
        self.digits = digits
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if exact_numeric(dialect):
            return dialect.type_descriptor(sa.Numeric(self.digits, self.scale, asdecimal=True))
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not exact_numeric(dialect):
            return value
        return to_decimal(value, self.scale)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        if value is None:
            return "NULL"
        return str(to_decimal(value, self.scale) if exact_numeric(dialect) else int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not exact_numeric(dialect):
            return value
        return to_count(value, self.scale)

    def converters(self, dialect: Dialect) -> tuple[Convert, Convert] | None:
        """(bind, result) conversions for statements run on the driver directly
        (store.engine.Prepared); None where the count is stored as it is."""
        if not exact_numeric(dialect):
            return None
        scale = self.scale
        return (
            lambda v: None if v is None else to_decimal(v, scale),
            lambda v: None if v is None else to_count(v, scale),
        )


def exact_numeric(dialect: Dialect) -> bool:
    """Whether the dialect stores amounts as NUMERIC (else as an integer count)."""
    return dialect.name == "postgresql"


def to_decimal(count: Any, scale: int) -> Decimal:
    """22455 at scale 2 -> Decimal('224.55')."""
    return Decimal(int(count)).scaleb(-scale)


def to_count(value: Any, scale: int) -> int:
    """Decimal('224.55') at scale 2 -> 22455 (a NUMERIC column holds no more places)."""
    return int(Decimal(value).scaleb(scale))
