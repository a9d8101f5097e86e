"""The /docs API reference page renders the live document in a real browser."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser import browser_page
from tests.e2e.test_serve import Server, server, server_env, token

__all__ = ["browser_page", "server", "server_env", "token"]  # fixtures used below
LOADED = 120_000  # ms: rendering the whole document takes a while on a busy machine


def test_docs_page_lists_the_models_operations(server: Server, browser_page: Any) -> None:
    page = browser_page
    site = server.base.removesuffix("/api.php")
    page.goto(f"{site}/docs")
    page.get_by_text("Amity CRM API (1CRM dialect)").first.wait_for(timeout=LOADED)
    page.locator("[data-path='/data/Contact/{id}']").first.wait_for(timeout=LOADED)
    assert page.locator("[data-path='/data/aCase']").count() > 0
    errors = page.locator(".errors-wrapper")
    assert errors.count() == 0 or "Resolver error" not in errors.first.inner_text()


def test_docs_page_opens_with_the_data_endpoints_and_a_search_box(
    server: Server, browser_page: Any
) -> None:
    page = browser_page
    page.goto(f"{server.base.removesuffix('/api.php')}/docs")
    page.locator(".opblock-tag-section").first.wait_for(timeout=LOADED)
    first_tag = page.locator(".opblock-tag-section h3").first.get_attribute("data-tag")
    assert first_tag == "Account"  # the models' records first, administration after them
    page.locator("input.operation-filter-input").fill("Contact")
    page.locator(".opblock-tag-section h3[data-tag='Contact']").wait_for(timeout=10_000)
    assert page.locator(".opblock-tag-section h3[data-tag='Administration']").count() == 0


def test_try_it_out_on_the_contact_list_works_without_editing(
    server: Server, token: str, browser_page: Any
) -> None:
    """Authorize with a token, then Try it out -> Execute on GET /data/Contact: 200 and
    records, with nothing typed into the operation's fields."""
    page = browser_page
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(
        f"{server.base}/data/Contact",
        headers=headers,
        json={"data": {"first_name": "Ada", "last_name": "Lovelace"}},
    ).raise_for_status()
    page.goto(f"{server.base.removesuffix('/api.php')}/docs#/Contact/listContact")
    page.locator(".auth-wrapper button.authorize").click(timeout=LOADED)
    dialog = page.locator(".dialog-ux")
    dialog.locator("#auth-bearer-value").fill(token)
    bearer = dialog.locator(".auth-container").filter(has=page.locator("#auth-bearer-value"))
    bearer.locator("button.authorize").click()
    dialog.locator("button.close-modal").click()
    operation = page.locator("#operations-Contact-listContact")
    operation.locator("button.try-out__btn").click()
    with page.expect_response(lambda r: "/api.php/data/Contact" in r.url) as answer:
        operation.locator("button.execute").click()
    response = answer.value
    assert response.status == 200, f"{response.url} -> {response.status}: {response.text()}"
    body = response.json()
    assert body["total_results"] >= 1 and body["records"]
    status = operation.locator(".live-responses-table tr.response .response-col_status")
    assert status.inner_text().strip() == "200"
