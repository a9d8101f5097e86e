"""Who may do what through the App CRM dialect (/api): one case per route, every actor of
tests/api/acl_world.py, statuses as the ACL decides them through the records service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amity.api.appcrm import DIALECT
from amity.api.dialects import dialect_of
from amity.core.services import Services
from tests.api.acl_world import ACTORS, World, build_world
from tests.conftest import ApiClient, User

Body = Callable[[World, str], Any]

# (method, route path) -> (concrete path, statuses in ACTORS' order, body)
CASES: dict[tuple[str, str], tuple[str, tuple[int, ...], Body | None]] = {
    ("GET", "/api/{resource}"): ("/api/contacts", (200, 200, 200, 200, 403, 200, 200), None),
    ("POST", "/api/{resource}"): (
        "/api/accounts",
        (201, 201, 201, 403, 403, 403, 201),
        lambda w, a: {"name": f"Made by {a}"},
    ),
    ("GET", "/api/{resource}/{id}"): (
        "/api/contacts/{contact}",
        (200, 200, 404, 200, 403, 200, 200),
        None,
    ),
    ("PUT", "/api/{resource}/{id}"): (
        "/api/contacts/{contact}",
        (200, 200, 404, 403, 403, 403, 200),
        lambda w, a: {"first_name": a},
    ),
    ("PATCH", "/api/{resource}/{id}"): (
        "/api/contacts/{contact}",
        (200, 200, 404, 403, 403, 403, 200),
        lambda w, a: {"first_name": a},
    ),
    ("DELETE", "/api/{resource}/{id}"): (
        "/api/contacts/{own}",  # a contact of alice's per actor: each tries a live one
        (204, 204, 404, 403, 403, 404, 204),
        None,
    ),
    ("GET", "/api/tokens"): ("/api/tokens", (200,) * 5 + (403, 200), None),
    ("GET", "/api/custom-fields"): ("/api/custom-fields", (200,) * 7, None),
    ("POST", "/api/tokens"): ("/api/tokens", (201,) * 5 + (403, 201), lambda w, a: {"name": a}),
    ("DELETE", "/api/tokens/{id}"): ("/api/tokens/{admin_token}", (404,) * 5 + (403, 204), None),
}


@pytest.fixture
def world(services: Services, admin: User) -> World:
    world = build_world(services, admin)
    world.tokens["portal"] = world.portal_token()
    token_id, _ = services.auth.create_token("admin", "spare")
    world.ids["admin_token"] = token_id
    for actor in ACTORS:
        world.create("Contact", {"last_name": f"For {actor}"}, key=f"own_{actor}")
    return world


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route under this dialect's prefix."""
    out = set()
    for route in app.routes:
        if dialect_of(app.state.dialects, route.path) is DIALECT:  # not OpenCRM's /api/rest
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    out.add((method, route.path))
    return out


def test_every_route_has_a_case(app: Any) -> None:
    assert app_routes(app) == set(CASES)


@pytest.mark.parametrize("key", sorted(CASES))
def test_access(app: Any, world: World, key: tuple[str, str]) -> None:
    path, statuses, body = CASES[key]
    seen = []
    for actor in ACTORS:
        client = ApiClient(
            app, {"Authorization": f"Bearer {world.tokens[actor]}"}, base_url="http://testserver"
        )
        url = path.format(**world.ids, own=world.ids[f"own_{actor}"])
        payload = body(world, actor) if body is not None else None
        answer = client.request(key[0], url, json=payload)
        seen.append(answer.status_code)
        client.close()
    assert tuple(seen) == statuses, seen


def test_custom_fields_are_listed_only_for_models_the_user_may_list(
    app: Any, world: World, services: Services
) -> None:
    """The blocked user may list no model, so sees no custom field (not even their ids)."""
    services.fields.add(world.admin, "Contact", {"name": "tier_c", "type": "Number"})
    seen = {}
    for actor in ("owner", "blocked", "admin"):
        client = ApiClient(
            app, {"Authorization": f"Bearer {world.tokens[actor]}"}, base_url="http://testserver"
        )
        answer = client.get("/api/custom-fields")
        assert answer.status_code == 200, answer.text
        seen[actor] = {f["field_id"] for f in answer.json()["data"]}
        client.close()
    assert "tier_c" in seen["owner"] and "tier_c" in seen["admin"]
    assert seen["blocked"] == set()
