"""405 answers: every known path refuses an unlisted method with 405 and an Allow header
naming every method the path takes, whichever route declares it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from amity.api.dialects import dialect_of
from tests.conftest import ApiClient

ID = "7eba2a01-6cb6-f38c-d4c2-5a8fc2def9d2"


def allowed(resp: Any) -> set[str]:
    """The methods of a 405's Allow header, after checking the 1CRM error shape."""
    assert resp.status_code == 405, (resp.status_code, resp.text[:300])
    body = resp.json()
    assert set(body) == {"error", "message", "hint"} and body["error"] == "method_not_allowed"
    return {m.strip() for m in resp.headers["allow"].split(",")}


@pytest.mark.parametrize(
    "method,path,methods",
    [
        ("PUT", "/data/Account", {"GET", "HEAD", "POST"}),
        ("DELETE", "/data/Account", {"GET", "HEAD", "POST"}),
        ("POST", f"/data/Account/{ID}", {"GET", "HEAD", "PATCH", "PUT", "DELETE"}),
        ("PUT", f"/data/Account/{ID}/contacts", {"GET", "HEAD", "POST"}),
        ("GET", f"/data/Account/{ID}/contacts/{ID}", {"DELETE"}),
        ("PATCH", "/session", {"GET", "HEAD", "POST", "DELETE"}),
        ("PUT", "/admin/fields/Account", {"GET", "HEAD", "POST"}),
        ("POST", "/admin/fields/Account/color", {"GET", "HEAD", "PATCH", "PUT", "DELETE"}),
        # favorites and related records share a shape: the path takes both routes' methods
        ("DELETE", f"/data/favorites/Account/{ID}", {"GET", "HEAD", "POST"}),
    ],
)
def test_allow_names_every_method_of_the_path(
    api: ApiClient, method: str, path: str, methods: set[str]
) -> None:
    assert allowed(api.request(method, path)) == methods


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "BREW"])
def test_undeclared_methods_are_405_on_every_route(app: Any, api: ApiClient, method: str) -> None:
    for route in app.routes:
        if not getattr(route, "methods", None):
            continue  # mounts (static files) answer for themselves
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        resp = api.request(method, f"http://testserver{path}")
        if dialect_of(app.state.dialects, path) is not None:  # another dialect's error shape
            assert resp.status_code == 405, (method, path)
            allow = {m.strip() for m in resp.headers["allow"].split(",")}
            assert allow >= set(route.methods), (method, path)
            continue
        assert allowed(resp) >= set(route.methods), (method, path)


def test_an_unknown_path_stays_404_for_any_method(api: ApiClient) -> None:
    for method in ("GET", "TRACE", "PROPFIND"):
        resp = api.request(method, "/no/such/endpoint")
        assert resp.status_code == 404 and resp.json()["error"] == "not_found"


def test_options_is_405_with_allow(anon: ApiClient) -> None:
    assert allowed(anon.request("OPTIONS", "/data/Account")) == {"GET", "HEAD", "POST"}


def test_static_files_keep_their_allow(anon: ApiClient) -> None:
    assert allowed(anon.post("http://testserver/docs/static/any.css")) == {"GET", "HEAD"}
