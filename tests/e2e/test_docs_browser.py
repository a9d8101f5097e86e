"""The /docs API reference page renders the live document in a real browser."""

from __future__ import annotations

from typing import Any

from tests.browser import browser_page
from tests.e2e.test_serve import Server, server, server_env

__all__ = ["browser_page", "server", "server_env"]  # fixtures used below


def test_docs_page_lists_the_models_operations(server: Server, browser_page: Any) -> None:
    page = browser_page
    site = server.base.removesuffix("/api.php")
    page.goto(f"{site}/docs")
    page.get_by_text("Amity CRM API (1CRM dialect)").first.wait_for(timeout=30_000)
    page.locator("[data-path='/data/Contact/{id}']").first.wait_for(timeout=30_000)
    assert page.locator("[data-path='/data/aCase']").count() > 0
    errors = page.locator(".errors-wrapper")
    assert errors.count() == 0 or "Resolver error" not in errors.first.inner_text()
