"""The dashboard's access matrix, shared by tests/web/test_access_*.py: each of those
modules declares `CASES`, one per (method, route path) under /app with a path parameter,
and tests/web/test_access_matrix_web.py checks that every such route has one.

A case is a request and the status each dashboard actor gets, in WEB_ACTORS order:
owner (alice, team east, role staff), mate (bob, team east), other (carol, team west),
reader (dave: reads all, changes nothing), blocked (erin: no model), anonymous (no
session: the sign-in page, 303), admin. A denied page answers like a missing one (404).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import ApiClient
from tests.web.world import WebWorld

WEB_ACTORS = ("owner", "mate", "other", "reader", "blocked", "anonymous", "admin")
USER_OF = {
    "owner": "alice",
    "mate": "bob",
    "other": "carol",
    "reader": "dave",
    "blocked": "erin",
    "admin": "admin",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
Form = Callable[[WebWorld, str], dict[str, Any]]  # (world, actor) -> the posted form


@dataclass(frozen=True)
class Case:
    url: str  # '{key}' is replaced by world.ids[key]; '{own}' by the actor's own record
    expect: tuple[int, int, int, int, int, int, int]
    form: Form | None = None  # a POST's fields (the CSRF token is added)


def signed_in(app: Any, web: WebWorld, actor: str) -> tuple[ApiClient, str]:
    """A cookie-keeping client signed in as the actor (none for anonymous), and the CSRF
    token of its forms."""
    client = ApiClient(app, base_url="http://testserver")
    if actor == "anonymous":
        return client, ""
    user = USER_OF[actor]
    session = web.world.services.sessions.start(user, web.passwords[user])
    client._client.cookies.set("amity_app", session.secret)
    from amity.core.auth.sessions import csrf_token_for

    return client, csrf_token_for(session.secret)


def run_case(app: Any, web: WebWorld, method: str, case: Case) -> tuple[int, ...]:
    """The status each actor gets for the case."""
    seen = []
    for actor in WEB_ACTORS:
        client, token = signed_in(app, web, actor)
        own = web.ids.get(f"own_{actor}", "")
        url = case.url.format(**web.ids, own=own)
        try:
            if method == "POST":
                form = case.form(web, actor) if case.form is not None else {}
                answer = client.post(url, data={"csrf_token": token, **form})
            else:
                answer = client.get(url)
        finally:
            client.close()
        seen.append(answer.status_code)
    return tuple(seen)


def add_own_records(web: WebWorld) -> None:
    """A contact of alice's for each actor, for cases that change or delete one."""
    for actor in WEB_ACTORS:
        web.ids[f"own_{actor}"] = web.world.create("Contact", {"last_name": f"For {actor}"})
