"""Who may do what in the admin console (/app/admin/...): one case per route with a path
parameter, every actor of tests/api/acl_world.py that can sign in to the dashboard (the
portal contact cannot), signed in via the dashboard session cookie. For everyone but the
admin, each page and action is a missing page (404) and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amity.core.auth.sessions import csrf_token_for
from amity.core.services import Services
from amity.web.views.admin import routes as admin_routes
from tests.conftest import ApiClient
from tests.web.world import WebWorld, build_web_world

ACTORS = ("alice", "bob", "carol", "dave", "erin", "admin")  # owner mate other reader blocked
Form = Callable[[WebWorld], dict[str, Any]]
DENIED = (404,) * 5

# (method, route path) -> (concrete path, statuses in ACTORS' order, form)
CASES: dict[tuple[str, str], tuple[str, tuple[int, ...], Form | None]] = {
    ("GET", "/app/admin/users/{user}"): ("/app/admin/users/alice", (*DENIED, 200), None),
    ("POST", "/app/admin/users/{user}/active"): (
        "/app/admin/users/zed/active",
        (*DENIED, 303),
        lambda w: {"active": "0"},
    ),
    ("POST", "/app/admin/users/{user}/password"): (
        "/app/admin/users/zed/password",
        (*DENIED, 200),
        lambda w: {"password": ""},
    ),
    ("POST", "/app/admin/users/{user}/role"): (
        "/app/admin/users/zed/role",
        (*DENIED, 303),
        lambda w: {"role": "reader"},
    ),
    ("GET", "/app/admin/roles/{role}"): ("/app/admin/roles/staff", (*DENIED, 200), None),
    ("POST", "/app/admin/roles/{role}"): (
        "/app/admin/roles/reader",
        (*DENIED, 200),
        lambda w: {"description": "Reads"},
    ),
    ("POST", "/app/admin/roles/{role}/users"): (
        "/app/admin/roles/reader/users",
        (*DENIED, 303),
        lambda w: {"user_name": "zed"},
    ),
    ("POST", "/app/admin/roles/{role}/delete"): (
        "/app/admin/roles/spare/delete",
        (*DENIED, 303),
        None,
    ),
    ("GET", "/app/admin/teams/{team}"): ("/app/admin/teams/east", (*DENIED, 200), None),
    ("POST", "/app/admin/teams/{team}/members"): (
        "/app/admin/teams/east/members",
        (*DENIED, 303),
        lambda w: {"members": "zed"},
    ),
    ("POST", "/app/admin/teams/{team}/members/{user}/delete"): (
        "/app/admin/teams/east/members/bob/delete",
        (*DENIED, 303),
        None,
    ),
    ("POST", "/app/admin/teams/{team}/delete"): (
        "/app/admin/teams/spare/delete",
        (*DENIED, 303),
        None,
    ),
    ("POST", "/app/admin/clients/{client_id}/delete"): (
        "/app/admin/clients/{client_id}/delete",
        (*DENIED, 303),
        None,
    ),
    ("GET", "/app/admin/fields/{model}"): ("/app/admin/fields/Contact", (*DENIED, 200), None),
    ("POST", "/app/admin/fields/{model}"): (
        "/app/admin/fields/Contact",
        (*DENIED, 303),
        lambda w: {"name": "matrix_c", "type": "Text"},
    ),
    ("POST", "/app/admin/fields/{model}/{name}/delete"): (
        "/app/admin/fields/Contact/spare_c/delete",
        (*DENIED, 303),
        None,
    ),
    ("POST", "/app/admin/models/{model}/delete"): (
        "/app/admin/models/Subscription/delete",
        (*DENIED, 303),
        None,
    ),
    ("GET", "/app/admin/layouts/{model}"): ("/app/admin/layouts/Contact", (*DENIED, 200), None),
    ("POST", "/app/admin/layouts/{model}/{view}"): (
        "/app/admin/layouts/Contact/detail",
        (*DENIED, 200),
        lambda w: {"sections": "Overview: first_name, last_name"},
    ),
    ("POST", "/app/admin/layouts/{model}/{view}/reset"): (
        "/app/admin/layouts/Account/list/reset",
        (*DENIED, 303),
        None,
    ),
    ("GET", "/app/admin/dependencies/{model}"): (
        "/app/admin/dependencies/Contact",
        (*DENIED, 200),
        None,
    ),
    ("POST", "/app/admin/dependencies/{model}"): (
        "/app/admin/dependencies/Contact",
        (*DENIED, 303),
        lambda w: {"target": "lead_source", "source": "salutation", "map": "Mr.: Cold Call"},
    ),
    ("POST", "/app/admin/dependencies/{model}/{field}/delete"): (
        "/app/admin/dependencies/Account/industry/delete",
        (*DENIED, 303),
        None,
    ),
}


@pytest.fixture
def web(services: Services) -> WebWorld:
    web = build_web_world(services)
    admin = web.world.admin
    services.acl.add_role(admin, "spare")
    services.acl.add_team(admin, "spare")
    services.fields.add(admin, "Contact", {"name": "spare_c", "type": "Text"})
    services.layouts.put(admin, "Account", "list", "Standard", {"columns": ["name"], "filters": []})
    services.picklists.put(
        admin, "Account", "industry", {"source": "account_type", "map": {"Analyst": ["Banking"]}}
    )
    client, _ = services.clients.add(admin, _spec())
    web.world.ids["client_id"] = client["client_id"]
    return web


def _spec() -> Any:
    from amity.core.auth.clients import ClientSpec

    return ClientSpec(name="Matrix app", redirect_uris=["https://app.example.com/cb"])


def parameter_routes() -> set[tuple[str, str]]:
    """(method, path) of every admin route with a path parameter."""
    out = set()
    for route in admin_routes:
        path = getattr(route, "path", "")
        if "{" in path:
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    out.add((method, path))
    return out


def test_every_admin_route_with_a_path_parameter_has_a_case() -> None:
    assert parameter_routes() == set(CASES)


def test_access(app: Any, web: WebWorld) -> None:
    """Every case in one world (each acts on things of its own): a sign-in per actor."""
    cookies = {}
    for name in ACTORS:
        session = web.world.services.sessions.start(name, web.passwords[name])
        cookies[name] = session.secret
    wrong = {}
    for key, (path, statuses, form) in sorted(CASES.items()):
        url = path.format(**web.ids)
        seen = []
        for name in ACTORS:
            client = ApiClient(
                app, {"Cookie": f"amity_app={cookies[name]}"}, base_url="http://testserver"
            )
            data = None
            if key[0] == "POST":
                data = {"csrf_token": csrf_token_for(cookies[name]), **(form(web) if form else {})}
            seen.append(client.request(key[0], url, data=data).status_code)
            client.close()
        if tuple(seen) != statuses:
            wrong[key] = seen
    assert not wrong, wrong
