"""Self-service and operations pages in-process: personal access tokens and webhooks of
one's own (shown once, never stored in clear, nobody else's), the filter editor's
messages beside the input they are about, and the admin console's API call log, jobs and
every user's webhooks (404 for everyone else); CSRF on every form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.routing import Route

from amity.config import Settings
from amity.core.clock import utcnow_precise
from amity.core.jobs import Jobs
from amity.core.services import Services
from amity.web.views import account, ops
from tests.conftest import ApiClient, loopback_webhook_settings
from tests.web.test_pages import browser, csrf_of, sign_in, web
from tests.web.world import WebWorld
from tests.webhook_receiver import Receiver, receiver

__all__ = ["browser", "receiver", "web"]  # fixtures

TOKEN_SHOWN = re.compile(r'id="new-token" readonly value="([^"]+)"')
SECRET_SHOWN = re.compile(r'id="secret" readonly value="([^"]+)"')
WEBHOOK_PAGE = re.compile(r"/app/account/webhooks/([0-9a-f-]{36})")


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    """Webhooks may reach a receiver on this machine."""
    return loopback_webhook_settings(database_url, jwt_key_file)


SignIn = Callable[[str], ApiClient]


@pytest.fixture
def signed_in(app: Any, web: WebWorld) -> Iterator[SignIn]:
    """Signs a user in with a browser-like client of their own (closed after the test)."""
    clients: list[ApiClient] = []

    def make(name: str) -> ApiClient:
        clients.append(ApiClient(app, base_url="http://testserver"))
        sign_in(clients[-1], web, name)
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def token_of(client: ApiClient) -> str:
    return csrf_of(client.get("/app/account").text)


def stored(services: Services) -> str:
    """Every row of every table, as text (to look for a secret in it)."""
    out = []
    with services.db.read() as conn:
        for table in sa.inspect(conn).get_table_names():
            rows = conn.execute(sa.text("SELECT * FROM " + table)).fetchall()
            out.append(str(rows))
    return "\n".join(out)


def make_token(client: ApiClient, name: str) -> tuple[str, str]:
    """(token id, token) made through the tokens page."""
    answer = client.post("/app/account/tokens", data={"csrf_token": token_of(client), "name": name})
    assert answer.status_code == 200, answer.text
    found = TOKEN_SHOWN.search(answer.text)
    assert found, answer.text
    row = re.search(r'<tr data-id="([^"]+)">\s*<td>' + re.escape(name) + "</td>", answer.text)
    assert row, answer.text
    return row.group(1), found.group(1)


def make_webhook(client: ApiClient, url: str, **fields: str) -> tuple[str, str]:
    """(webhook id, its secret) made through the webhook form."""
    data = {
        "csrf_token": token_of(client),
        "model": "Contact",
        "type": "create_update",
        "url": url,
        "payload": "record",
        "glue": "and",
        "action": "save",
        **fields,
    }
    answer = client.post("/app/account/webhooks/new", data=data)
    assert answer.status_code == 200, answer.text
    secret = SECRET_SHOWN.search(answer.text)
    hook = re.search(r'action="/app/account/webhooks/([0-9a-f-]{36})/rotate"', answer.text)
    assert secret and hook, answer.text
    return hook.group(1), secret.group(1)


# -- tokens -------------------------------------------------------------------------------
def test_a_token_is_shown_once_works_and_stops_when_revoked(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services
) -> None:
    client = signed_in("alice")
    assert 'href="/app/account/tokens"' in client.get("/app/account").text
    token_id, token = make_token(client, "nightly-export")
    assert token not in stored(services)  # only its hash is stored
    api = ApiClient(app, {"Authorization": f"Bearer {token}"})
    me = api.get("/me")
    assert me.status_code == 200 and me.json()["user_name"] == "alice"
    listed = client.get("/app/account/tokens")
    assert "nightly-export" in listed.text and token not in listed.text  # shown that once
    answer = client.post(
        f"/app/account/tokens/{token_id}/revoke", data={"csrf_token": token_of(client)}
    )
    assert answer.status_code == 303
    assert api.get("/me").status_code == 401
    assert "<td>nightly-export</td>" not in client.get("/app/account/tokens").text
    api.close()


def test_a_long_token_name_is_refused_beside_the_input(
    signed_in: SignIn, app: Any, web: WebWorld
) -> None:
    client = signed_in("alice")
    answer = client.post(
        "/app/account/tokens", data={"csrf_token": token_of(client), "name": "x" * 101}
    )
    assert answer.status_code == 400
    assert 'id="name-error"' in answer.text and 'value="' + "x" * 101 in answer.text


def test_nobody_revokes_or_sees_another_users_token(
    signed_in: SignIn, app: Any, web: WebWorld
) -> None:
    alice = signed_in("alice")
    token_id, token = make_token(alice, "alices")
    for name in ("bob", "admin"):
        other = signed_in(name)
        assert "alices" not in other.get("/app/account/tokens").text
        answer = other.post(
            f"/app/account/tokens/{token_id}/revoke", data={"csrf_token": token_of(other)}
        )
        assert answer.status_code == 404
    api = ApiClient(app, {"Authorization": f"Bearer {token}"})
    assert api.get("/me").status_code == 200
    api.close()


# -- webhooks -----------------------------------------------------------------------------
def test_a_webhook_from_the_filter_editor_delivers_and_replays(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services, receiver: Receiver
) -> None:
    client = signed_in("alice")
    hook_id, secret = make_webhook(
        client,
        receiver.url,
        **{
            "cond-0-field": "last_name",
            "cond-0-filter": "prefix",
            "cond-0-value": "Hook",
            "cond-0-when": "current_value",
            "cond-1-field": "",
        },
    )
    assert secret not in stored(services)  # sealed, never in clear
    row = services.webhooks.get(web.world.admin, hook_id)
    assert '"prefix"' in row["filters"] and '"Hook"' in row["filters"]
    page = client.get(f"/app/account/webhooks/{hook_id}")
    assert secret not in page.text and "Nothing delivered yet." in page.text
    web.world.create("Contact", {"last_name": "Nomatch"})
    web.world.create("Contact", {"last_name": "Hooked"})
    services.jobs.drain()
    assert [body["last_name"] for body in receiver.bodies()] == ["Hooked"]
    page = client.get(f"/app/account/webhooks/{hook_id}")
    delivery = re.search(r'<tr data-id="([^"]+)" class="delivery">', page.text)
    assert delivery and '<span class="status">200</span>' in page.text
    answer = client.post(
        f"/app/account/webhooks/{hook_id}/deliveries/{delivery.group(1)}/replay",
        data={"csrf_token": token_of(client)},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/account/webhooks/{hook_id}?done=replayed"
    services.jobs.drain()
    assert len(receiver.bodies()) == 2
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"]


def test_rotate_pause_resume_and_delete(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services, receiver: Receiver
) -> None:
    client = signed_in("alice")
    hook_id, secret = make_webhook(client, receiver.url)
    rotated = client.post(
        f"/app/account/webhooks/{hook_id}/rotate", data={"csrf_token": token_of(client)}
    )
    assert rotated.status_code == 200
    found = SECRET_SHOWN.search(rotated.text)
    assert found and found.group(1) != secret
    assert found.group(1) not in stored(services)
    paused = client.post(
        f"/app/account/webhooks/{hook_id}/pause", data={"csrf_token": token_of(client)}
    )
    assert paused.status_code == 303
    assert services.webhooks.get(web.world.admin, hook_id)["disabled"]
    client.post(f"/app/account/webhooks/{hook_id}/resume", data={"csrf_token": token_of(client)})
    assert not services.webhooks.get(web.world.admin, hook_id)["disabled"]
    assert client.get(f"/app/account/webhooks/{hook_id}/delete").status_code == 200
    gone = client.post(
        f"/app/account/webhooks/{hook_id}/delete", data={"csrf_token": token_of(client)}
    )
    assert gone.status_code == 303
    assert client.get(f"/app/account/webhooks/{hook_id}").status_code == 404


def test_editing_keeps_the_filter_rows(
    signed_in: SignIn, app: Any, web: WebWorld, receiver: Receiver
) -> None:
    client = signed_in("alice")
    hook_id, _ = make_webhook(
        client,
        receiver.url,
        **{"cond-0-field": "last_name", "cond-0-filter": "eq", "cond-0-value": "Smith"},
    )
    form = client.get(f"/app/account/webhooks/{hook_id}/edit").text
    assert 'name="cond-0-field" value="last_name"' in form
    assert 'name="cond-0-value" value="Smith"' in form
    answer = client.post(
        f"/app/account/webhooks/{hook_id}/edit",
        data={
            "csrf_token": token_of(client),
            "model": "Contact",
            "type": "update",
            "url": receiver.url,
            "payload": "record",
            "glue": "or",
            "cond-0-field": "last_name",
            "cond-0-filter": "eq",
            "cond-0-value": "Jones",
            "action": "save",
        },
    )
    assert answer.status_code == 303
    stored = web.world.services.webhooks.get(web.world.admin, hook_id)
    assert stored["type"] == "update" and '"Jones"' in stored["filters"]
    assert '"or"' in stored["filters"]


def test_a_rejected_filter_shows_the_servers_message_beside_its_row(
    signed_in: SignIn, app: Any, web: WebWorld, receiver: Receiver
) -> None:
    client = signed_in("alice")
    data = {
        "csrf_token": token_of(client),
        "model": "Contact",
        "type": "create",
        "url": receiver.url,
        "payload": "record",
        "glue": "and",
        "cond-0-field": "last_name",
        "cond-0-filter": "prefix",
        "cond-0-value": "Ok",
        "cond-1-field": "birthdate",
        "cond-1-filter": "prefix",
        "cond-1-value": "typed",
        "action": "save",
    }
    answer = client.post("/app/account/webhooks/new", data=data)
    assert answer.status_code == 400
    assert 'id="cond-1-error"' in answer.text and "does not fit type date" in answer.text
    assert 'id="cond-0-error"' not in answer.text
    assert 'name="cond-1-value" value="typed"' in answer.text  # nothing typed is lost
    assert f'value="{receiver.url}"' in answer.text
    raw = {**data, "filters": '{"conditions": [{"field": "nope", "filter": "eq"}]}'}
    answer = client.post("/app/account/webhooks/new", data=raw)
    assert answer.status_code == 400
    assert 'id="filters-error"' in answer.text and "unknown field nope" in answer.text
    answer = client.post("/app/account/webhooks/new", data={**data, "filters": "{not json"})
    assert answer.status_code == 400 and 'id="filters-error"' in answer.text
    answer = client.post("/app/account/webhooks/new", data={**data, "url": "ftp://example.com/x"})
    assert answer.status_code == 400 and 'id="url-error"' in answer.text
    assert web.world.services.webhooks.page(web.world.admin)[1] == 0
    nested = '{"glue": "or", "conditions": [{"field": "last_name", "filter": "eq", "value": "A"},'
    nested += ' {"conditions": [{"field": "first_name", "filter": "not_empty"}]}]}'
    hook_id, _ = make_webhook(client, receiver.url, filters=nested)  # the filter as text
    row = web.world.services.webhooks.get(web.world.admin, hook_id)
    assert '"first_name"' in row["filters"] and '"or"' in row["filters"]
    form = client.get(f"/app/account/webhooks/{hook_id}/edit").text
    assert "&#34;first_name&#34;" in form and 'name="cond-0-field" value=""' in form


def test_adding_a_condition_saves_nothing(
    signed_in: SignIn, app: Any, web: WebWorld, receiver: Receiver
) -> None:
    client = signed_in("alice")
    answer = client.post(
        "/app/account/webhooks/new",
        data={
            "csrf_token": token_of(client),
            "model": "Contact",
            "type": "create",
            "url": receiver.url,
            "cond-0-field": "last_name",
            "cond-0-filter": "eq",
            "cond-0-value": "A",
            "action": "add",
        },
    )
    assert answer.status_code == 200
    assert 'name="cond-0-value" value="A"' in answer.text and 'name="cond-1-field"' in answer.text
    assert web.world.services.webhooks.page(web.world.admin)[1] == 0


def test_nobody_sees_or_changes_another_users_webhook(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services, receiver: Receiver
) -> None:
    alice = signed_in("alice")
    hook_id, _ = make_webhook(alice, receiver.url)
    before = services.webhooks.get(web.world.admin, hook_id)
    bob = signed_in("bob")
    assert hook_id not in bob.get("/app/account/webhooks").text
    for path in ("", "/edit", "/delete"):
        assert bob.get(f"/app/account/webhooks/{hook_id}{path}").status_code == 404
    for path in ("/edit", "/rotate", "/pause", "/resume", "/delete", "/deliveries/x/replay"):
        answer = bob.post(
            f"/app/account/webhooks/{hook_id}{path}",
            data={"csrf_token": token_of(bob), "url": "http://127.0.0.1:9/x", "model": "Contact"},
        )
        assert answer.status_code == 404, path
    assert services.webhooks.get(web.world.admin, hook_id) == before
    admin = signed_in("admin")  # an admin's own list holds only their own
    assert hook_id not in admin.get("/app/account/webhooks").text
    assert hook_id in admin.get("/app/admin/webhooks").text
    page = admin.get(f"/app/admin/webhooks/{hook_id}")
    assert page.status_code == 200 and 'id="hook-owner">alice<' in page.text


def test_the_editor_lists_a_models_fields(signed_in: SignIn, app: Any, web: WebWorld) -> None:
    client = signed_in("alice")
    fields = client.get("/app/account/webhook-fields?model=Contact").json()
    kinds = {f["name"]: f["kind"] for f in fields}
    assert kinds["last_name"] == "text" and kinds["birthdate"] == "date"
    assert client.get("/app/account/webhook-fields?model=Nope").status_code == 404


# -- the admin console -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["alice", "dave", "fred", "erin"])
def test_the_operations_pages_are_missing_for_non_admins(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services, name: str, receiver: Receiver
) -> None:
    alice = signed_in("alice")
    hook_id, _ = make_webhook(alice, receiver.url)
    client = signed_in(name)
    for path in ("api-calls", "jobs", "webhooks", f"webhooks/{hook_id}"):
        assert client.get(f"/app/admin/{path}").status_code == 404, path
    job_id = _waiting_job(services)
    for action in ("retry", "cancel"):
        answer = client.post(
            f"/app/admin/jobs/{job_id}/{action}", data={"csrf_token": token_of(client)}
        )
        assert answer.status_code == 404
    assert services.jobs.get(web.world.admin, str(job_id))["state"] == "todo"


def test_the_api_call_log_filters_by_user_status_and_path(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services
) -> None:
    api = ApiClient(app, {"Authorization": f"Bearer {web.world.tokens['owner']}"})
    api.get("/me")
    api.get("/data/Contact/no-such-id")
    api.close()
    services.api_log.flush()
    client = signed_in("admin")
    page = client.get("/app/admin/api-calls", params={"user": "alice", "status": "404"})
    assert page.status_code == 200
    assert "/api.php/data/Contact/no-such-id" in page.text and "/api.php/me" not in page.text
    page = client.get("/app/admin/api-calls", params={"path": "/api.php/me"})
    assert "/api.php/me" in page.text and "no-such-id" not in page.text
    bad = client.get("/app/admin/api-calls", params={"status": "four"})
    assert bad.status_code == 400 and 'id="status-error"' in bad.text


def _waiting_job(services: Services) -> int:
    task = Jobs.periodic()[0]
    with services.db.write() as conn:
        job_id = services.jobs.defer(conn, task, run_at=utcnow_precise() + timedelta(days=1))
    assert job_id is not None
    return job_id


def test_jobs_are_listed_by_state_cancelled_and_retried(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services
) -> None:
    job_id = _waiting_job(services)
    client = signed_in("admin")
    page = client.get("/app/admin/jobs", params={"state": "todo"})
    assert f'<tr data-id="{job_id}" class="job">' in page.text
    answer = client.post(
        f"/app/admin/jobs/{job_id}/cancel", data={"csrf_token": token_of(client), "state": "todo"}
    )
    assert answer.status_code == 303
    assert services.jobs.get(web.world.admin, str(job_id))["state"] == "cancelled"
    page = client.get("/app/admin/jobs", params={"state": "cancelled"})
    assert f'<tr data-id="{job_id}" class="job">' in page.text
    again = client.post(
        f"/app/admin/jobs/{job_id}/cancel", data={"csrf_token": token_of(client)}
    )  # no longer waiting: the list again, saying why
    assert again.status_code == 409 and 'id="job-error"' in again.text
    client.post(f"/app/admin/jobs/{job_id}/retry", data={"csrf_token": token_of(client)})
    assert services.jobs.get(web.world.admin, str(job_id))["state"] == "todo"


# -- CSRF ---------------------------------------------------------------------------------
def post_routes() -> list[str]:
    return [
        route.path
        for route in (*account.routes, *ops.routes)
        if isinstance(route, Route) and "POST" in (route.methods or ())
    ]


def test_every_form_here_needs_the_csrf_token(
    signed_in: SignIn, app: Any, web: WebWorld, services: Services, receiver: Receiver
) -> None:
    client = signed_in("admin")
    hook_id, _ = make_webhook(client, receiver.url)
    token_id, _ = make_token(client, "kept")
    job_id = _waiting_job(services)
    hooks_before = services.webhooks.get(web.world.admin, hook_id)
    for path in post_routes():
        url = path.format(id=hook_id, delivery_id="x")
        if path.startswith("/app/account/tokens/"):
            url = path.format(id=token_id)
        elif path.startswith("/app/admin/jobs/"):
            url = path.format(id=job_id)
        for token in (None, "forged"):
            data = {"name": "forged", "url": receiver.url, "model": "Contact", "type": "create"}
            if token is not None:
                data["csrf_token"] = token
            assert client.post(url, data=data).status_code == 403, url
    assert services.webhooks.get(web.world.admin, hook_id) == hooks_before
    assert services.webhooks.page(web.world.admin)[1] == 1
    assert [t["name"] for t in services.auth.list_tokens("admin") if not t["revoked"]] == [
        "tests",
        "kept",
    ]
    assert services.jobs.get(web.world.admin, str(job_id))["state"] == "todo"
