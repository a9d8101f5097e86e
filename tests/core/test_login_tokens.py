"""Login tokens: 32 hex, stored hashed, per dialect, expiring."""

from __future__ import annotations

import re

import sqlalchemy as sa

from amity.core.auth.login_tokens import LoginTokens
from amity.core.services import Services


def test_token_is_hashed_scoped_and_expires(services: Services) -> None:
    tokens = services.vtiger_tokens
    token = tokens.issue("u1")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert tokens.user_id(token) == "u1"
    assert tokens.user_id(token[::-1]) is None
    assert LoginTokens(services.db, "opencrm", 3600).user_id(token) is None
    with services.db.read() as conn:
        stored = [row[0] for row in conn.execute(sa.select(tokens.table.c.token_hash))]
    assert token not in stored and len(stored) == 1
    expired = LoginTokens(services.db, "vtiger", -1)
    assert expired.user_id(expired.issue("u2")) is None


def test_sliding_tokens_move_their_expiry_with_each_use(services: Services) -> None:
    from datetime import timedelta

    from amity.core.auth.tokens import token_hash
    from amity.core.clock import utcnow

    sliding = LoginTokens(services.db, "opencrm", 600, sliding=True)
    fixed = LoginTokens(services.db, "vtiger", 600)
    t = sliding.table

    def expires(token: str) -> object:
        with services.db.read() as conn:
            stmt = sa.select(t.c.expires).where(t.c.token_hash == token_hash(token))
            return conn.execute(stmt).scalar()

    def age(token: str) -> None:
        with services.db.write() as conn:
            conn.execute(
                sa.update(t)
                .where(t.c.token_hash == token_hash(token))
                .values(expires=utcnow() + timedelta(seconds=10))
            )

    one, two = sliding.issue("u1"), fixed.issue("u1")
    age(one)
    age(two)
    assert sliding.user_id(one) == "u1" and fixed.user_id(two) == "u1"
    assert expires(one) >= utcnow() + timedelta(seconds=590)  # type: ignore[operator]
    assert expires(two) <= utcnow() + timedelta(seconds=10)  # type: ignore[operator]
    sliding.revoke_user("u1")
    assert sliding.user_id(one) is None and fixed.user_id(two) == "u1"
