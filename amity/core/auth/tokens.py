"""Personal access tokens: random secrets shown once and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "amity_pat_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 is the right hash (fast lookups)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
