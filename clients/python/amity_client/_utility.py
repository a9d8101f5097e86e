"""/me, /version and /public_key: who am I, what server is this, which key signs tokens."""

from __future__ import annotations

from typing import Any

from amity_client._core import Call, as_dict, key


def me_call() -> Call[dict[str, Any]]:
    """GET /me -> the authenticated user (id, name, role, email, timezone, ...)."""
    return Call("GET", "/me", as_dict)


def version_call() -> Call[dict[str, Any]]:
    """GET /version -> {"version", "products", "authenticated"}; needs no credentials."""
    return Call("GET", "/version", as_dict)


def public_key_call() -> Call[str]:
    """GET /public_key -> the PEM key that verifies the server's OAuth access tokens."""
    return Call("GET", "/public_key", lambda body: str(key("key")(body)))
