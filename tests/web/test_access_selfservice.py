"""Who may do what on the self-service and operations pages (/app/account/..., and
/app/admin/api-calls, jobs, webhooks): one case per route with a path parameter, every
actor of tests/api/acl_world.py signed in with a dashboard session cookie (the portal
contact, who has no dashboard session, with its token: the pages want a sign-in). A page
or action the rules deny answers like a missing one (404).

The webhook, token and jobs are alice's (the owner's) and the admin's to manage; every
other user meets a missing page. Actions that end what they act on (delete, revoke) act
on one of alice's per actor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from starlette.routing import Route

from amity.config import Settings
from amity.core.auth.sessions import csrf_token_for
from amity.core.clock import utcnow_precise
from amity.core.jobs import Jobs
from amity.core.services import Services
from amity.web.views import account, ops
from tests.api.acl_world import ACTORS
from tests.conftest import ApiClient, loopback_webhook_settings
from tests.web.world import WebWorld, build_web_world
from tests.webhook_receiver import Receiver, receiver

__all__ = ["receiver"]  # a fixture

USERS = {
    "owner": "alice",
    "mate": "bob",
    "other": "carol",
    "reader": "dave",
    "blocked": "erin",
    "admin": "admin",
}
Body = Callable[[dict[str, str]], dict[str, str]]
ADMIN_ONLY = (404, 404, 404, 404, 404, 303, 303)
OWNER_AND_ADMIN = (303, 404, 404, 404, 404, 303, 303)
SHOWN = (200, 404, 404, 404, 404, 303, 200)

# (method, route path) -> (concrete path, statuses in ACTORS' order, form body)
CASES: dict[tuple[str, str], tuple[str, tuple[int, ...], Body | None]] = {
    ("POST", "/app/account/tokens/{id}/revoke"): (
        "/app/account/tokens/{own_token}/revoke",
        (303, 404, 404, 404, 404, 303, 404),  # a token is its user's alone
        None,
    ),
    ("GET", "/app/account/webhooks/{id}"): ("/app/account/webhooks/{hook}", SHOWN, None),
    ("GET", "/app/account/webhooks/{id}/edit"): (
        "/app/account/webhooks/{hook}/edit",
        SHOWN,
        None,
    ),
    ("POST", "/app/account/webhooks/{id}/edit"): (
        "/app/account/webhooks/{hook}/edit",
        OWNER_AND_ADMIN,
        lambda ids: {
            "model": "Contact",
            "type": "create_update",
            "url": ids["url"],
            "payload": "record",
            "action": "save",
        },
    ),
    ("POST", "/app/account/webhooks/{id}/rotate"): (
        "/app/account/webhooks/{hook}/rotate",
        SHOWN,
        None,
    ),
    ("POST", "/app/account/webhooks/{id}/pause"): (
        "/app/account/webhooks/{hook}/pause",
        OWNER_AND_ADMIN,
        None,
    ),
    ("POST", "/app/account/webhooks/{id}/resume"): (
        "/app/account/webhooks/{hook}/resume",
        OWNER_AND_ADMIN,
        None,
    ),
    ("GET", "/app/account/webhooks/{id}/delete"): (
        "/app/account/webhooks/{hook}/delete",
        SHOWN,
        None,
    ),
    ("POST", "/app/account/webhooks/{id}/delete"): (
        "/app/account/webhooks/{own_hook}/delete",
        OWNER_AND_ADMIN,
        None,
    ),
    ("POST", "/app/account/webhooks/{id}/deliveries/{delivery_id}/replay"): (
        "/app/account/webhooks/{hook}/deliveries/{delivery}/replay",
        OWNER_AND_ADMIN,
        None,
    ),
    ("POST", "/app/admin/jobs/{id}/retry"): (
        "/app/admin/jobs/{stopped_job}/retry",
        ADMIN_ONLY,
        None,
    ),
    ("POST", "/app/admin/jobs/{id}/cancel"): (
        "/app/admin/jobs/{own_job}/cancel",
        ADMIN_ONLY,
        None,
    ),
    ("GET", "/app/admin/webhooks/{id}"): (
        "/app/admin/webhooks/{hook}",
        (404, 404, 404, 404, 404, 303, 200),
        None,
    ),
}


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return loopback_webhook_settings(database_url, jwt_key_file)


@pytest.fixture
def web(services: Services, receiver: Receiver) -> WebWorld:
    """The web world with alice's webhook (one delivery logged) and, per actor, a webhook,
    a token and a waiting job to end, and a stopped job to retry."""
    web = build_web_world(services)
    world = web.world
    world.tokens["portal"] = world.portal_token()
    alice = services.sessions.actor(
        services.sessions.start("alice", web.passwords["alice"]).secret, "test"
    )
    assert alice is not None
    hooks = services.webhooks
    body = {"type": "create", "model": "Contact", "url": receiver.url}
    hook = hooks.create(alice, body)[0]["id"]
    delivery = asyncio.run(hooks.test(alice, hook))
    world.ids.update(hook=hook, delivery=delivery["id"], url=receiver.url)
    task = Jobs.periodic()[0]
    for actor in ACTORS:
        world.ids[f"own_hook_{actor}"] = hooks.create(alice, body)[0]["id"]
        world.ids[f"own_token_{actor}"] = services.auth.create_token("alice", actor)[0]
        with services.db.write() as conn:
            job = services.jobs.defer(conn, task, run_at=utcnow_precise() + timedelta(days=1))
            stopped = services.jobs.defer(conn, task, run_at=utcnow_precise() + timedelta(days=1))
        world.ids[f"own_job_{actor}"] = str(job)
        services.jobs.cancel(world.admin, str(stopped))
        world.ids[f"stopped_job_{actor}"] = str(stopped)
    return web


def routes_with_parameters() -> set[tuple[str, str]]:
    out = set()
    for route in (*account.routes, *ops.routes):
        if isinstance(route, Route) and "{" in route.path:
            for method in route.methods or ():
                if method != "HEAD":
                    out.add((method, route.path))
    return out


def test_every_route_with_a_parameter_has_a_case() -> None:
    assert routes_with_parameters() == set(CASES)


def client_of(app: Any, web: WebWorld, actor: str) -> tuple[ApiClient, str]:
    """A client signed in as the actor (the portal contact: with its token), and the CSRF
    token of its forms."""
    if actor not in USERS:
        headers = {"Authorization": f"Bearer {web.world.tokens[actor]}"}
        return ApiClient(app, headers, base_url="http://testserver"), ""
    session = web.world.services.sessions.start(USERS[actor], web.passwords[USERS[actor]])
    client = ApiClient(app, {"Cookie": f"amity_app={session.secret}"}, base_url="http://testserver")
    return client, csrf_token_for(session.secret)


@pytest.mark.parametrize("key", sorted(CASES))
def test_access(app: Any, web: WebWorld, key: tuple[str, str]) -> None:
    path, statuses, body = CASES[key]
    ids = web.world.ids
    seen = []
    for actor in ACTORS:
        client, csrf = client_of(app, web, actor)
        url = path.format(
            **ids,
            own_hook=ids[f"own_hook_{actor}"],
            own_token=ids[f"own_token_{actor}"],
            own_job=ids[f"own_job_{actor}"],
            stopped_job=ids[f"stopped_job_{actor}"],
        )
        if key[0] == "GET":
            answer = client.get(url)
        else:
            form = {"csrf_token": csrf, **(body(ids) if body is not None else {})}
            answer = client.post(url, data=form)
        seen.append(answer.status_code)
        client.close()
    assert tuple(seen) == statuses, seen
