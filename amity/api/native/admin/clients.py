"""/admin/clients: administrators register, list, read and remove OAuth API clients."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.offload import run_password_check
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.core.actor import ensure_admin
from amity.core.auth.clients import ClientSpec
from amity.errors import BadRequest

LIST_KEYS = ("redirect_uris", "grants", "scopes", "owner_types")
BOOL_KEYS = ("confidential", "allow_password", "allow_implicit", "allow_portal")
BODY_KEYS = ("name", "user", *LIST_KEYS, *BOOL_KEYS)


async def list_clients(request: Request) -> JSONResponse:
    actor = require_actor(request)
    return JSONResponse({"records": services(request).clients.list(actor)})


async def get_client(request: Request) -> JSONResponse:
    actor = require_actor(request)
    registry = services(request).clients
    ensure_admin(actor, "API clients")
    return JSONResponse({"record": registry.get(request.path_params["client_id"])})


async def add_client(request: Request) -> JSONResponse:
    actor = require_actor(request)
    registry = services(request).clients
    ensure_admin(actor, "API clients")
    spec = client_spec(await read_json(request))
    # argon2 hashes the secret in a worker thread: neither on the event loop nor in the writer
    row, secret = await run_password_check(registry.prepare, actor, spec)
    client = await run_write(request, lambda: registry.insert(actor, row))
    body: dict[str, Any] = {"client_id": client["client_id"]}
    if secret is not None:
        body["client_secret"] = secret
    body.update(client)
    return JSONResponse(body)


async def remove_client(request: Request) -> JSONResponse:
    actor = require_actor(request)
    registry = services(request).clients
    client_id = request.path_params["client_id"]
    await run_write(request, lambda: registry.remove(actor, client_id))
    return JSONResponse({"result": True})


def client_spec(body: dict[str, Any]) -> ClientSpec:
    """A ClientSpec from a JSON body, with 400s for unknown keys and wrong types."""
    unknown = sorted(set(body) - set(BODY_KEYS))
    if unknown:
        raise BadRequest(
            "Unknown option {value!r}",
            "known: {body_keys}",
            value=unknown[0],
            body_keys=", ".join(BODY_KEYS),
        )
    name = body.get("name")
    if not isinstance(name, str):
        raise BadRequest("name is required and must be a string", '{"name": "My app", ...}')
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise BadRequest("user must be a user name (a string)")
    lists: dict[str, list[str] | None] = {}
    for key in LIST_KEYS:
        value = body.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise BadRequest("{key} must be a list of strings", key=key)
        lists[key] = value
    flags: dict[str, bool] = {}
    for key in BOOL_KEYS:
        value = body.get(key, key == "confidential")
        if not isinstance(value, bool):
            raise BadRequest("{key} must be true or false", key=key)
        flags[key] = value
    return ClientSpec(
        name=name,
        redirect_uris=lists["redirect_uris"] or (),
        grants=lists["grants"],
        scopes=lists["scopes"],
        owner_types=lists["owner_types"],
        user=user,
        **flags,
    )


routes = [
    Route("/admin/clients", list_clients, methods=["GET"]),
    Route("/admin/clients", add_client, methods=["POST"]),
    Route("/admin/clients/{client_id}", get_client, methods=["GET"]),
    Route("/admin/clients/{client_id}", remove_client, methods=["DELETE"]),
]
