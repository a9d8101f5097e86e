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
