"""Browser flows of the admin console: a user and a role, a custom field in the form, an
OAuth client, the list layout, a team. Names are unique: the live site is shared."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.web.conftest import LiveSite, sign_in

PASSWORD = "browser-admin-pw-7"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_an_admin_creates_a_user_and_a_role_the_user_then_has(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    user, role = unique("ursula"), unique("Contacts only ")
    page.goto("/app/admin/users")
    page.fill("#user_name", user)
    page.fill("#last_name", "Reader")
    page.fill("#password", PASSWORD)
    page.click("#save-user")
    assert page.locator("#user-created").is_visible()
    assert page.locator("#new-password").count() == 0  # typed, so not shown
    page.goto("/app/admin/roles")
    page.fill("#name", role)
    page.click("#save-role")
    page.wait_for_url(re.compile(r"/app/admin/roles/.+"))
    page.check("#r-Contact-access")
    page.select_option("#r-Contact-read", "all")
    page.click("#save-rights")
    assert page.locator("#role-saved").is_visible()
    page.select_option("#user_name", user)
    page.click("#assign-role")
    assert user in page.locator("#role-users").inner_text()
    page.click("#sign-out")
    sign_in(page, user, PASSWORD)
    menu = page.locator("nav.menu").inner_html()
    assert 'href="/app/Contact"' in menu and 'href="/app/Account"' not in menu
    assert page.locator("a[href='/app/admin']").count() == 0
    assert page.goto("/app/Contact").status == 200
    assert page.locator("#new-record").count() == 1
    assert page.goto("/app/Account").status == 404  # no access to other models
    assert page.goto("/app/Contact/new").status == 404  # reading is all the role allows
    assert page.goto("/app/admin/users").status == 404


def test_a_custom_field_appears_in_the_form_and_its_value_saves(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    name = unique("seat") + "_c"
    page.goto("/app/admin/fields/Contact")
    page.fill("#name", name)
    page.fill("#label", "Seat preference")
    page.select_option("#type", "Text")
    page.click("#save-field")
    assert page.locator(f"tr[data-field={name}]").is_visible()
    page.goto("/app/Contact/new")
    page.fill("#f-last_name", "Seated")
    assert page.locator(f"label[for=f-{name}]").inner_text() == "Seat preference"
    page.fill(f"#f-{name}", "Window")
    page.click("#save")
    page.wait_for_url(re.compile(r"/app/Contact/[0-9a-f-]{36}$"))
    assert page.locator(f"dd[data-field={name}]").inner_text() == "Window"
    services, admin = live_site.services, live_site.world.world.admin
    services.fields.list(admin, "Contact")  # this process reads the new metadata too
    stored = services.records.get(admin, "Contact", page.url.rsplit("/", 1)[1])
    assert stored[name] == "Window"


def test_an_admin_adds_an_oauth_client_whose_secret_is_shown_once(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    name = unique("Browser app ")
    page.goto("/app/admin/clients")
    page.fill("#name", name)
    page.fill("#redirect_uris", "https://app.example.com/callback")
    page.click("#save-client")
    secret = page.locator("#new-client-secret").inner_text()
    client_id = page.locator("#new-client-id").inner_text()
    assert len(secret) > 30
    assert live_site.services.clients.verify_secret(client_id, secret)
    page.goto("/app/admin/clients")
    assert secret not in page.content()
    assert page.locator(f"tr[data-client='{client_id}']").is_visible()
    page.click(f"tr[data-client='{client_id}'] button")
    page.wait_for_url(re.compile(r"/app/admin/clients$"))
    assert page.locator(f"tr[data-client='{client_id}']").count() == 0


def test_an_admin_changes_the_contact_list_columns(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    world = live_site.world.world
    last = unique("Columned")
    world.create("Contact", {"last_name": last, "title": "Chief Columnist"})
    try:
        page.goto("/app/admin/layouts/Contact")
        columns = page.locator("input[name=columns]:checked").evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
        assert "title" not in columns
        page.check("#col-title")
        page.fill("#pos-title", "1.5")  # between the first and the second column
        page.click("#save-list-layout")
        assert page.locator("#layout-saved").is_visible()
        page.goto(f"/app/Contact?filter_text={last}")
        headers = [h.strip() for h in page.locator("thead th").all_inner_texts()]
        assert headers[0] == "Favorite"  # the star column, then the layout's columns
        assert headers[2] == "Title", headers
        assert last in page.locator("tbody tr").first.inner_text()
        assert len(headers) == len(columns) + 2
    finally:  # the other flows of the shared site expect the built-in list
        live_site.services.layouts.reset(world.admin, "Contact", "list", "Standard")


def test_a_team_is_created_with_members(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    team = unique("Team ")
    page.goto("/app/admin/teams")
    page.fill("#name", team)
    page.select_option("#members", ["alice", "dave"])
    page.click("#save-team")
    page.wait_for_url(re.compile(r"/app/admin/teams/.+"))
    assert page.locator("#team-name").inner_text() == team
    page.select_option("#members", ["fred"])
    page.click("#add-members")
    members = page.locator("#members-list li").all_inner_texts()
    assert {m.split()[0] for m in members} == {"alice", "dave", "fred"}
    stored = live_site.services.acl.get_team(live_site.world.world.admin, team)
    assert sorted(stored["members"]) == ["alice", "dave", "fred"]
