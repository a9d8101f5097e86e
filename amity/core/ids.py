"""Record ids: 36-character, time-ordered UUIDs (version 7) for index locality."""

from __future__ import annotations

import os
import re
import time
import uuid

_ID_CHARS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.~-]{0,35}$")


def new_id() -> str:
    """A UUIDv7 string: 48 bits of Unix milliseconds, then random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | (0x7 << 76)  # version 7
    value = value & ~(0x3 << 62) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


def valid_client_id(value: str) -> bool:
    """Ids a client may choose on upsert: 1-36 letters, digits, and - _ . ~ ."""
    return bool(_ID_CHARS.match(value))
