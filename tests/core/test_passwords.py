"""The password policy: at least 10 characters, not a common password; generated ones pass."""

from __future__ import annotations

import pytest

from amity.core.auth.passwords import check_password_policy, generate_password
from amity.errors import BadRequest


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("nine-char", "at least 10 characters"),
        ("", "at least 10 characters"),
        ("1234567890", "common"),
        ("QWERTYUIOP", "common"),
        ("Password123", "common"),
        ("Manchester", "common"),
    ],
)
def test_weak_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(BadRequest) as refused:
        check_password_policy(password)
    assert why in refused.value.message and refused.value.status == 400


@pytest.mark.parametrize("password", ["ten-chars!", "correct horse battery", "Zq8#kLm2vPw9"])
def test_long_uncommon_passwords_pass(password: str) -> None:
    check_password_policy(password)


def test_generated_passwords_pass() -> None:
    generated = [generate_password() for _ in range(200)]
    assert len(set(generated)) == 200
    for password in generated:
        check_password_policy(password)
