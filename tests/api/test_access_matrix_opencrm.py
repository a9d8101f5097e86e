"""Who may do what through the OpenCRM dialect (/api/rest): each end point family against
every actor of tests/api/acl_world.py, each with its own key pair; statuses as the ACL
decides them through the records service. The portal contact has no key pair (401)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amity.api.dialects import dialect_of
from amity.api.opencrm import DIALECT
from amity.core.services import Services
from tests.api.acl_world import ACTORS, World, build_world
from tests.conftest import ApiClient, User

USERS = {"owner": "alice", "mate": "bob", "other": "carol", "reader": "dave", "blocked": "erin"}
Params = Callable[[World, str], dict[str, Any]]

# end point -> (statuses in ACTORS' order, parameters besides the credentials)
CASES: dict[str, tuple[tuple[int, ...], Params]] = {
    "get_contact_list": ((200, 200, 200, 200, 403, 401, 200), lambda w, a: {}),
    "get_contact_list_count": ((200, 200, 200, 200, 403, 401, 200), lambda w, a: {}),
    "get_contact_list_full": ((200, 200, 200, 200, 403, 401, 200), lambda w, a: {}),
    "get_contact": (
        (200, 200, 404, 200, 403, 401, 200),
        lambda w, a: {"contactid": w.ids["n_contact"]},
    ),
    "edit_contact": (
        (200, 200, 404, 403, 403, 401, 200),
        lambda w, a: {"contactid": w.ids["n_contact"], "firstname": a},
    ),
    "edit_company": ((200, 200, 200, 403, 403, 401, 200), lambda w, a: {"companyname": a}),
    "delete_contact": (
        (200, 200, 404, 403, 403, 401, 200),
        lambda w, a: {"contactid": w.ids[f"n_own_{a}"]},
    ),
    "get_company": (
        (200, 200, 404, 200, 403, 401, 200),
        lambda w, a: {"companyid": w.ids["n_account"]},
    ),
}


@pytest.fixture
def world(services: Services, admin: User) -> World:
    world = build_world(services, admin)
    world.tokens = {"admin": "", "portal": ""}
    keys = {"admin": services.api_keys.create(admin.id)}
    for actor, name in USERS.items():
        keys[actor] = services.api_keys.create(world.users[name])
    world.keys = keys  # type: ignore[attr-defined]
    for actor in ACTORS:
        world.create("Contact", {"last_name": f"For {actor}"}, key=f"own_{actor}")
    numbers = services.record_numbers
    for key in [
        k for k in world.ids if k in ("contact", "account", "carols") or k.startswith("own_")
    ]:
        model = "Account" if key == "account" else "Contact"
        world.ids[f"n_{key}"] = str(numbers.number(model, world.ids[key]))
    return world


def credentials(world: World, actor: str) -> dict[str, str]:
    pair = world.keys.get(actor)  # type: ignore[attr-defined]
    return {"apikey": pair[0], "passkey": pair[1]} if pair else {}


def test_the_dialect_has_one_route_and_every_family_a_case(app: Any) -> None:
    routes = {
        (method, route.path)
        for route in app.routes
        if dialect_of(app.state.dialects, route.path) is DIALECT
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    assert routes == {("GET", "/api/rest/{rest:path}"), ("POST", "/api/rest/{rest:path}")}
    families = {"list", "list_count", "list_full", "get", "edit", "delete"}
    covered = set()
    for end_point in CASES:
        verb, _, rest = end_point.partition("_")
        tail = rest.partition("_")[2]
        covered.add(f"{verb}" if verb != "get" or not tail else tail)
    assert covered == families


@pytest.mark.parametrize("end_point", sorted(CASES))
def test_access(app: Any, world: World, end_point: str) -> None:
    statuses, params = CASES[end_point]
    seen = []
    for actor in ACTORS:
        client = ApiClient(app, base_url="http://testserver/api/rest")
        answer = client.post(
            f"/{end_point}", data={**credentials(world, actor), **params(world, actor)}
        )
        seen.append(answer.status_code)
        if answer.status_code >= 400:
            assert answer.json()["status"] == "error"
        client.close()
    assert tuple(seen) == statuses, seen


def test_lists_hold_only_what_each_user_may_read(app: Any, world: World) -> None:
    client = ApiClient(app, base_url="http://testserver/api/rest")
    try:
        for actor in ("owner", "other", "reader"):
            for end_point in ("get_contact_list", "get_contact_list_full"):
                answer = client.get(f"/{end_point}", params=credentials(world, actor))
                ids = {str(r["contactid"]) for r in answer.json()["data"]}
                assert answer.json()["count"] == len(ids)
                alice_contact, carols = world.ids["n_contact"], world.ids["n_carols"]
                if actor == "other":
                    assert carols in ids and alice_contact not in ids
                else:
                    assert alice_contact in ids
            count = client.get("/get_contact_list_count", params=credentials(world, actor))
            listed = client.get("/get_contact_list", params=credentials(world, actor))
            assert count.json()["count"] == listed.json()["count"]
    finally:
        client.close()
