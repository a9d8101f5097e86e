"""OpenCRM's credentials: `apikey` + `passkey` (URL parameters, form fields or JSON
body), headers KEY1 (API key) + KEY2 (pass key), or the `accesskey` from the login end
point. The headers and URL parameters are read before the rate limiter (the request then
spends its user's budget); credentials in a body are read by the endpoint, so such a
request is rate-limited as an anonymous one, by address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from amity.api.authn import client_ip, first_header
from amity.core.actor import Actor
from amity.core.services import Services
from amity.errors import Unauthorized

CREDENTIAL_PARAMS = ("apikey", "passkey", "accesskey")
SOURCE = "opencrm"


def scope_source(scope: Scope) -> str:
    """The actor's source: the dialect and the caller's address (the audit shows it)."""
    return f"{SOURCE} {client_ip(scope)}"


def query_params(scope: Scope) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(raw, keep_blank_values=True, max_num_fields=200))


def credentials_actor(services: Services, params: Mapping[str, Any], source: str) -> Actor | None:
    """The actor of an accesskey or an apikey + passkey among `params`; None for none."""
    access_key = params.get("accesskey")
    if isinstance(access_key, str) and access_key:
        return services.api_keys.by_access_key(access_key, source)
    api_key, pass_key = params.get("apikey"), params.get("passkey")
    if api_key is None and pass_key is None:
        return None
    if not isinstance(api_key, str) or not isinstance(pass_key, str) or not api_key:
        raise Unauthorized("Send both apikey and passkey")
    return services.api_keys.by_pair(api_key, pass_key, source)


def authenticate(services: Services, scope: Scope) -> Actor | None:
    """Dialect.authenticate: the KEY1/KEY2 headers, else the URL parameters."""
    source = scope_source(scope)
    key1, key2 = first_header(scope, b"key1"), first_header(scope, b"key2")
    if key1 is not None or key2 is not None:
        return credentials_actor(services, {"apikey": key1, "passkey": key2}, source)
    try:
        params = query_params(scope)
    except ValueError:
        return None  # too many parameters: the endpoint answers 400
    return credentials_actor(services, params, source)
