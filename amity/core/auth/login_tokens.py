"""Login tokens of the dialects that put a token in the URL (Vtiger's RestfulApi) or in a
parameter (OpenCRM's accesskey): a random 32-hex secret given once at login, stored only
as its SHA-256, valid for a limited time: a fixed lifetime, or (`sliding`) an idle period
that every use starts again."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from amity.core.auth.tokens import token_hash
from amity.core.clock import utcnow
from amity.core.ttlcache import TtlCache
from amity.store.engine import Database


class LoginTokens:
    """Issue a token for a user, and find the user of a live token."""

    def __init__(
        self,
        db: Database,
        dialect: str,
        lifetime_seconds: int,
        *,
        sliding: bool = False,
        cache_seconds: float = 0,
    ) -> None:
        self.db = db
        self.dialect = dialect
        self.lifetime = timedelta(seconds=lifetime_seconds)
        self.sliding = sliding
        # a busy client moves its expiry at most once per step (one write, not one a call)
        self.step = timedelta(seconds=min(60, lifetime_seconds // 10))
        self.table = db.tables.system("login_tokens")
        # token hash -> (user id, expiry), so a busy client costs one lookup per interval
        self._live: TtlCache[str, tuple[str, datetime]] = TtlCache(cache_seconds)

    def issue(self, user_id: str) -> str:
        """A new token for the user (the only time it is seen in clear)."""
        token = secrets.token_hex(16)
        now = utcnow()
        t = self.table
        with self.db.write() as conn:
            conn.execute(sa.delete(t).where(t.c.expires <= now))
            conn.execute(
                sa.insert(t).values(
                    token_hash=token_hash(token),
                    dialect=self.dialect,
                    user_id=user_id,
                    expires=now + self.lifetime,
                )
            )
        return token

    def user_id(self, token: str) -> str | None:
        """The user of a live token of this dialect; None for an unknown or expired one."""
        digest, now = token_hash(token), utcnow()
        live = self._live.get(digest, lambda: self._load(digest, now))
        if live is not None and live[1] <= now:  # expired since remembered (or slid elsewhere)
            self._live.pop(digest)
            live = self._live.get(digest, lambda: self._load(digest, now))
        if live is None:
            return None
        user_id, expires = live
        if self.sliding and expires < now + self.lifetime - self.step:
            t = self.table
            with self.db.write() as conn:
                conn.execute(
                    sa.update(t).where(t.c.token_hash == digest).values(expires=now + self.lifetime)
                )
            self._live.pop(digest)
        return user_id

    def _load(self, digest: str, now: datetime) -> tuple[str, datetime] | None:
        t = self.table
        stmt = sa.select(t.c.user_id, t.c.expires).where(
            t.c.token_hash == digest, t.c.dialect == self.dialect, t.c.expires > now
        )
        with self.db.read() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else (str(row.user_id), row.expires)

    def revoke_user(self, user_id: str) -> None:
        """Forget every token of this dialect that the user holds."""
        t = self.table
        with self.db.write() as conn:
            conn.execute(sa.delete(t).where(t.c.user_id == user_id, t.c.dialect == self.dialect))
        self._live.clear()
