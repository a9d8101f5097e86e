"""Who may do what on the detail page's routes (related lists, files): one case per route
with path parameters, every dashboard user of tests/api/acl_world.py signed in with the
dashboard cookie. What the ACL denies answers like a missing record (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amity.core.services import Services
from amity.web.views import detail
from tests.conftest import ApiClient
from tests.web.test_details import PDF
from tests.web.world import WebWorld, build_web_world

USERS = ("alice", "bob", "carol", "dave", "erin", "admin")  # owner mate other reader blocked
Send = Callable[[ApiClient, dict[str, str], str], Any]


def _get(client: ApiClient, ids: dict[str, str], csrf: str, path: str) -> Any:
    return client.get(path.format(**ids))


def _post(client: ApiClient, ids: dict[str, str], csrf: str, path: str, **data: str) -> Any:
    return client.post(path.format(**ids), data={"csrf_token": csrf, **data})


def _upload(client: ApiClient, ids: dict[str, str], csrf: str, path: str) -> Any:
    return client.post(
        path.format(**ids),
        data={"csrf_token": csrf},
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )


# (method, route path) -> (concrete path, statuses in USERS' order, how to send it)
CASES: dict[tuple[str, str], tuple[str, tuple[int, ...], Any]] = {
    ("GET", "/app/{model}/{id}/related/{link}"): (
        "/app/Contact/{contact}/related/documents",
        (200, 200, 404, 200, 404, 200),
        _get,
    ),
    ("POST", "/app/{model}/{id}/related/{link}"): (
        "/app/Contact/{contact}/related/accounts",
        (303, 303, 404, 404, 404, 303),
        lambda c, ids, t, p: _post(c, ids, t, p, record_id=ids["account"]),
    ),
    ("GET", "/app/{model}/{id}/related/{link}/{target}/remove"): (
        "/app/Contact/{contact}/related/accounts/{account}/remove",
        (200, 200, 404, 404, 404, 200),
        _get,
    ),
    ("POST", "/app/{model}/{id}/related/{link}/{target}/remove"): (
        "/app/Contact/{own}/related/accounts/{account}/remove",
        (303, 303, 404, 404, 404, 303),
        _post,
    ),
    ("GET", "/app/{model}/{id}/files/{field}"): (
        "/app/Note/{note}/files/filename",
        (200, 200, 404, 200, 404, 200),
        _get,
    ),
    ("POST", "/app/{model}/{id}/files/{field}"): (
        "/app/Note/{own_note}/files/filename",
        (303, 303, 404, 404, 404, 303),
        _upload,
    ),
    ("GET", "/app/{model}/{id}/files/{field}/inline"): (
        "/app/Note/{note}/files/filename/inline",
        (200, 200, 404, 200, 404, 200),
        _get,
    ),
    ("GET", "/app/{model}/{id}/files/{field}/remove"): (
        "/app/Note/{note}/files/filename/remove",
        (200, 200, 404, 404, 404, 200),
        _get,
    ),
    ("POST", "/app/{model}/{id}/files/{field}/remove"): (
        "/app/Note/{own_note}/files/filename/remove",
        (303, 303, 404, 404, 404, 303),
        _post,
    ),
}


@pytest.fixture
def site(services: Services) -> WebWorld:
    web = build_web_world(services)
    world = web.world
    note = world.create("Note", {"name": "Attached"}, key="note")
    upload = services.files.keep_bytes(world.admin, PDF, "a.pdf", "application/pdf")
    services.records.update(world.admin, "Note", note, {"filename": upload})
    for user in USERS:
        own = world.create("Contact", {"last_name": f"For {user}"}, key=f"own_{user}")
        world.link("Contact", own, "accounts", world.ids["account"])
        own_note = world.create("Note", {"name": f"For {user}"}, key=f"own_note_{user}")
        upload = services.files.keep_bytes(world.admin, PDF, "a.pdf", "application/pdf")
        services.records.update(world.admin, "Note", own_note, {"filename": upload})
    return web


def detail_routes() -> set[tuple[str, str]]:
    out = set()
    for route in detail.routes:
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD" and "{" in getattr(route, "path", ""):
                out.add((method, route.path))
    return out


def test_every_detail_route_has_a_case() -> None:
    assert detail_routes() == set(CASES)


@pytest.mark.parametrize("key", sorted(CASES))
def test_access(app: Any, site: WebWorld, services: Services, key: tuple[str, str]) -> None:
    path, statuses, send = CASES[key]
    seen = []
    for user in USERS:
        session = services.sessions.start(user, site.passwords[user])
        client = ApiClient(
            app, {"Cookie": f"amity_app={session.secret}"}, base_url="http://testserver"
        )
        ids = {**site.ids, "own": site.ids[f"own_{user}"], "own_note": site.ids[f"own_note_{user}"]}
        answer = send(client, ids, session.csrf_token, path)
        seen.append(answer.status_code)
        client.close()
    assert tuple(seen) == statuses, seen
