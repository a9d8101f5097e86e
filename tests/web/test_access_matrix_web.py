"""Who may open which dashboard page and send which form, as the access rules decide
through the records service; and every /app route with a path parameter has a case in
one of tests/web/test_access_*.py."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from amity.core.services import Services
from tests.web.access import Case, add_own_records, run_case
from tests.web.world import WebWorld, build_web_world

DENIED_CHANGE = (303, 303, 404, 404, 404, 303, 303)  # the form answers with a redirect
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/app/{model}"): Case("/app/Contact", (200, 200, 200, 200, 404, 303, 200)),
    ("GET", "/app/lookup/{model}"): Case(
        "/app/lookup/Account?q=Ac", (200, 200, 200, 200, 404, 303, 200)
    ),
    ("GET", "/app/{model}/new"): Case("/app/Account/new", (200, 200, 200, 404, 404, 303, 200)),
    ("POST", "/app/{model}/new"): Case(
        "/app/Account/new",
        (303, 303, 303, 404, 404, 303, 303),
        lambda w, a: {"_fields": "name", "name": f"By {a}"},
    ),
    ("GET", "/app/{model}/{id}"): Case(
        "/app/Contact/{contact}", (200, 200, 404, 200, 404, 303, 200)
    ),
    ("GET", "/app/{model}/{id}/edit"): Case(
        "/app/Contact/{contact}/edit", (200, 200, 404, 404, 404, 303, 200)
    ),
    ("POST", "/app/{model}/{id}/edit"): Case(
        "/app/Contact/{contact}/edit",
        DENIED_CHANGE,
        lambda w, a: {"_fields": "title", "title": f"By {a}"},
    ),
    ("GET", "/app/{model}/{id}/delete"): Case(
        "/app/Contact/{contact}/delete", (200, 200, 404, 404, 404, 303, 200)
    ),
    ("POST", "/app/{model}/{id}/delete"): Case("/app/Contact/{own}/delete", DENIED_CHANGE),
}


@pytest.fixture
def web(services: Services) -> WebWorld:
    web = build_web_world(services)
    add_own_records(web)
    return web


def declared_cases() -> set[tuple[str, str]]:
    """The (method, path) of every case in tests/web/test_access_*.py."""
    out: set[tuple[str, str]] = set()
    for path in Path(__file__).parent.glob("test_access_*.py"):
        module = importlib.import_module(f"tests.web.{path.stem}")
        out |= set(getattr(module, "CASES", {}))
    return out


def web_routes(app: Any) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/app/") and "{" in path:
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    out.add((method, path))
    return out


def test_every_dashboard_route_with_a_parameter_has_a_case(app: Any) -> None:
    missing = sorted(web_routes(app) - declared_cases())
    assert not missing, f"add access cases in tests/web/test_access_*.py for {missing}"


def test_every_case_names_a_route(app: Any) -> None:
    assert not sorted(declared_cases() - web_routes(app))


@pytest.mark.parametrize("key", sorted(CASES))
def test_access(app: Any, web: WebWorld, key: tuple[str, str]) -> None:
    case = CASES[key]
    assert run_case(app, web, key[0], case) == case.expect
