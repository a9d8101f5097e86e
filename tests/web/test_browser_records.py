"""Browser flows over records: signing in and out, lists, and a record's life."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import LiveSite


def test_sign_in_and_out(page: Any, live_site: LiveSite) -> None:
    page.goto("/app/Contact")  # a page behind the sign-in comes back after it
    page.wait_for_url(re.compile(r"/app/login\?next="))
    page.fill("input[name=user_name]", "alice")
    page.fill("input[name=password]", live_site.world.passwords["alice"])
    page.click("#sign-in")
    page.wait_for_url(re.compile(r"/app/Contact$"))
    assert page.locator("#account").inner_text() == "alice"
    page.click("#sign-out")
    page.wait_for_url(re.compile(r"/app/login$"))
    page.goto("/app/")
    page.wait_for_url(re.compile(r"/app/login"))  # the session has ended


def test_a_wrong_password_keeps_the_user_name(page: Any) -> None:
    page.goto("/app/login")
    page.fill("input[name=user_name]", "alice")
    page.fill("input[name=password]", "not-the-password")
    page.click("#sign-in")
    assert page.locator("#login-error").is_visible()
    assert page.input_value("input[name=user_name]") == "alice"
    assert "/app/login" in page.url


def test_list_with_a_search_sort_and_paging(admin_page: Any) -> None:
    page = admin_page
    page.goto("/app/Contact")
    page.fill("#filter_text", "Pager")
    page.click("#apply-filters")
    assert page.locator("#total").inner_text().startswith("45")
    page.click("th a.sort[data-field=last_name]")
    first = page.locator("tbody tr").first.inner_text()
    assert "Pager 00" in first
    page.click("th a.sort[data-field=last_name]")  # again: descending
    assert "Pager 44" in page.locator("tbody tr").first.inner_text()
    page.click("#next-page")
    assert "Pager 24" in page.locator("tbody tr").first.inner_text()
    assert page.locator("#page-of").inner_text() == "Page 2 of 3"
    page.click("#prev-page")
    assert "Pager 44" in page.locator("tbody tr").first.inner_text()


def test_create_a_contact(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    page.goto("/app/Contact/new")
    page.fill("#f-first_name", "Greta")
    page.fill("#f-last_name", "Browser")
    page.fill("#f-email1", "greta@example.com")
    page.click("#save")
    page.wait_for_url(re.compile(r"/app/Contact/[0-9a-f-]{36}$"))
    assert page.locator("#record-name").inner_text() == "Greta Browser"
    record_id = page.url.rsplit("/", 1)[1]
    stored = live_site.services.records.get(live_site.world.world.admin, "Contact", record_id)
    assert stored["email1"] == "greta@example.com"


def test_a_rejected_value_keeps_the_form(admin_page: Any) -> None:
    page = admin_page
    page.goto("/app/Contact/new")
    page.fill("#f-first_name", "Kept")
    page.fill("#f-last_name", "Typing")
    page.fill("#f-email1", "not an address")
    page.fill("#f-birthdate", "2031-02-03")
    page.click("#save")
    assert page.locator("#f-email1-error").is_visible()
    assert page.input_value("#f-first_name") == "Kept"
    assert page.input_value("#f-last_name") == "Typing"
    assert page.input_value("#f-email1") == "not an address"
    assert page.input_value("#f-birthdate") == "2031-02-03"


def test_edit_and_link_an_account(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    world = live_site.world.world
    contact = world.create("Contact", {"first_name": "Eddie", "last_name": "Edited"})
    page.goto(f"/app/Contact/{contact}/edit")
    page.fill("#f-title", "Head of Tests")
    page.fill("#f-primary_account_id", "Acme")  # the name; the server finds the one Acme
    page.click("#save")
    page.wait_for_url(re.compile(rf"/app/Contact/{contact}$"))
    assert page.locator("dd[data-field=title]").inner_text() == "Head of Tests"
    assert page.locator("dd[data-field=primary_account]").inner_text() == "Acme"
    stored = live_site.services.records.get(world.admin, "Contact", contact)
    assert stored["primary_account_id"] == world.ids["account"]


def test_delete_with_confirmation(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    world = live_site.world.world
    contact = world.create("Contact", {"first_name": "Dora", "last_name": "Deleted"})
    page.goto(f"/app/Contact/{contact}")
    page.click("#delete-record")
    page.click("#confirm-delete")
    page.wait_for_url(re.compile(r"/app/Contact$"))
    assert page.goto(f"/app/Contact/{contact}").status == 404
