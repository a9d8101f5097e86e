"""OAuth 2 endpoints: /auth/{user|contact}/authorize, /access_token and /revoke (RFC 7009),
/public_key, /jwks, and the RFC 8414 metadata document (outside /api.php: `root_routes`).

The protocol runs in amity/api/oauth_server.py (authlib); this module turns Starlette
requests into its requests and its answers into responses, in a worker thread (argon2 and
the database block). Token-endpoint errors carry RFC 6749's `error` and
`error_description` and also 1CRM's `message` and `hint`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson
from authlib.oauth2 import OAuth2Error
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from amity.api.authn import mark_failed_secret
from amity.api.context import issuer, services
from amity.api.language import translate_message
from amity.api.oauth_pages import error_page, login_page
from amity.api.oauth_server import AmityServer, FormRequest
from amity.api.offload import run_password_check
from amity.api.params import read_body
from amity.api.responses import JSONResponse
from amity.core.auth.clients import GRANTS, OWNER_TYPES, SCOPES
from amity.errors import BadRequest, NotFound

CSRF_COOKIE = "amity_oauth_csrf"
OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
MAX_PARAM = 4096
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
HINTS = {
    "invalid_client": "check client_id and client_secret (amity client list)",
    "invalid_grant": "the code or refresh token is wrong, expired, spent or revoked; "
    "start the authorization again",
    "unauthorized_client": "an admin enables grants per client (amity client add --grant)",
    "unsupported_grant_type": "grant_type: {grants}",
    "invalid_scope": "scopes: {scopes}; contacts get profile only",
    "invalid_request": "see docs/api.md, OAuth 2",
}
HINT_PARAMS = {
    "grants": ", ".join(g for g in GRANTS if g != "implicit"),
    "scopes": ", ".join(SCOPES),
}


MESSAGES = {"invalid_client": "Client authentication failed"}


class OAuthBadRequest(BadRequest):
    """A body the token endpoint cannot read; its message is the error_description."""


def owner_type_of(request: Request) -> str:
    owner_type: str = request.path_params["owner_type"]
    if owner_type not in OWNER_TYPES:
        raise NotFound(
            "No owner type {owner_type}",
            "use /auth/user/... or /auth/contact/...",
            owner_type=owner_type,
        )
    return owner_type


def make_server(request: Request, owner_type: str) -> AmityServer:
    svc = services(request)
    return AmityServer(svc.oauth, svc.clients, owner_type, issuer(request))


def oauth_request(request: Request, data: dict[str, str]) -> FormRequest:
    uri = issuer(request) + request.scope["path"]
    return FormRequest(request.method, uri, data, request.headers)


def single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Parameters given once each (RFC 6749 3.1, 3.2); a repeated or huge one is refused."""
    data: dict[str, str] = {}
    for key, value in pairs:
        if key in data:
            raise OAuthBadRequest("Parameter {key} given more than once", key=key)
        if len(value) > MAX_PARAM:
            raise OAuthBadRequest("Parameter {key} is too long", key=key)
        data[key] = value
    return data


async def read_params(request: Request) -> dict[str, str]:
    """A token request's parameters: a JSON object (the 1CRM PHP client) or a form."""
    body = await read_body(request, 64 * 1024)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            parsed = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError:
            raise OAuthBadRequest("Malformed JSON in request body") from None
        if not isinstance(parsed, dict):
            raise OAuthBadRequest("The request body must be a JSON object")
        pairs = []
        for key, value in parsed.items():
            if value is None:
                continue
            if not isinstance(value, str):
                raise OAuthBadRequest("Parameter {key} must be a string", key=key)
            pairs.append((key, value))
        return single_values(pairs)
    if content_type in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise OAuthBadRequest("The form body is not UTF-8") from None
        return single_values(parse_qsl(text, keep_blank_values=True))
    raise OAuthBadRequest(
        "Unsupported content type {content_type!r}: send JSON or a form", content_type=content_type
    )


def oauth_response(
    status: int,
    body: Any,
    headers: list[tuple[str, str]],
    request: Request | None = None,
    params: Mapping[str, object] | None = None,
) -> Response:
    """authlib's answer as a response; error bodies gain 1CRM's message and hint, in the
    request's language (the English description is the message id, filled from params)."""
    header_map = {k: v for k, v in headers if k.lower() != "content-type"}
    if status in (301, 302, 303):
        return RedirectResponse(header_map.pop("Location"), status_code=status, headers=header_map)
    if isinstance(body, dict) and "error" in body:
        description = body.get("error_description") or error_text(body["error"])
        message = MESSAGES.get(body["error"]) or description
        body = {
            **body,
            "error_description": translate_message(None, description, params),
            "message": translate_message(request, message, params),
            "hint": translate_message(request, HINTS.get(body["error"], ""), HINT_PARAMS),
        }
    return JSONResponse(body, status_code=status, headers={**header_map, **NO_STORE})


def error_text(error: str) -> str:
    return error.replace("_", " ").capitalize()


def oauth_error(
    error: str,
    description: str,
    status: int = 400,
    request: Request | None = None,
    params: Mapping[str, object] | None = None,
) -> Response:
    """An RFC 6749 error; description is a message id filled from params."""
    return oauth_response(
        status, {"error": error, "error_description": description}, [], request, params
    )


# -- token and revocation endpoints ---------------------------------------------------
async def access_token(request: Request) -> Response:
    return await answer_with(
        request, lambda server, req: server.create_token_response(req), echo_state=True
    )


async def revoke(request: Request) -> Response:
    return await answer_with(
        request, lambda server, req: server.create_endpoint_response("revocation", req)
    )


async def answer_with(
    request: Request, respond: Callable[[AmityServer, FormRequest], Any], echo_state: bool = False
) -> Response:
    """Read the form or JSON body and let authlib's server answer it (in a worker thread:
    client secrets and passwords are checked with argon2). With `echo_state`, a `state`
    the request had comes back in the answer (1CRM's token endpoints do that)."""
    owner_type = owner_type_of(request)
    try:
        data = await read_params(request)
    except OAuthBadRequest as exc:
        return oauth_error("invalid_request", exc.message_id, request=request, params=exc.params)
    server = make_server(request, owner_type)
    status, body, headers = await run_password_check(respond, server, oauth_request(request, data))
    if (
        data.get("grant_type") == "password"
        and isinstance(body, dict)
        and body.get("error") == "invalid_grant"
    ):
        mark_failed_secret(request.scope)  # a wrong password, though answered 400
    if echo_state and isinstance(body, dict) and "state" in data:
        body = {**body, "state": data["state"]}
    return oauth_response(status, body, headers, request)


# -- authorization endpoint: login and consent ----------------------------------------
async def authorize(request: Request) -> Response:
    owner_type = owner_type_of(request)
    if request.method == "GET":
        try:
            data = single_values(list(request.query_params.multi_items()))
        except OAuthBadRequest as exc:
            return error_page(str(exc))
        return await run_in_threadpool(show_consent, request, owner_type, data)
    try:
        body = await read_body(request, 64 * 1024)
        form = single_values(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (OAuthBadRequest, UnicodeDecodeError):
        return error_page("Malformed form")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), form.get("csrf_token", "").encode()):
        return error_page("The form expired or did not come from this server; start again", 403)
    return await run_password_check(decide, request, owner_type, form)


def consent_grant(server: AmityServer, oreq: FormRequest) -> tuple[Any, Response | None]:
    """The validated grant, or the response for an invalid request: a redirect with the
    error once the client and redirect URI are known good, else an error page."""
    try:
        return server.get_consent_grant(oreq), None
    except OAuth2Error as error:
        if error.redirect_uri:
            return None, oauth_response(*error())
        return None, error_page(error.description or error_text(error.error))


def show_consent(
    request: Request,
    owner_type: str,
    data: dict[str, str],
    error: str = "",
    login: str = "",
    status: int = 200,
) -> Response:
    server = make_server(request, owner_type)
    oreq = oauth_request(request, data)
    grant, failure = consent_grant(server, oreq)
    if failure is not None:
        return failure
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) != 43:
        token = secrets.token_urlsafe(32)
    params = {k: data[k] for k in OAUTH_PARAMS if data.get(k)}
    response = login_page(
        action=request.scope["path"],
        owner_type=owner_type,
        client_name=grant.client.row["name"],
        scope=oreq.scope,
        params=params,
        csrf_token=token,
        login=login,
        error=error,
        status=status,
    )
    response.set_cookie(
        CSRF_COOKIE,
        token,
        path=request.scope["path"].rsplit("/", 1)[0] + "/",
        httponly=True,
        samesite="strict",
        secure=request.scope["scheme"] == "https",
    )
    return response


def decide(request: Request, owner_type: str, form: dict[str, str]) -> Response:
    data = {k: form[k] for k in OAUTH_PARAMS if k in form}
    server = make_server(request, owner_type)
    oreq = oauth_request(request, data)
    grant, failure = consent_grant(server, oreq)
    if failure is not None:
        return failure
    if form.get("decision") == "allow":
        login = form.get("login", "")
        owner = server.oauth.check_password(owner_type, login, form.get("password", ""))
        if owner is None:  # 401 counts against the failed-login rate limit
            return show_consent(
                request, owner_type, data, error="Wrong login or password", login=login, status=401
            )
    else:
        owner = None
    status, body, headers = server.create_authorization_response(oreq, owner, grant)
    if status == 302:
        status = 303  # RFC 9700 4.11: never repeat the POST (with the password) on redirect
    return oauth_response(status, body, headers, request)


# -- keys and metadata -----------------------------------------------------------------
async def public_key(request: Request) -> JSONResponse:
    """The PEM public key that verifies access tokens (1CRM's /public_key)."""
    pem = await run_in_threadpool(lambda: services(request).oauth.signer.public_pem())
    return JSONResponse({"key": pem})


async def jwks(request: Request) -> JSONResponse:
    jwk = await run_in_threadpool(lambda: services(request).oauth.signer.public_jwk())
    return JSONResponse({"keys": [jwk]})


async def metadata(request: Request) -> JSONResponse:
    """RFC 8414 authorization server metadata, for the user endpoints (the contact ones
    differ only by `user` -> `contact` in their paths)."""
    base = issuer(request)
    api = base + "/api.php"
    return JSONResponse(
        {
            "issuer": base,
            "authorization_endpoint": f"{api}/auth/user/authorize",
            "token_endpoint": f"{api}/auth/user/access_token",
            "revocation_endpoint": f"{api}/auth/user/revoke",
            "jwks_uri": f"{api}/jwks",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code", "token"],
            "response_modes_supported": ["query", "fragment"],
            "grant_types_supported": [g for g in GRANTS if g != "implicit"] + ["implicit"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": False,
        },
        headers={"Cache-Control": "public, max-age=300"},
    )


routes = [
    Route("/auth/{owner_type}/authorize", authorize, methods=["GET", "POST"]),
    Route("/auth/{owner_type}/access_token", access_token, methods=["POST"]),
    Route("/auth/{owner_type}/revoke", revoke, methods=["POST"]),
    Route("/public_key", public_key, methods=["GET"]),
    Route("/jwks", jwks, methods=["GET"]),
]
root_routes = [
    Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
    Route("/.well-known/oauth-authorization-server/api.php", metadata, methods=["GET"]),
]
