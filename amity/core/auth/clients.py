"""Registered API clients for the OAuth server: who may ask for tokens, how, and for what.

A client has a random client_id and, when confidential, a random secret that is shown once
and stored only as an argon2 hash. Redirect URIs follow RFC 9700 / RFC 8252: https, or
http to a loopback host for native apps; no fragments; matched exactly later. The password
and implicit grants are refused unless an admin turns them on for the client.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from amity.core.actor import Actor, ensure_admin
from amity.core.auth.passwords import hash_password, verify_password
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.errors import BadRequest, NotFound
from amity.store.clients import ClientStore
from amity.store.engine import Database
from amity.store.writes import SECRET_CHANGE, Writer

GRANTS = ("authorization_code", "client_credentials", "refresh_token", "password", "implicit")
OPT_IN_GRANTS = {"password": "allow_password", "implicit": "allow_implicit"}
REDIRECT_GRANTS = ("authorization_code", "implicit")
SCOPES = ("read", "write", "profile")
OWNER_TYPES = ("user", "contact")
DEFAULT_GRANTS = ("authorization_code", "refresh_token")
DEFAULT_SCOPES = ("profile", "read", "write")
DEFAULT_OWNER_TYPES = ("user",)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_NAME = 100
MAX_URI = 2000
EVENT_MODEL = "ApiClient"  # the pseudo-model of API clients' events (record id: client_id)


def new_client_id() -> str:
    """A random client id of 32 hex digits: safe in URLs, forms and command lines (a
    URL-safe base64 id may start with "-", which a shell command takes for an option)."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class ClientSpec:
    """What an admin asks for; None means the default."""

    name: str
    redirect_uris: Sequence[str] = ()
    confidential: bool = True
    grants: Sequence[str] | None = None
    scopes: Sequence[str] | None = None
    owner_types: Sequence[str] | None = None
    user: str | None = None  # the user name client_credentials tokens act as
    allow_password: bool = False
    allow_implicit: bool = False
    allow_portal: bool = False  # its client_credentials tokens may issue portal tokens


class ClientRegistry:
    """Adds, lists, finds and removes API clients; checks client secrets."""

    def __init__(self, db: Database, writer: Writer) -> None:
        self.db = db
        self.writer = writer
        self.store = ClientStore(db.tables)
        self.users = db.tables.models["User"]

    def prepare(self, actor: Actor, spec: ClientSpec) -> tuple[dict[str, Any], str | None]:
        """Validate a spec and hash a new secret (slow, so outside any write transaction):
        the row to insert and the secret (None for public clients)."""
        ensure_admin(actor, "API clients")
        name = spec.name.strip() if isinstance(spec.name, str) else ""
        if not name or len(name) > MAX_NAME:
            raise BadRequest(
                "A client needs a name of 1 to {max_name} characters", max_name=MAX_NAME
            )
        grants = check_grants(spec)
        redirect_uris = [check_redirect_uri(uri) for uri in dict.fromkeys(spec.redirect_uris)]
        if not redirect_uris and any(g in grants for g in REDIRECT_GRANTS):
            raise BadRequest(
                "At least one redirect URI is needed for the {options} grant",
                "give --redirect-uri (API: redirect_uris)",
                options=" and ".join(g for g in REDIRECT_GRANTS if g in grants),
            )
        user_id = self._acting_user(spec.user, grants)
        secret = secrets.token_urlsafe(32) if spec.confidential else None
        row = {
            "id": new_id(),
            "client_id": new_client_id(),
            "name": name,
            "secret_hash": hash_password(secret) if secret else None,
            "redirect_uris": redirect_uris,
            "confidential": spec.confidential,
            "grants": grants,
            "scopes": check_choices("scope", spec.scopes, SCOPES, DEFAULT_SCOPES),
            "owner_types": check_choices(
                "owner type", spec.owner_types, OWNER_TYPES, DEFAULT_OWNER_TYPES
            ),
            "user_id": user_id,
            "date_created": utcnow(),
            "revoked": False,
            "allow_portal": check_portal(spec, grants),
        }
        return row, secret

    def insert(self, actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
        """Store a prepared client; returns its public view (what its event holds: the
        secret only as SECRET_CHANGE)."""
        ensure_admin(actor, "API clients")
        public = view(row)
        changes: dict[str, Any] = {k: [None, v] for k, v in public.items()}
        if row["secret_hash"]:
            changes["client_secret"] = SECRET_CHANGE
        with self.db.write() as conn:
            self.store.add(conn, row)
            self.writer.emit(
                conn,
                actor,
                model=EVENT_MODEL,
                record_id=row["client_id"],
                kind="create",
                changes=changes,
                at=row["date_created"],
            )
        return public

    def add(self, actor: Actor, spec: ClientSpec) -> tuple[dict[str, Any], str | None]:
        """Register a client: (its public view, the secret, shown only now)."""
        row, secret = self.prepare(actor, spec)
        return self.insert(actor, row), secret

    def list(self, actor: Actor) -> list[dict[str, Any]]:
        ensure_admin(actor, "API clients")
        with self.db.read() as conn:
            return [view(row) for row in self.store.list(conn)]

    def may_issue_portal_tokens(self, client_id: str) -> bool:
        """Whether an active client was allowed (by an admin) to issue portal tokens."""
        with self.db.read() as conn:
            row = self.store.get(conn, client_id)
        return bool(row and row.get("allow_portal"))

    def get(self, client_id: str) -> dict[str, Any]:
        """An active client's public view (no secret hash); 404 when unknown or removed."""
        with self.db.read() as conn:
            row = self.store.get(conn, client_id)
        if row is None:
            raise NotFound("No API client {client_id}", client_id=client_id)
        return view(row)

    def remove(self, actor: Actor, client_id: str) -> None:
        """Revoke a client: it can no longer authenticate or be listed."""
        ensure_admin(actor, "API clients")
        with self.db.write() as conn:
            if not self.store.revoke(conn, client_id):
                raise NotFound("No API client {client_id}", client_id=client_id)
            self.writer.emit(
                conn,
                actor,
                model=EVENT_MODEL,
                record_id=client_id,
                kind="revoke",
                changes={"revoked": [False, True]},
                at=utcnow(),
            )

    def verify_secret(self, client_id: str, secret: str) -> bool:
        """True only for an active confidential client and its secret."""
        with self.db.read() as conn:
            row = self.store.get(conn, client_id)
        stored = row["secret_hash"] if row else None
        # no hash: the same time as a real check all the same, no probing for client ids
        return verify_password(stored or None, secret)

    def _acting_user(self, user_name: str | None, grants: Sequence[str]) -> str | None:
        if "client_credentials" not in grants:
            if user_name:
                raise BadRequest(
                    "A user is only given for the client_credentials grant",
                    "the client acts as this user when it has no resource owner",
                )
            return None
        if not user_name:
            raise BadRequest(
                "The client_credentials grant needs the user the client acts as",
                "give --user USER (API: user)",
            )
        u = self.users.c
        with self.db.read() as conn:
            user_id = conn.execute(
                sa.select(u.id).where(
                    u.user_name == user_name, u.deleted == sa.false(), u.status == "Active"
                )
            ).scalar()
        if user_id is None:
            raise BadRequest("No active user named {user_name}", user_name=user_name)
        return str(user_id)


def check_grants(spec: ClientSpec) -> list[str]:
    """The client's grants: the defaults or those asked for, plus opted-in ones."""
    grants = check_choices("grant", spec.grants, GRANTS, DEFAULT_GRANTS)
    for grant, flag in OPT_IN_GRANTS.items():
        allowed = bool(getattr(spec, flag))
        if grant in grants and not allowed:
            raise BadRequest(
                "The {grant} grant is off unless explicitly allowed",
                'add --{option} (API: "{flag}": true); RFC 9700 advises against it',
                grant=grant,
                option=flag.replace("_", "-"),
                flag=flag,
            )
        if allowed and grant not in grants:
            grants.append(grant)
    if not spec.confidential and "client_credentials" in grants:
        raise BadRequest(
            "A public client cannot use the client_credentials grant",
            "it has no secret to authenticate with; make it confidential",
        )
    return grants


def check_choices(
    kind: str, given: Sequence[str] | None, allowed: Sequence[str], default: Sequence[str]
) -> list[str]:
    if given is None or len(given) == 0:
        return list(default)
    chosen: list[str] = []
    for value in given:
        if value not in allowed:
            raise BadRequest(
                "Unknown {kind} {value!r}",
                "one of: {allowed}",
                kind=kind,
                value=value,
                allowed=", ".join(allowed),
            )
        if value not in chosen:
            chosen.append(value)
    return chosen


def check_redirect_uri(uri: str) -> str:
    """An absolute https URI, or http to a loopback host (RFC 8252); no fragment."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI:
        raise BadRequest(
            "A redirect URI must be a string of 1 to {max_uri} characters", max_uri=MAX_URI
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in uri):
        raise BadRequest("Redirect URI {uri!r} contains whitespace or control characters", uri=uri)
    if "#" in uri:
        raise BadRequest(
            "Redirect URI {uri!r} must not have a fragment (#...)",
            "use https://host/path, or http://127.0.0.1:PORT/path for a native app",
            uri=uri,
        )
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise BadRequest(
            "Redirect URI {uri!r} is malformed",
            "use https://host/path, or http://127.0.0.1:PORT/path for a native app",
            uri=uri,
        ) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise BadRequest(
            "Redirect URI {uri!r} must be an absolute https URL",
            "use https://host/path, or http://127.0.0.1:PORT/path for a native app",
            uri=uri,
        )
    if parts.username is not None or parts.password is not None:
        raise BadRequest(
            "Redirect URI {uri!r} must not contain user credentials",
            "use https://host/path, or http://127.0.0.1:PORT/path for a native app",
            uri=uri,
        )
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise BadRequest(
            "Redirect URI {uri!r} uses http; only loopback hosts (127.0.0.1, localhost, [::1]) may",
            "use https://host/path, or http://127.0.0.1:PORT/path for a native app",
            uri=uri,
        )
    return uri


def check_portal(spec: ClientSpec, grants: Sequence[str]) -> bool:
    """Issuing portal tokens is done with the client's own (client_credentials) tokens."""
    if spec.allow_portal and "client_credentials" not in grants:
        raise BadRequest(
            "allow_portal needs the client_credentials grant",
            "the client issues portal tokens with its client_credentials token",
        )
    return bool(spec.allow_portal)


def view(row: dict[str, Any]) -> dict[str, Any]:
    """What admins and the API see of a client: never the secret hash."""
    return {
        "client_id": row["client_id"],
        "name": row["name"],
        "confidential": bool(row["confidential"]),
        "redirect_uris": list(row["redirect_uris"]),
        "grants": list(row["grants"]),
        "scopes": list(row["scopes"]),
        "owner_types": list(row["owner_types"]),
        "user_id": row["user_id"],
        "allow_portal": bool(row.get("allow_portal")),
        "date_created": row["date_created"].strftime("%Y-%m-%d %H:%M:%S"),
    }
