"""One write pipeline: every kind of write commits exactly one event with its change, in
the same transaction; a write that fails leaves neither; after-commit callbacks run only
for writes that committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.core.actor import CLI, Actor
from amity.core.auth.clients import ClientSpec
from amity.core.favorites import toggle_favorite
from amity.core.services import Services
from amity.store.writes import SECRET_CHANGE
from tests.conftest import User

PASSWORD = "a-long-new-password-1"


@pytest.fixture
def api(admin: User) -> Actor:
    """The admin as an API request would act: a token, an address, a request id."""
    return Actor(
        user_id=admin.id,
        user_name="admin",
        is_admin=True,
        credential="token",
        credential_id="tok-1",
        source="api 203.0.113.7",
        request_id="req-42",
    )


def events(services: Services, after: int = 0) -> list[dict[str, Any]]:
    outbox = services.db.tables.system("outbox")
    with services.db.read() as conn:
        rows = conn.execute(sa.select(outbox).where(outbox.c.id > after).order_by(outbox.c.id))
        found = [dict(r) for r in rows.mappings()]
    for row in found:
        row["raw"] = row["changes"]
        row["changes"] = orjson.loads(row["changes"])
    return found


def newest_id(services: Services) -> int:
    found = events(services)
    return int(found[-1]["id"]) if found else 0


class Seen:
    event: dict[str, Any]


@contextmanager
def one_event(
    services: Services, actor: Actor, model: str, kind: str, record_id: str | None = None
) -> Iterator[Seen]:
    """The block writes exactly one event of this model and kind, by this actor."""
    seen = Seen()
    start = newest_id(services)
    yield seen
    new = events(services, start)
    assert [(e["model"], e["kind"]) for e in new] == [(model, kind)]
    event = seen.event = new[0]
    if record_id is not None:
        assert event["record_id"] == record_id
    assert event["actor_id"] == actor.user_id
    assert event["source"] == actor.source
    assert event["credential"] == actor.credential
    assert event["credential_id"] == actor.credential_id
    assert event["request_id"] == actor.request_id
    assert event["date_created"] is not None


def test_records_favorites_and_links(services: Services, api: Actor) -> None:
    records, relations = services.records, services.relations
    with one_event(services, api, "Account", "create") as seen:
        account = records.create(api, "Account", {"name": "Acme"})
    assert seen.event["record_id"] == account
    assert seen.event["changes"]["name"] == [None, "Acme"]
    with one_event(services, api, "Account", "update", account) as seen:
        records.update(api, "Account", account, {"name": "Acme 2"})
    assert seen.event["changes"] == {"name": ["Acme", "Acme 2"]}
    contact = records.create(api, "Contact", {"last_name": "Smith"})
    with one_event(services, api, "Account", "link", account) as seen:
        relations.add_related(api, "Account", account, "contacts", [contact], None)
    with one_event(services, api, "Account", "unlink", account):
        relations.remove_related(api, "Account", account, "contacts", contact)
    with one_event(services, api, "Account", "favorite", account) as seen:
        assert toggle_favorite(records, api, "Account", account) == 0
    assert seen.event["changes"] == {"favorite": [False, True]}
    with one_event(services, api, "Account", "unfavorite", account) as seen:
        assert toggle_favorite(records, api, "Account", account) == 1
    assert seen.event["changes"] == {"favorite": [True, False]}
    with one_event(services, api, "Account", "delete", account) as seen:
        records.delete(api, "Account", account)
    assert seen.event["changes"] == {"deleted": [False, True]}


def test_users_passwords_and_tokens_never_show_secrets(services: Services, api: Actor) -> None:
    auth = services.auth
    with one_event(services, api, "User", "create") as seen:
        user_id = auth.add_user(api, "bob", PASSWORD, admin=True)
    changes = seen.event["changes"]
    assert seen.event["record_id"] == user_id
    assert changes["user_name"] == [None, "bob"]
    assert changes["is_admin"] == [None, True]
    assert changes["password"] == SECRET_CHANGE
    stored = auth.store
    with services.db.read() as conn:
        digest = stored.password_hash(conn, user_id)
    assert digest and digest not in seen.event["raw"] and PASSWORD not in seen.event["raw"]

    with one_event(services, CLI, "User", "update", user_id) as seen:
        auth.set_password(user_id, PASSWORD + "x", actor=CLI)
    assert seen.event["changes"] == {"password": {"changed": True}}
    assert seen.event["source"] == "cli"

    with one_event(services, api, "User", "update", user_id) as seen:
        auth.set_active(api, "bob", False)
    assert seen.event["changes"] == {"status": ["Active", "Inactive"]}

    with one_event(services, CLI, "AccessToken", "create") as seen:
        token_id, token = auth.create_token("admin", "ci", actor=CLI)
    assert seen.event["record_id"] == token_id
    assert seen.event["changes"] == {"user_id": [None, api.user_id], "name": [None, "ci"]}
    assert token not in seen.event["raw"]
    with one_event(services, CLI, "AccessToken", "revoke", token_id) as seen:
        auth.revoke_token(token_id, actor=CLI)
    assert seen.event["changes"] == {"revoked": [False, True]}

    contact = services.records.create(api, "Contact", {"last_name": "Portal"})
    with one_event(services, CLI, "Contact", "update", contact) as seen:
        services.oauth.set_contact_password(contact, PASSWORD, actor=CLI)
    assert seen.event["changes"] == {"password": SECRET_CHANGE}


def test_roles_and_teams(services: Services, api: Actor, admin: User) -> None:
    acl = services.acl
    services.auth.add_user(api, "carol", PASSWORD)
    carol = services.auth.user_by_name("carol")["id"]
    with one_event(services, api, "Role", "create") as seen:
        role = acl.add_role(api, "sales", "Sales people", {"Account": {"read": "all"}})
    assert seen.event["record_id"] == role["id"]
    assert seen.event["changes"]["name"] == [None, "sales"]
    assert seen.event["changes"]["rights"][1]["Account"]["read"] == "all"
    with one_event(services, api, "Role", "update", role["id"]) as seen:
        acl.update_role(api, "sales", description="Sales")
    assert seen.event["changes"] == {"description": ["Sales people", "Sales"]}
    with one_event(services, api, "User", "update", carol) as seen:
        acl.assign_role(api, "sales", ["carol"])
    assert seen.event["changes"] == {"role": [None, "sales"]}
    with one_event(services, api, "Role", "delete", role["id"]):
        acl.remove_role(api, "sales")

    with one_event(services, api, "Team", "create") as seen:
        team = acl.add_team(api, "north", "", ["admin"])
    assert seen.event["changes"]["members"] == [None, ["admin"]]
    with one_event(services, api, "Team", "update", team["id"]) as seen:
        acl.add_members(api, "north", ["carol"])
    assert seen.event["changes"] == {"members": [["admin"], ["admin", "carol"]]}
    with one_event(services, api, "Team", "update", team["id"]) as seen:
        acl.remove_member(api, "north", "admin")
    assert seen.event["changes"] == {"members": [["admin", "carol"], ["carol"]]}
    with one_event(services, api, "Team", "delete", team["id"]):
        acl.remove_team(api, "north")


def test_clients_rate_limits_and_portal_tokens(services: Services, api: Actor) -> None:
    spec = ClientSpec(name="app", redirect_uris=["https://app.example/cb"])
    with one_event(services, api, "ApiClient", "create") as seen:
        client, secret = services.clients.add(api, spec)
    assert seen.event["record_id"] == client["client_id"]
    assert seen.event["changes"]["name"] == [None, "app"]
    assert seen.event["changes"]["client_secret"] == SECRET_CHANGE
    assert secret and secret not in seen.event["raw"] and "argon2" not in seen.event["raw"]

    limits, user = services.rate_limits, api.user_id
    with one_event(services, api, "RateLimit", "create", user) as seen:
        limits.set(api, "user", user, "100/minute")
    assert seen.event["changes"] == {"subject": "user", "rate_limit": [None, "100/minute"]}
    with one_event(services, api, "RateLimit", "update", user) as seen:
        limits.set(api, "user", user, "5/second")
    assert seen.event["changes"] == {"subject": "user", "rate_limit": ["100/minute", "5/second"]}
    with one_event(services, api, "RateLimit", "delete", user) as seen:
        limits.remove(api, "user", user)
    assert seen.event["changes"] == {"subject": "user", "rate_limit": ["5/second", None]}

    with one_event(services, api, "ApiClient", "revoke", client["client_id"]):
        services.clients.remove(api, client["client_id"])

    contact = services.records.create(api, "Contact", {"last_name": "Doe"})
    portal = services.auth.portal
    with one_event(services, api, "PortalToken", "create") as seen:
        issued = portal.issue(api, contact)
    assert seen.event["changes"]["contact_id"] == [None, contact]
    assert issued["access_token"] not in seen.event["raw"]
    token_id = seen.event["record_id"]
    with one_event(services, api, "PortalToken", "revoke", token_id):
        assert portal.revoke_contact(api, contact) == 1


def test_metadata_changes(services: Services, api: Actor) -> None:
    with one_event(services, api, "CustomField", "create") as seen:
        services.fields.add(api, "Contact", {"name": "tier_c", "type": "Text"})
    assert seen.event["changes"]["name"] == [None, "tier_c"]
    with one_event(services, api, "Layout", "update"):
        services.layouts.put(api, "Contact", "list", "Mine", {"columns": ["last_name"]})
    with one_event(services, api, "PicklistDependency", "create"):
        services.picklists.put(
            api, "Lead", "lead_source", {"source": "status", "map": {"New": ["Email"]}}
        )
    with one_event(services, api, "ListViewChoice", "update") as seen:
        services.layouts.set_list_choice(api, "Contact", {"limit": 50})
    assert seen.event["changes"]["choice"] == [None, {"limit": 50}]


# -- a failure after the event rolls both back ------------------------------------------
class Boom(Exception):
    pass


def failing_sink(conn: Connection, event: dict[str, Any]) -> None:
    """Runs in the event's transaction, after its row is written."""
    if event["model"] == "Account":
        raise Boom("sink failed")


def accounts(services: Services) -> list[str]:
    table = services.db.tables.model(services.db.registry.model("Account"))
    with services.db.read() as conn:
        return list(conn.execute(sa.select(table.c.name)).scalars())


def test_a_failure_after_the_event_leaves_no_event_and_no_change(
    services: Services, api: Actor
) -> None:
    start = newest_id(services)
    services.records.writer.sinks.append(failing_sink)
    with pytest.raises(Boom):
        services.records.create(api, "Account", {"name": "Ghost"})
    assert events(services, start) == []
    assert "Ghost" not in accounts(services)


def test_group_commit_drops_the_failed_units_event_only(services: Services, api: Actor) -> None:
    """In one batch: the unit whose sink fails rolls back (its row and event), the other
    commits with its event; only the committed one's after-commit callback runs."""
    start = newest_id(services)
    heard: list[str] = []
    services.db.listeners.append(lambda model, record_id: heard.append(model))
    services.records.writer.sinks.append(failing_sink)

    def ghost() -> str:
        return services.records.create(api, "Account", {"name": "Ghost"})

    def kept() -> str:
        return services.records.create(api, "Contact", {"last_name": "Kept"})

    async def both() -> list[Any]:
        return await asyncio.gather(
            services.writes.run(ghost), services.writes.run(kept), return_exceptions=True
        )

    outcome = asyncio.run(both())
    assert isinstance(outcome[0], Boom) and isinstance(outcome[1], str)
    assert [(e["model"], e["record_id"]) for e in events(services, start)] == [
        ("Contact", outcome[1])
    ]
    assert "Ghost" not in accounts(services)
    assert heard == ["Contact"]


def test_after_commit_callbacks_never_run_for_a_rolled_back_write(services: Services) -> None:
    db = services.db
    ran: list[str] = []
    with pytest.raises(Boom), db.write():
        db.after_commit(lambda: ran.append("plain rolled back"))
        raise Boom
    with db.write():
        db.after_commit(lambda: ran.append("plain committed"))
    assert ran == ["plain committed"]

    def unit(name: str, fail: bool) -> Callable[[], None]:
        def run() -> None:
            with db.write():
                db.after_commit(lambda: ran.append(name))
                if fail:
                    raise Boom

        return run

    async def batch() -> list[Any]:
        return await asyncio.gather(
            services.writes.run(unit("batch rolled back", True)),
            services.writes.run(unit("batch committed", False)),
            return_exceptions=True,
        )

    outcome = asyncio.run(batch())
    assert isinstance(outcome[0], Boom) and outcome[1] is None
    assert ran == ["plain committed", "batch committed"]
