"""Rate limits per credential (per IP without one), and a stricter per-IP failed-login limit.

The Authenticate middleware has checked the credential before this one runs, so a request
spends the budget of its actor: a personal token counts per token, a user signed in with
Basic or a session per user, an OAuth token per client and owner, a portal token per
contact. Admins can give one user or one OAuth client a limit of its own
(amity.core.ratelimits); an admin's requests to /admin/rate_limits keep the default, so
no limit of its own can lock it out of clearing that limit. A request without credentials,
or with ones that failed, spends the budget of its client IP; a 401 answer also counts
against the IP's failed-auth limit, and once that is spent the IP gets 429 until the
window moves on, for every request that could guess a secret: Basic passwords (left
unchecked, see amity.api.authn), anonymous requests, session sign-in and the OAuth
endpoints. A valid token or session cookie still works (offices share one address). The
OAuth token and revocation endpoints also spend a stricter per-IP budget of their own.

Every limited response carries X-RateLimit-Limit/-Remaining/-Reset (reset as a Unix time)
and the IETF draft-ietf-httpapi-ratelimit-headers fields RateLimit-Policy
(`"name";q=quota;w=window seconds`) and RateLimit (`"name";r=remaining;t=seconds to reset`).

Counts live in memory (one worker) or in Redis when AMITY_REDIS_URL is set (shared by all
workers). The `limits` library counts, with its fixed-window strategy (one counter per
key and window).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amity.api.authn import FAILED_SECRET, checks_secrets, client_ip, is_token_endpoint
from amity.api.errors import render_error, scope_request
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.ratelimits import RateLimitOverrides
from amity.errors import RateLimited

log = logging.getLogger("amity.ratelimit")


@dataclass(frozen=True)
class RateKey:
    """Whose budget a request spends: kind is 'token', 'user', 'oauth', 'contact' or
    'anonymous'."""

    kind: str
    identity: str  # ids (never a secret), or the IP for anonymous


@dataclass(frozen=True)
class Limits:
    """The parsed limits of the settings; None means that limit is off."""

    credential: RateLimitItem | None
    anonymous: RateLimitItem | None
    failed_auth: RateLimitItem | None
    token_endpoint: RateLimitItem | None = None


def parse_limit(raw: str, name: str) -> RateLimitItem | None:
    """'600/minute' -> a limit; '' or '0' -> None (off). A bad value stops the server."""
    text = raw.strip()
    if text in ("", "0"):
        return None
    try:
        item = parse(text)
    except ValueError:
        item = None
    if item is None or item.amount < 1:
        raise ValueError(
            f"AMITY_{name.upper()} must be a rate like '600/minute' or "
            f"'10 per second', or '' to turn it off; got {raw!r}"
        )
    return item


def limits_from_settings(settings: Settings) -> Limits:
    return Limits(
        parse_limit(settings.rate_limit, "rate_limit"),
        parse_limit(settings.rate_limit_anonymous, "rate_limit_anonymous"),
        parse_limit(settings.rate_limit_failed_auth, "rate_limit_failed_auth"),
        parse_limit(settings.rate_limit_token_endpoint, "rate_limit_token_endpoint"),
    )


GUESSABLE = frozenset({"basic"})  # credentials an address over the failed-auth limit loses
ADMIN_LIMITS_PATH = "/api.php/admin/rate_limits"


def spared_by_lockout(actor: Actor | None, scope: Scope) -> bool:
    """Whether a request passes although its address is over the failed-auth limit: it was
    authenticated with an unguessable credential and checks no password or client secret."""
    return actor is not None and actor.credential not in GUESSABLE and not checks_secrets(scope)


def actor_key(actor: Actor | None, client_ip: str) -> RateKey:
    """Whose budget: the credential's (see the module docstring), or the IP's."""
    if actor is None:
        return RateKey("anonymous", client_ip)
    if actor.contact_id is not None:
        return RateKey("contact", actor.contact_id)
    if actor.credential == "oauth":
        return RateKey("oauth", f"{actor.client_id}:{actor.user_id}")
    if actor.credential == "token" and actor.credential_id:
        return RateKey("token", actor.credential_id)
    return RateKey("user", actor.user_id)


class LimitResolver:
    """The limit for a key: a user's or client's own (set by an admin), else the setting."""

    def __init__(self, configured: Limits, overrides: RateLimitOverrides | None) -> None:
        self.configured = configured
        self.overrides = overrides
        self._parsed: dict[str, RateLimitItem] = {}

    def limit(self, key: RateKey, actor: Actor | None) -> RateLimitItem | None:
        return self.policy(actor)[1]

    def policy(self, actor: Actor | None, path: str = "") -> tuple[str, RateLimitItem | None]:
        """The policy's name (for the RateLimit headers) and its limit. An admin managing
        rate limits keeps the default: no limit of its own locks it out of clearing it."""
        if actor is None:
            return "anonymous", self.configured.anonymous
        found = None
        if not (actor.is_admin and path.startswith(ADMIN_LIMITS_PATH)):
            found = self._override(actor)
        if found is None:
            return "credential", self.configured.credential
        kind, rate = found
        item = self._parsed.get(rate)
        if item is None:
            item = self._parsed[rate] = parse(rate)
        return kind, item

    def _override(self, actor: Actor) -> tuple[str, str] | None:
        if self.overrides is None:
            return None
        if actor.client_id is not None:
            rate = self.overrides.rate_for("client", actor.client_id)
            if rate is not None:
                return "client", rate
        if actor.contact_id is None:
            rate = self.overrides.rate_for("user", actor.user_id)
            if rate is not None:
                return "user", rate
        return None


def make_storage(settings: Settings) -> Storage:
    """In-memory counts, or Redis ones (shared by every worker) when a Redis URL is set."""
    url = settings.redis_url.strip()
    if not url:
        return MemoryStorage()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(
            f"AMITY_REDIS_URL must be a redis://, rediss:// or unix:// URL, got {url!r}"
        )
    if url.startswith("unix://"):
        url = "redis+unix://" + url.removeprefix("unix://")
    return RedisStorage(
        "async+" + url,
        wrap_exceptions=True,
        implementation="redispy",
        key_prefix=settings.redis_key_prefix,
    )


def _header_values(
    policy: str, limit: RateLimitItem, remaining: int, reset: float
) -> list[tuple[bytes, bytes]]:
    """X-RateLimit-* and the IETF draft's RateLimit-Policy and RateLimit fields."""
    left = max(remaining, 0)
    seconds = max(0, math.ceil(reset - time.time()))
    return [
        (b"x-ratelimit-limit", str(limit.amount).encode()),
        (b"x-ratelimit-remaining", str(left).encode()),
        (b"x-ratelimit-reset", str(math.ceil(reset)).encode()),
        (b"ratelimit-policy", f'"{policy}";q={limit.amount};w={limit.get_expiry()}'.encode()),
        (b"ratelimit", f'"{policy}";r={left};t={seconds}'.encode()),
    ]


class Counters:
    """The limits of the settings and the storage that counts them: one per app, shared
    by the RateLimit middleware and (for the failed-auth limit) the Authenticate one."""

    def __init__(self, settings: Settings, overrides: RateLimitOverrides | None = None) -> None:
        self.limits = limits_from_settings(settings)
        self.resolver = LimitResolver(self.limits, overrides)
        enabled = overrides is not None or any(
            (
                self.limits.credential,
                self.limits.anonymous,
                self.limits.failed_auth,
                self.limits.token_endpoint,
            )
        )
        self.limiter = FixedWindowRateLimiter(make_storage(settings)) if enabled else None

    async def locked_out(self, ip: str) -> bool:
        """Whether the address has spent its failed-authentication budget (False when that
        limit is off or its storage is down)."""
        failed = self.limits.failed_auth
        if failed is None or self.limiter is None:
            return False
        try:
            return not await self.limiter.test(failed, "failed-auth", ip)
        except StorageError:
            return False


class RateLimit:
    """ASGI middleware: admit or refuse (429) each request, and add the rate-limit headers."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        overrides: RateLimitOverrides | None = None,
        counters: Counters | None = None,
    ) -> None:
        self.app = app
        counters = counters or Counters(settings, overrides)
        self.limits = counters.limits
        self.resolver = counters.resolver
        self.limiter = counters.limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limiter is None:
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope)
        try:
            extra = await self._check(scope, receive, send, self.limiter, ip)
        except StorageError as exc:  # the shared store is down: serve unlimited, and say so
            log.warning("rate limit storage unavailable, not limiting: %s", exc)
            extra = []
        if extra is None:
            return
        status = [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        failed = status[0] == 401 or scope.get("state", {}).get(FAILED_SECRET, False)
        if failed and self.limits.failed_auth is not None:
            try:
                await self.limiter.hit(self.limits.failed_auth, "failed-auth", ip)
            except StorageError as exc:
                log.warning("rate limit storage unavailable, failed login not counted: %s", exc)

    async def _check(
        self, scope: Scope, receive: Receive, send: Send, limiter: FixedWindowRateLimiter, ip: str
    ) -> list[tuple[bytes, bytes]] | None:
        """Spend the request's budget: the headers to add, or None once it has been refused."""
        actor: Actor | None = scope.get("state", {}).get("actor")
        failed = self.limits.failed_auth
        if (
            failed is not None
            and not spared_by_lockout(actor, scope)
            and not await limiter.test(failed, "failed-auth", ip)
        ):
            reset, remaining = await limiter.get_window_stats(failed, "failed-auth", ip)
            await self._refuse(
                scope,
                receive,
                send,
                _header_values("failed_auth", failed, remaining, reset),
                reset,
                "Too many failed authentication attempts from this address",
            )
            return None
        strict = self.limits.token_endpoint
        strict_headers: list[tuple[bytes, bytes]] | None = None
        if strict is not None and is_token_endpoint(scope["path"]):
            admitted = await limiter.hit(strict, "token-endpoint", ip)
            reset, remaining = await limiter.get_window_stats(strict, "token-endpoint", ip)
            strict_headers = _header_values("token_endpoint", strict, remaining, reset)
            if not admitted:
                await self._refuse(
                    scope,
                    receive,
                    send,
                    strict_headers,
                    reset,
                    "Too many token requests from this address",
                )
                return None
        key = actor_key(actor, ip)
        policy, limit = self.resolver.policy(actor, scope["path"])
        if limit is None:
            return strict_headers or []
        admitted = await limiter.hit(limit, key.kind, key.identity)
        reset, remaining = await limiter.get_window_stats(limit, key.kind, key.identity)
        headers = _header_values(policy, limit, remaining, reset)
        if not admitted:
            await self._refuse(scope, receive, send, headers, reset, "Too many requests")
            return None
        return strict_headers or headers

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: list[tuple[bytes, bytes]],
        reset: float,
        message: str,
    ) -> None:
        retry_after = max(1, math.ceil(reset - time.time()))
        refused = RateLimited(
            message,
            "retry after {retry_after} s (see the Retry-After header)",
            retry_after=retry_after,
        )
        response = render_error(refused, scope_request(scope))
        response.raw_headers.extend(headers)
        await response(scope, receive, send)
