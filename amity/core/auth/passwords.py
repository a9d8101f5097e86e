"""Password hashing with argon2 (argon2-cffi's defaults), and the policy every password a
person chooses must meet: at least 10 characters, and not one of the 30,000 common
passwords that zxcvbn ships (compared without regard to case)."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from amity.errors import BadRequest

MIN_PASSWORD_LENGTH = 10

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


def check_password_policy(password: str) -> None:
    """BadRequest unless the password is long enough and not a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(
            "The password is too short: at least {length} characters are needed",
            "a few unrelated words make a good one",
            length=MIN_PASSWORD_LENGTH,
        )
    if password.lower() in _common_passwords():
        raise BadRequest(
            "The password is on a list of common passwords", "choose one that is not easy to guess"
        )


@functools.cache
def _common_passwords() -> frozenset[str]:
    """zxcvbn's list of common passwords (lower case), loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def generate_password() -> str:
    """A random password (16 characters) for a new user when none is given."""
    while True:
        password = secrets.token_urlsafe(12)
        if password.lower() not in _common_passwords():
            return password
