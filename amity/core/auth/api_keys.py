"""API key pairs (OpenCRM's apikey and passkey): one pair per user, made or replaced by
`amity user api-key NAME`, shown once; both halves are stored only as SHA-256 hashes.
The pair authenticates as its user (whose ACL rights apply) while the user is active."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from amity.core.actor import Actor
from amity.core.auth.login_tokens import LoginTokens
from amity.core.auth.tokens import token_hash
from amity.core.clock import utcnow
from amity.core.ttlcache import TtlCache
from amity.errors import Unauthorized
from amity.store.engine import Database

API_KEY_PREFIX = "ock_"
PASS_KEY_PREFIX = "ocp_"
CREDENTIAL = "apikey"


class ApiKeys:
    """Key pairs of users, and the access keys their login end point hands out."""

    def __init__(
        self,
        db: Database,
        access_keys: LoginTokens,
        active_user: Callable[[str], dict[str, Any] | None],
        cache_seconds: float = 0,
    ) -> None:
        self.db = db
        self.access_keys = access_keys
        self.active_user = active_user  # AuthService.active_user
        self.table = db.tables.system("api_key_pairs")
        # api key hash -> (user id, pass key hash): a busy client costs one lookup per interval
        self._pairs: TtlCache[str, tuple[str, str]] = TtlCache(cache_seconds)

    def create(self, user_id: str) -> tuple[str, str]:
        """A new (api key, pass key) for the user, replacing any pair it had; its access
        keys stop working."""
        api_key = API_KEY_PREFIX + secrets.token_hex(16)
        pass_key = PASS_KEY_PREFIX + secrets.token_urlsafe(24)
        t = self.table
        with self.db.write() as conn:
            conn.execute(sa.delete(t).where(t.c.user_id == user_id))
            conn.execute(
                sa.insert(t).values(
                    user_id=user_id,
                    api_key_hash=token_hash(api_key),
                    pass_key_hash=token_hash(pass_key),
                    date_created=utcnow(),
                )
            )
        self._pairs.clear()
        self.access_keys.revoke_user(user_id)
        return api_key, pass_key

    def user_of_pair(self, api_key: str, pass_key: str) -> str | None:
        """The id of the active user holding this pair; None for a wrong pair."""
        digest = token_hash(api_key)
        pair = self._pairs.get(digest, lambda: self._load_pair(digest))
        if pair is None or not hmac.compare_digest(pair[1], token_hash(pass_key)):
            return None
        return pair[0] if self.active_user(pair[0]) is not None else None

    def _load_pair(self, api_key_hash: str) -> tuple[str, str] | None:
        t = self.table
        stmt = sa.select(t.c.user_id, t.c.pass_key_hash).where(t.c.api_key_hash == api_key_hash)
        with self.db.read() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else (str(row.user_id), str(row.pass_key_hash))

    def actor(self, user_id: str, source: str, credential_id: str | None = None) -> Actor:
        """The actor of an active user; 401 for a deactivated or removed one."""
        user = self.active_user(user_id)
        if user is None:
            raise Unauthorized("Invalid API key or pass key")
        return Actor(
            user_id=user_id,
            user_name=str(user["user_name"]),
            is_admin=bool(user["is_admin"]),
            credential=CREDENTIAL,
            credential_id=credential_id,
            source=source,
        )

    def by_pair(self, api_key: str, pass_key: str, source: str) -> Actor:
        user_id = self.user_of_pair(api_key, pass_key)
        if user_id is None:
            raise Unauthorized("Invalid API key or pass key")
        return self.actor(user_id, source)

    def login(self, api_key: str, pass_key: str) -> str:
        """An access key for the pair's user (401 for a wrong pair)."""
        user_id = self.user_of_pair(api_key, pass_key)
        if user_id is None:
            raise Unauthorized("Invalid API key or pass key")
        return self.access_keys.issue(user_id)

    def by_access_key(self, access_key: str, source: str) -> Actor:
        """The actor of a live access key (its credential_id says it is one)."""
        user_id = self.access_keys.user_id(access_key)
        if user_id is None:
            raise Unauthorized("Invalid or expired access key")
        return self.actor(user_id, source, credential_id="accesskey")
