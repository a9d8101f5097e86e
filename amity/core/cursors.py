"""Keyset cursors of record lists: where a page ended, so that the next one continues
from there at the cost of the first (`cursor=`), whatever the depth.

A cursor holds the last row's values of the list's order (the same expressions the
database sorts by, the id last) and the order it belongs to, signed with a key derived
from the server's private key: a cursor changed by hand, or used with another model or
order, is a 400. It holds no secret and names no field the caller could not list: its
values are those of a record the caller was shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from amity.errors import BadRequest

VERSION = 1
SIGNATURE_BYTES = 16
MAX_LENGTH = 4096


def bad_cursor() -> BadRequest:
    return BadRequest(
        "cursor is not a cursor of this list",
        "pass the next_cursor of the previous page unchanged, with the same order "
        "(and no offset), or leave cursor out to start at the first page",
    )


def encode(key: bytes, scope: str, values: Sequence[Any]) -> str:
    """The cursor of a position: `values` of the order expressions, for the list `scope`
    (the model and its order)."""
    body = orjson.dumps([VERSION, scope, [_tagged(v) for v in values]])
    signature = hmac.new(key, body, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(signature + body).decode().rstrip("=")


def decode(key: bytes, scope: str, text: str) -> list[Any]:
    """The values a cursor holds; 400 for a cursor altered, malformed, or of another
    list scope."""
    if not text or len(text) > MAX_LENGTH:
        raise bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise bad_cursor() from None
    signature, body = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
    expected = hmac.new(key, body, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        raise bad_cursor()
    try:
        version, their_scope, values = orjson.loads(body)
    except (orjson.JSONDecodeError, ValueError, TypeError):
        raise bad_cursor() from None
    if version != VERSION or their_scope != scope or not isinstance(values, list):
        raise bad_cursor()
    return [_untagged(v) for v in values]


def _tagged(value: Any) -> Any:
    """A JSON form that keeps the type the database compares with."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return {"s": str(value)}


def _untagged(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    try:
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
        if "s" in value:
            return str(value["s"])
    except (ValueError, TypeError, InvalidOperation):
        raise bad_cursor() from None
    raise bad_cursor()
