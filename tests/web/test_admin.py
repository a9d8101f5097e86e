"""The admin console in-process: administrators only (for everyone else every page and
action is missing), CSRF on every form, the core's rules and messages (never a 500)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amity.core.auth.sessions import csrf_token_for
from amity.core.services import Services
from amity.web.views.admin import routes as admin_routes
from tests.conftest import ApiClient
from tests.web.world import WebWorld, build_web_world

SignIn = Callable[[Any, WebWorld, str], tuple[ApiClient, str]]
NON_ADMINS = ("alice", "bob", "carol", "dave", "erin", "fred", "nora", "zed")


@pytest.fixture
def web(services: Services) -> WebWorld:
    return build_web_world(services)


def admin_paths() -> list[tuple[str, str]]:
    """(method, path) of every admin route, with its path parameters filled in."""
    params = {
        "user": "alice",
        "role": "staff",
        "team": "east",
        "client_id": "0" * 32,
        "model": "Contact",
        "name": "tier_c",
        "view": "list",
        "field": "status",
    }
    out = []
    for route in admin_routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                out.append((method, route.path.format(**params)))  # type: ignore[attr-defined]
    return out


@pytest.fixture
def signed_in(app: Any) -> Iterator[SignIn]:
    """Clients with a user's dashboard cookie (closed after the test, whatever happens)."""
    made: list[ApiClient] = []

    def sign(app: Any, web: WebWorld, name: str) -> tuple[ApiClient, str]:
        client, token = _signed_in(app, web, name)
        made.append(client)
        return client, token

    yield sign
    for client in made:
        client.close()


def _signed_in(app: Any, web: WebWorld, name: str) -> tuple[ApiClient, str]:
    """A client with the user's dashboard cookie, and the session's CSRF token."""
    session = web.world.services.sessions.start(name, web.passwords[name])
    client = ApiClient(app, {"Cookie": f"amity_app={session.secret}"}, base_url="http://testserver")
    return client, csrf_token_for(session.secret)


def test_every_admin_page_and_action_is_missing_for_non_admins(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    services = web.world.services
    before = (len(services.auth.list_users()), len(services.acl.list_roles(web.world.admin)))
    for name in NON_ADMINS:
        client, token = signed_in(app, web, name)
        for method, path in admin_paths():
            data = {"csrf_token": token, "user_name": "intruder", "name": "Intruder"}
            answer = client.request(method, path, data=data if method == "POST" else None)
            assert answer.status_code == 404, (name, method, path, answer.status_code)
            assert "Not found" in answer.text or "Nicht gefunden" in answer.text
    after = (len(services.auth.list_users()), len(services.acl.list_roles(web.world.admin)))
    assert after == before


def test_the_admin_sees_every_page(app: Any, web: WebWorld, signed_in: SignIn) -> None:
    client, _ = signed_in(app, web, "admin")
    index = client.get("/app/admin")
    assert index.status_code == 200
    for link in ("users", "roles", "teams", "clients", "fields", "models", "layouts"):
        assert f'href="/app/admin/{link}"' in index.text
    for link in ("api-calls", "jobs", "webhooks"):  # pages of the console built elsewhere
        assert f'href="/app/admin/{link}"' in index.text
    for method, path in admin_paths():
        if method == "GET":
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text)


def test_every_admin_form_needs_the_csrf_token(app: Any, web: WebWorld, signed_in: SignIn) -> None:
    client, _ = signed_in(app, web, "admin")
    for method, path in admin_paths():
        if method == "POST":
            for token in ("", "forged"):
                answer = client.post(path, data={"csrf_token": token, "user_name": "forged"})
                assert answer.status_code == 403, (path, answer.status_code)
    assert all(u["user_name"] != "forged" for u in web.world.services.auth.list_users())


def test_add_a_user_with_a_generated_password_shown_once(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    client, token = signed_in(app, web, "admin")
    answer = client.post(
        "/app/admin/users",
        data={
            "csrf_token": token,
            "user_name": "gina",
            "first_name": "Gina",
            "last_name": "Generated",
            "email1": "gina@example.com",
        },
    )
    assert answer.status_code == 200, answer.text
    password = answer.text.split('id="new-password">', 1)[1].split("<", 1)[0]
    services = web.world.services
    user = services.auth.check_password("gina", password)  # the password shown works
    assert user["last_name"] == "Generated" and not user["is_admin"]
    assert password not in client.get("/app/admin/users").text  # shown only once


def test_bad_input_shows_the_core_message_and_keeps_the_form(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    client, token = signed_in(app, web, "admin")
    taken = client.post(
        "/app/admin/users",
        data={"csrf_token": token, "user_name": "alice", "first_name": "Second Alice"},
    )
    assert taken.status_code == 400
    assert "User alice already exists" in taken.text and 'value="Second Alice"' in taken.text
    weak = client.post(
        "/app/admin/users", data={"csrf_token": token, "user_name": "weak", "password": "x"}
    )
    assert weak.status_code == 400 and 'id="admin-error"' in weak.text
    field = client.post(
        "/app/admin/fields/Contact",
        data={"csrf_token": token, "name": "tier_c", "type": "Bogus", "label": "Tier"},
    )
    assert field.status_code == 400
    assert "Unknown custom field type" in field.text and 'value="Tier"' in field.text
    bad_name = client.post(
        "/app/admin/fields/Contact", data={"csrf_token": token, "name": "Tier", "type": "Text"}
    )
    assert bad_name.status_code == 400 and "Invalid custom field name" in bad_name.text
    picklist = client.post(
        "/app/admin/fields/Contact", data={"csrf_token": token, "name": "tier_c", "type": "Select"}
    )
    assert picklist.status_code == 400 and "needs options" in picklist.text
    role = client.post("/app/admin/roles", data={"csrf_token": token, "name": "staff"})
    assert role.status_code == 400 and "Role staff already exists" in role.text
    team = client.post("/app/admin/teams", data={"csrf_token": token, "name": "east"})
    assert team.status_code == 400 and "Team east already exists" in team.text
    client_answer = client.post(
        "/app/admin/clients",
        data={"csrf_token": token, "name": "App", "grants": "authorization_code"},
    )
    assert client_answer.status_code == 400 and "redirect URI" in client_answer.text
    model = client.post("/app/admin/models", data={"csrf_token": token, "name": "lower"})
    assert model.status_code == 400 and "Invalid model name" in model.text
    layout = client.post(
        "/app/admin/layouts/Contact/list", data={"csrf_token": token, "columns": "nonsense"}
    )
    assert layout.status_code == 400 and "nonsense" in layout.text
    dependency = client.post(
        "/app/admin/dependencies/Contact",
        data={"csrf_token": token, "target": "lead_source", "source": "salutation", "map": "X: Y"},
    )
    assert dependency.status_code == 400 and 'id="admin-error"' in dependency.text


def test_the_last_admin_cannot_be_deactivated(app: Any, web: WebWorld, signed_in: SignIn) -> None:
    client, token = signed_in(app, web, "admin")
    answer = client.post("/app/admin/users/admin/active", data={"csrf_token": token, "active": "0"})
    assert answer.status_code == 409
    assert "last active administrator" in answer.text
    user = web.world.services.auth.user_by_name("admin")
    assert user["status"] == "Active"


def test_deactivate_activate_reset_password_and_role(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    client, token = signed_in(app, web, "admin")
    services = web.world.services
    assert (
        client.post(
            "/app/admin/users/zed/active", data={"csrf_token": token, "active": "0"}
        ).status_code
        == 303
    )
    assert services.auth.user_by_name("zed")["status"] == "Inactive"
    assert (
        client.post(
            "/app/admin/users/zed/active", data={"csrf_token": token, "active": "1"}
        ).status_code
        == 303
    )
    assert services.auth.user_by_name("zed")["status"] == "Active"
    reset = client.post("/app/admin/users/zed/password", data={"csrf_token": token})
    password = reset.text.split('id="new-password">', 1)[1].split("<", 1)[0]
    assert services.auth.check_password("zed", password)["user_name"] == "zed"
    assert (
        client.post(
            "/app/admin/users/zed/role", data={"csrf_token": token, "role": "reader"}
        ).status_code
        == 303
    )
    assert services.acl.role_and_teams(web.world.users["zed"])[0] == "reader"
    assert client.get("/app/admin/users/nobody-here").status_code == 404


def test_the_rights_grid_saves_what_the_core_takes(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    client, token = signed_in(app, web, "admin")
    acl, admin = web.world.services.acl, web.world.admin
    made = client.post("/app/admin/roles", data={"csrf_token": token, "name": "grid"})
    assert made.headers["location"] == "/app/admin/roles/grid"
    grid = client.get("/app/admin/roles/grid").text
    assert 'name="Contact.read"' in grid and 'name="*.access"' in grid
    saved = client.post(
        "/app/admin/roles/grid",
        data={
            "csrf_token": token,
            "description": "Contacts only",
            "*.read": "none",
            "*.edit": "none",
            "*.delete": "none",
            "Contact.access": "1",
            "Contact.read": "all",
            "Contact.edit": "owned",
            "Contact.delete": "none",
            **{f"Account.{k}": "none" for k in ("read", "edit", "delete")},
        },
    )
    assert saved.status_code == 200, saved.text
    role = acl.get_role(admin, "grid")
    assert role["rights"]["Contact"] == {
        "access": True,
        "read": "all",
        "edit": "owned",
        "delete": "none",
    }
    assert role["rights"]["*"]["access"] is False
    assert "Account" not in role["rights"]  # as `*` says: no entry of its own
    bad = client.post(
        "/app/admin/roles/grid", data={"csrf_token": token, "Contact.read": "everything"}
    )
    assert bad.status_code == 400 and "read of Contact must be one of" in bad.text


def test_a_column_the_list_layout_adds_shows_its_values(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    web.world.create("Contact", {"last_name": "Columned", "title": "Chief Columnist"})
    client, token = signed_in(app, web, "admin")
    saved = client.post(
        "/app/admin/layouts/Contact/list",
        data={"csrf_token": token, "columns": ["last_name", "title"], "filters": "filter_text"},
    )
    assert saved.status_code == 200, saved.text
    listed = client.get("/app/Contact?filter_text=Columned").text
    assert "<th" in listed and ">Title<" in listed.replace(" ", "")
    assert "Chief Columnist" in listed


def test_a_picklist_field_and_a_dependency_reach_the_form(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    client, token = signed_in(app, web, "admin")
    added = client.post(
        "/app/admin/fields/Contact",
        data={"csrf_token": token, "name": "tier_c", "type": "select", "options": "Gold\nSilver"},
    )
    assert added.status_code == 303, added.text
    form = client.get("/app/Contact/new").text
    assert 'name="tier_c"' in form and ">Gold</option>" in form and ">Silver</option>" in form
    saved = client.post(
        "/app/admin/dependencies/Contact",
        data={
            "csrf_token": token,
            "target": "tier_c",
            "source": "lead_source",
            "map": "Cold Call: Silver",
        },
    )
    assert saved.status_code == 303, saved.text
    picklists = web.world.services.picklists
    assert picklists.describe(web.world.admin, "Contact")["tier_c"] == {
        "source": "lead_source",
        "map": {"Cold Call": [2]},  # custom options are stored by id
    }
    assert "Silver" in client.get("/app/admin/dependencies/Contact").text


def test_a_custom_model_defined_in_the_console_has_its_pages(
    app: Any, web: WebWorld, signed_in: SignIn
) -> None:
    client, token = signed_in(app, web, "admin")
    made = client.post(
        "/app/admin/models", data={"csrf_token": token, "name": "Gadget", "label": "Gadget"}
    )
    assert made.status_code == 303, made.text
    assert "Gadget" in client.get("/app/admin/models").text
    assert client.get("/app/Gadget").status_code == 200
    field = client.post(
        "/app/admin/fields/Gadget", data={"csrf_token": token, "name": "color", "type": "Text"}
    )
    assert field.status_code == 303, field.text
    assert 'name="color"' in client.get("/app/Gadget/new").text
