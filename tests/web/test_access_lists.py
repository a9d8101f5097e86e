"""Who may use the list routes with path parameters (the CSV export, the favorite star):
one case per route, the dashboard users of tests/api/acl_world.py signed in with the
dashboard session cookie; what the ACL denies answers like a missing record (404)."""

from __future__ import annotations

import pytest

from amity.web.views import lists
from tests.conftest import ApiClient
from tests.web.test_pages import browser, csrf_of, sign_in, web  # noqa: F401
from tests.web.world import WebWorld

USERS = ("alice", "bob", "carol", "dave", "erin", "admin")  # owner, mate, other, reader,
# blocked, admin (a portal contact has no dashboard sign-in)

# (method, route path) -> (concrete path, statuses in USERS' order)
CASES: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {
    ("GET", "/app/export/{model}"): ("/app/export/Contact", (200, 200, 200, 200, 404, 200)),
    ("POST", "/app/{model}/{id}/favorite"): (
        "/app/Contact/{contact}/favorite",
        (303, 303, 404, 303, 404, 303),
    ),
}
MISSING = {  # the same routes on what does not exist: 404 for everyone
    ("GET", "/app/export/{model}"): "/app/export/NoSuchModel",
    ("POST", "/app/{model}/{id}/favorite"): (
        "/app/Contact/00000000-0000-4000-8000-000000000000/favorite"
    ),
}


def test_every_route_with_a_path_parameter_has_a_case() -> None:
    routes = {
        (method, route.path)
        for route in lists.routes
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD" and "{" in route.path
    }
    assert routes == set(CASES) == set(MISSING)


@pytest.mark.parametrize("key", sorted(CASES))
def test_access(key: tuple[str, str], browser: ApiClient, web: WebWorld) -> None:  # noqa: F811
    method, _ = key
    path, statuses = CASES[key]
    for user, expected in zip(USERS, statuses, strict=True):
        sign_in(browser, web, user)
        token = csrf_of(browser.get("/app/password").text)
        concrete = path.format(**web.ids)
        if method == "GET":
            answer = browser.get(concrete)
        else:
            answer = browser.post(concrete, data={"csrf_token": token})
        assert answer.status_code == expected, (user, concrete, answer.text[:300])
        missing = MISSING[key]
        if method == "GET":
            answer = browser.get(missing)
        else:
            answer = browser.post(missing, data={"csrf_token": token})
        assert answer.status_code == 404, (user, missing)
