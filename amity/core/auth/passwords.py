"""Password hashing with argon2 (argon2-cffi's defaults)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_dummy_hash: str | None = None


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the hash. None (an unknown or inactive user, an unknown
    client) checks a dummy hash: the same time as a real check, so no login is told apart."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        verify_password(_dummy_hash, password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for a new admin when none is given."""
    return secrets.token_urlsafe(12)
