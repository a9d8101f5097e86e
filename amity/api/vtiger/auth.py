"""RestfulApi credentials: log in with a user name and password (argon2, in a worker
thread, under the failed-login limit like every password check) or with the user's access
key, for a 32-hex login token; later calls carry the token in the path or `token=`."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from amity.api.authn import scope_source
from amity.api.offload import run_password_check
from amity.api.vtiger.calls import Call, call_token
from amity.core.actor import Actor
from amity.core.auth.tokens import token_hash
from amity.core.services import Services
from amity.errors import BadRequest, Unauthorized

CREDENTIAL = "vtiger"


def active_user(services: Services, user_id: str | None) -> dict[str, Any] | None:
    return services.auth.active_user(user_id) if user_id is not None else None


def authenticate(services: Services, scope: Scope) -> Actor | None:
    """The actor of the call's token; None without one (a login, or the endpoint's 401);
    401 for an unknown or expired token, or one whose user was deactivated."""
    token = call_token(scope["path"], scope.get("query_string", b""))
    if token is None:
        return None
    user = active_user(services, services.vtiger_tokens.user_id(token))
    if user is None:
        raise Unauthorized("Invalid or expired token", "log in again: GET auth/LOGIN/PASSWORD")
    return Actor(
        user_id=user["id"],
        user_name=user["user_name"],
        is_admin=bool(user["is_admin"]),
        credential=CREDENTIAL,
        credential_id=token_hash(token)[:16],
        source=scope_source(scope),
    )


async def log_in(services: Services, call: Call) -> str:
    """A new token for the call's login and password, or its access key; 401 otherwise."""
    key = call.get("key")
    login, password = call.get("login"), call.get("password")
    if key:
        user = active_user(services, services.access_keys.user_id(key))
        if user is None:
            raise Unauthorized("Invalid access key", "amity user access-key NAME makes one")
        return services.vtiger_tokens.issue(user["id"])
    if not login or not password:
        raise BadRequest("Log in with login and password, or with key")
    found = await run_password_check(services.auth.check_password, login, password)
    return services.vtiger_tokens.issue(found["id"])
