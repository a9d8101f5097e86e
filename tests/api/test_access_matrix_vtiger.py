"""Who may do what through the Vtiger RestfulApi dialect (/modules/RestfulApi): every
actor of tests/api/acl_world.py logs in for a token (the portal contact has none: its
portal token is no login token), and the statuses are the ACL's, in both URL forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amity.api.vtiger import DIALECT
from amity.core.services import Services
from tests.api.acl_world import ACTORS, World, build_world
from tests.conftest import ApiClient, User

BASE = "/modules/RestfulApi"
USERS = {"owner": "alice", "mate": "bob", "other": "carol", "reader": "dave", "blocked": "erin"}
Url = Callable[[dict[str, str], str], str]  # (record numbers, token) -> path and query

LIST = (200, 200, 200, 200, 403, 401, 200)
READ = (200, 200, 404, 200, 403, 401, 200)
CREATE = (200, 200, 200, 403, 403, 401, 200)
CHANGE = (200, 200, 404, 403, 403, 401, 200)

# name -> (method, url, statuses in ACTORS' order, JSON body)
CASES: dict[str, tuple[str, Url, tuple[int, ...], dict[str, Any] | None]] = {
    "list": ("GET", lambda n, t: f"{BASE}/Contacts/{t}", LIST, None),
    "list?": ("GET", lambda n, t: f"{BASE}/index.php?module=Contacts&token={t}", LIST, None),
    "list at root": ("GET", lambda n, t: f"{BASE}?module=Contacts&token={t}", LIST, None),
    "read": ("GET", lambda n, t: f"{BASE}/Contacts/{n['contact']}/{t}", READ, None),
    "read?": (
        "GET",
        lambda n, t: f"{BASE}/index.php?module=Contacts&id={n['contact']}&token={t}",
        READ,
        None,
    ),
    "picklist": ("GET", lambda n, t: f"{BASE}/Contacts/picklist/leadsource/{t}", LIST, None),
    "create": ("POST", lambda n, t: f"{BASE}/Accounts/{t}", CREATE, {"accountname": "Made"}),
    "create at root": (
        "POST",
        lambda n, t: f"{BASE}?module=Accounts&token={t}",
        CREATE,
        {"accountname": "Made"},
    ),
    "update": (
        "PUT",
        lambda n, t: f"{BASE}/Contacts/{n['contact']}/{t}",
        CHANGE,
        {"firstname": "X"},
    ),
    "update?": (
        "PUT",
        lambda n, t: f"{BASE}/index.php?module=Contacts&id={n['contact']}&token={t}",
        CHANGE,
        {"firstname": "Y"},
    ),
    "delete": ("DELETE", lambda n, t: f"{BASE}/Contacts/{n['own']}/{t}", CHANGE, None),
    "delete at root": (
        "DELETE",
        lambda n, t: f"{BASE}?module=Contacts&id={n['own']}&token={t}",
        CHANGE,
        None,
    ),
}
ROUTES = {  # every route of the dialect, and a case that goes through it
    ("GET", BASE): "list at root",
    ("POST", BASE): "create at root",
    ("PUT", BASE): "update?",
    ("DELETE", BASE): "delete at root",
    ("GET", BASE + "/{call:path}"): "list",
    ("POST", BASE + "/{call:path}"): "create",
    ("PUT", BASE + "/{call:path}"): "update",
    ("DELETE", BASE + "/{call:path}"): "delete",
}


@pytest.fixture
def world(services: Services, admin: User) -> World:
    world = build_world(services, admin)
    for actor in ACTORS:
        world.create("Contact", {"last_name": f"For {actor}"}, key=f"own_{actor}")
    return world


def login_tokens(services: Services, world: World) -> dict[str, str]:
    tokens = {
        actor: services.vtiger_tokens.issue(world.users[name]) for actor, name in USERS.items()
    }
    tokens["admin"] = services.vtiger_tokens.issue(world.users["admin"])
    tokens["portal"] = world.tokens["portal"]
    return tokens


def app_routes(app: Any) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        if DIALECT.owns(route.path):
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    out.add((method, route.path))
    return out


def test_every_route_has_a_case(app: Any) -> None:
    assert app_routes(app) == set(ROUTES)
    assert set(ROUTES.values()) <= set(CASES)


def number(services: Services, model: str, record_id: str) -> str:
    return str(services.record_numbers.number(model, record_id))


@pytest.mark.parametrize("name", sorted(CASES))
def test_access(app: Any, services: Services, world: World, name: str) -> None:
    method, url, statuses, body = CASES[name]
    tokens = login_tokens(services, world)
    seen = []
    client = ApiClient(app, base_url="http://testserver")
    for actor in ACTORS:
        numbers = {
            "contact": number(services, "Contact", world.ids["contact"]),
            "own": number(services, "Contact", world.ids[f"own_{actor}"]),
        }
        answer = client.request(method, url(numbers, tokens[actor]), json=body)
        if answer.status_code >= 400:
            assert answer.json()["success"] is False, answer.text
        seen.append(answer.status_code)
    client.close()
    assert tuple(seen) == statuses, seen


def test_lists_show_only_what_the_acl_lets_each_user_read(
    app: Any, services: Services, world: World
) -> None:
    tokens = login_tokens(services, world)
    client = ApiClient(app, base_url="http://testserver")
    try:
        seen = {}
        for actor in ("owner", "other", "reader"):
            rows = client.get(f"{BASE}/Contacts/{tokens[actor]}").json()["result"]
            seen[actor] = {row["lastname"] for row in rows}
        assert "Carols" not in seen["owner"] and "Portal" in seen["owner"]
        assert seen["other"] == {"Carols"}  # carol reads only her own
        assert {"Carols", "Portal"} <= seen["reader"]
        # and what is hidden cannot be found by criteria either
        hidden = client.get(
            f"{BASE}/Contacts/criteria/vtiger_contactdetails.lastname:Portal/{tokens['other']}"
        )
        assert hidden.status_code == 200 and hidden.json()["result"] == []
    finally:
        client.close()
