"""Idempotency-Key: a retried write gets the first answer and changes nothing more."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from amity.core import idempotency as idempotency_module
from amity.core.clock import utcnow
from amity.core.idempotency import Claim, Idempotency, fingerprint, owner_of
from amity.core.records import Records
from amity.core.services import Services
from amity.errors import Conflict
from amity.store.engine import commit_hook
from tests.conftest import ApiClient, User
from tests.queries import filtered

REPLAYED = "Idempotent-Replayed"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def contacts_named(api: ApiClient, last_name: str) -> list[dict[str, Any]]:
    listed = api.get("/data/Contact", params={"filters[last_name]": last_name, "limit": 200})
    return [r for r in listed.json()["records"] if r["last_name"] == last_name]


def keys_table(services: Services) -> list[dict[str, Any]]:
    table = services.db.tables.system("idempotency_keys")
    with services.db.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(table)).mappings()]


@pytest.fixture
def second_token(services: Services, api: ApiClient, admin: User) -> Iterator[ApiClient]:
    """The same admin with another personal access token: another credential."""
    _, token = services.auth.create_token("admin", "second")
    client = ApiClient(api.app, {"Authorization": f"Bearer {token}"})
    yield client
    client.close()


def move_clock(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    later = utcnow() + by
    monkeypatch.setattr(idempotency_module, "utcnow", lambda: later)


def test_a_retried_create_replays_its_answer_and_creates_nothing(api: ApiClient) -> None:
    headers = key()
    body = {"data": {"first_name": "Ada", "last_name": "Retry"}}
    first = api.post("/data/Contact", json=body, headers=headers)
    assert first.status_code == 200 and REPLAYED not in first.headers
    again = api.post("/data/Contact", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == first.headers["content-type"]
    assert [r["id"] for r in contacts_named(api, "Retry")] == [first.json()["id"]]


def test_without_the_header_every_request_writes(api: ApiClient) -> None:
    body = {"data": {"last_name": "Unkeyed"}}
    first = api.post("/data/Contact", json=body)
    second = api.post("/data/Contact", json=body)
    assert REPLAYED not in second.headers
    assert first.json()["id"] != second.json()["id"]
    assert len(contacts_named(api, "Unkeyed")) == 2


def test_the_key_with_another_request_is_a_422(api: ApiClient) -> None:
    headers = key()
    created = api.post("/data/Contact", json={"data": {"last_name": "Once"}}, headers=headers)
    record_id = created.json()["id"]
    for method, path, body in [
        ("POST", "/data/Contact", {"data": {"last_name": "Twice"}}),  # another body
        ("POST", "/data/Account", {"data": {"last_name": "Once"}}),  # another path
        ("PATCH", f"/data/Contact/{record_id}", {"data": {"last_name": "Once"}}),
        ("POST", "/data/Contact?create=1", {"data": {"last_name": "Once"}}),  # another query
    ]:
        refused = api.request(method, path, json=body, headers=headers)
        assert refused.status_code == 422, (method, path, refused.text)
        assert refused.json()["error"] == "unprocessable"
        assert set(refused.json()) == {"error", "message", "hint"}
    assert contacts_named(api, "Twice") == []


def test_keys_of_other_credentials_are_independent(api: ApiClient, second_token: ApiClient) -> None:
    headers = key()
    body = {"data": {"last_name": "TwoTokens"}}
    first = api.post("/data/Contact", json=body, headers=headers)
    other = second_token.post("/data/Contact", json=body, headers=headers)
    assert REPLAYED not in other.headers
    assert first.json()["id"] != other.json()["id"]
    changed = second_token.post("/data/Contact", json={"data": {"last_name": "X"}}, headers=key())
    assert changed.status_code == 200


def test_patch_and_delete_replay_without_writing(api: ApiClient) -> None:
    record_id = api.post("/data/Contact", json={"data": {"last_name": "Patchy"}}).json()["id"]
    patch_key = key()
    body = {"data": {"first_name": "First"}}
    assert api.patch(f"/data/Contact/{record_id}", json=body, headers=patch_key).status_code == 200
    api.patch(f"/data/Contact/{record_id}", json={"data": {"first_name": "Later"}})
    replayed = api.patch(f"/data/Contact/{record_id}", json=body, headers=patch_key)
    assert replayed.status_code == 200 and replayed.headers[REPLAYED] == "true"
    assert replayed.json() == {"result": True}
    got = api.get(f"/data/Contact/{record_id}").json()["record"]
    assert got["first_name"] == "Later"  # the replay changed nothing

    delete_key = key()
    assert api.delete(f"/data/Contact/{record_id}", headers=delete_key).status_code == 200
    again = api.delete(f"/data/Contact/{record_id}", headers=delete_key)
    assert again.status_code == 200 and again.headers[REPLAYED] == "true"
    assert api.delete(f"/data/Contact/{record_id}").status_code == 404  # unkeyed: runs


def test_a_key_on_a_link_and_an_admin_write(api: ApiClient) -> None:
    account = api.post("/data/Account", json={"data": {"name": "Linked Ltd"}}).json()["id"]
    contact = api.post("/data/Contact", json={"data": {"last_name": "Linky"}}).json()["id"]
    headers = key()
    link = {"records": [contact]}
    assert api.post(f"/data/Account/{account}/contacts", json=link, headers=headers).is_success
    again = api.post(f"/data/Account/{account}/contacts", json=link, headers=headers)
    assert again.status_code == 200 and again.headers[REPLAYED] == "true"

    team_key = key()
    team = {"name": "Keyed team"}
    first = api.post("/admin/teams", json=team, headers=team_key)
    assert first.status_code == 200, first.text
    second = api.post("/admin/teams", json=team, headers=team_key)
    assert second.status_code == 200 and second.headers[REPLAYED] == "true"
    assert second.json() == first.json()
    teams = api.get("/admin/teams").json()["records"]
    assert [t["name"] for t in teams].count("Keyed team") == 1


def test_a_failed_write_replays_its_400(api: ApiClient, services: Services) -> None:
    headers = key()
    body = {"data": {"last_name": "Bad", "no_such_field": 1}}
    first = api.post("/data/Contact", json=body, headers=headers)
    assert first.status_code == 400
    again = api.post("/data/Contact", json=body, headers=headers)
    assert again.status_code == 400 and again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert contacts_named(api, "Bad") == []


def test_a_retryable_answer_frees_the_key(api: ApiClient) -> None:
    """A 409 (here a unique user name) wrote nothing: the same request may run again."""
    headers = key()
    body = {"data": {"user_name": "admin", "last_name": "Twin"}}
    first = api.post("/data/User", json=body, headers=headers)
    assert first.status_code == 409
    again = api.post("/data/User", json=body, headers=headers)
    assert again.status_code == 409 and REPLAYED not in again.headers


def test_a_server_error_frees_the_key(
    api: ApiClient, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Records.create

    def broken(*args: Any, **kw: Any) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Records, "create", broken)
    headers = {**key(), "Authorization": f"Bearer {admin.token}"}
    body = {"data": {"last_name": "AfterFire"}}
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api.php") as c:
            return await c.post("/data/Contact", json=body, headers=headers)

    assert asyncio.run(post()).status_code == 500
    monkeypatch.setattr(Records, "create", original)
    retried = asyncio.run(post())
    assert retried.status_code == 200 and REPLAYED not in retried.headers
    assert len(contacts_named(api, "AfterFire")) == 1


@pytest.mark.parametrize("value", ["", "k" * 256, "tab\tinside"])
def test_keys_must_be_1_to_255_printable_characters(api: ApiClient, value: str) -> None:
    resp = api.post(
        "/data/Contact", json={"data": {"last_name": "K"}}, headers={"Idempotency-Key": value}
    )
    assert resp.status_code == 400 and "Idempotency-Key" in resp.json()["message"]
    assert contacts_named(api, "K") == []


def test_a_255_character_key_is_taken(api: ApiClient) -> None:
    headers = {"Idempotency-Key": "k" * 255}
    first = api.post("/data/Contact", json={"data": {"last_name": "Long"}}, headers=headers)
    again = api.post("/data/Contact", json={"data": {"last_name": "Long"}}, headers=headers)
    assert first.status_code == 200 and again.headers[REPLAYED] == "true"


def test_requests_without_credentials_keep_no_key(anon: ApiClient, services: Services) -> None:
    resp = anon.post("/data/Contact", json={"data": {"last_name": "Anon"}}, headers=key())
    assert resp.status_code == 401
    assert keys_table(services) == []


def test_keys_expire_after_24_hours(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = key()
    first = api.post("/data/Contact", json={"data": {"last_name": "Day1"}}, headers=headers)
    move_clock(monkeypatch, timedelta(hours=23, minutes=59))
    assert api.post("/data/Contact", json={"data": {"last_name": "Day1"}}, headers=headers).headers[
        REPLAYED
    ]
    move_clock(monkeypatch, timedelta(hours=24, seconds=1))
    # a day later the key is forgotten: another body is no 422, the same one writes again
    later = api.post("/data/Contact", json={"data": {"last_name": "Day2"}}, headers=headers)
    assert later.status_code == 200 and REPLAYED not in later.headers
    assert later.json()["id"] != first.json()["id"]


def test_purge_removes_keys_older_than_24_hours(api: ApiClient, services: Services) -> None:
    api.post("/data/Contact", json={"data": {"last_name": "Purged"}}, headers=key())
    api.post("/data/Contact", json={"data": {"last_name": "Purged"}}, headers=key())
    now = utcnow()
    assert services.idempotency.purge(now) == 0
    assert services.idempotency.purge(now + timedelta(hours=23)) == 0
    assert services.idempotency.purge(now + timedelta(hours=24, seconds=2)) == 2
    assert keys_table(services) == []


def claim_for(services: Services, admin: User, token: str, body: bytes) -> Claim:
    """Claim the key as an earlier request of the admin's token would have."""
    actor = services.auth.authenticate(f"Bearer {token}", "api 127.0.0.1", "http://testserver")
    assert actor is not None
    print_ = fingerprint("POST", "/api.php/data/Contact", b"", body)
    claimed = services.idempotency.claim(owner_of(actor), "the-key", print_)
    assert isinstance(claimed, Claim)
    return claimed


def test_a_running_claim_is_a_409_until_it_is_stale(
    api: ApiClient, services: Services, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b'{"data":{"last_name":"Stale"}}'
    claim_for(services, admin, admin.token, body)
    headers = {"Idempotency-Key": "the-key", "Content-Type": "application/json"}
    busy = api.post("/data/Contact", content=body, headers=headers)
    assert busy.status_code == 409 and "still running" in busy.json()["message"]
    assert busy.headers["retry-after"] == "1"  # the client waits and asks again
    assert contacts_named(api, "Stale") == []
    move_clock(monkeypatch, timedelta(seconds=61))  # its process died: taken over
    taken = api.post("/data/Contact", content=body, headers=headers)
    assert taken.status_code == 200 and REPLAYED not in taken.headers
    assert len(contacts_named(api, "Stale")) == 1


def test_a_change_made_without_a_kept_answer_is_a_409(
    api: ApiClient, services: Services, admin: User
) -> None:
    """The process died between a write's commit and keeping the answer (a non-/data
    write): a retry is told the change was made."""
    body = b'{"data":{"last_name":"Made"}}'
    claim = claim_for(services, admin, admin.token, body)
    with commit_hook(services.idempotency.commit_hook(claim)), services.db.write() as conn:
        assert conn is not None  # any write of the request marks the claim
    assert claim.committed
    headers = {"Idempotency-Key": "the-key", "Content-Type": "application/json"}
    resp = api.post("/data/Contact", content=body, headers=headers)
    assert resp.status_code == 409 and "made its change" in resp.json()["message"]
    assert contacts_named(api, "Made") == []


def test_a_write_whose_claim_was_taken_over_rolls_back(
    services: Services, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that ran past the stale limit lost its key: its write must not commit
    (the request that took the key over makes the change)."""
    body = b'{"data":{"last_name":"Slow"}}'
    slow = claim_for(services, admin, admin.token, body)
    move_clock(monkeypatch, timedelta(seconds=61))
    taker = claim_for(services, admin, admin.token, body)
    assert taker.token != slow.token
    idem: Idempotency = services.idempotency
    with pytest.raises(Conflict), commit_hook(idem.commit_hook(slow)):
        services.records.create(admin.actor, "Contact", {"last_name": "Slow"})

    async def group_committed() -> None:  # the same through the group commit
        with commit_hook(idem.commit_hook(slow)):
            await services.writes.run(
                lambda: services.records.create(admin.actor, "Contact", {"last_name": "Slow"})
            )

    with pytest.raises(Conflict):
        asyncio.run(group_committed())
    assert not slow.committed
    q = filtered(services, admin.actor, "Contact", {"last_name": "Slow"})
    page = services.records.list_records(admin.actor, "Contact", q)
    assert page.total_results == 0


def test_the_data_answer_is_kept_in_the_write_transaction(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keeping the answer after the response fails: a /data write stored it with the
    change already, so the retry still replays it; another write's retry hears that the
    change was made."""

    def fails(*args: Any, **kw: Any) -> None:
        raise RuntimeError("gone before the answer was kept")

    monkeypatch.setattr(Idempotency, "finish", fails)
    headers = key()
    body = {"data": {"last_name": "InTx"}}
    first = api.post("/data/Contact", json=body, headers=headers)
    again = api.post("/data/Contact", json=body, headers=headers)
    assert again.status_code == 200 and again.headers[REPLAYED] == "true"
    assert again.json() == first.json()

    team_key = key()
    assert api.post("/admin/teams", json={"name": "Lost answer"}, headers=team_key).is_success
    retry = api.post("/admin/teams", json={"name": "Lost answer"}, headers=team_key)
    assert retry.status_code == 409 and "made its change" in retry.json()["message"]


def test_20_concurrent_requests_with_one_key_write_once(
    app: Any, admin: User, services: Services
) -> None:
    headers = {**key(), "Authorization": f"Bearer {admin.token}"}
    body = {"data": {"last_name": "Crowd"}}

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api.php") as c:
            return list(
                await asyncio.gather(
                    *(c.post("/data/Contact", json=body, headers=headers) for _ in range(20))
                )
            )

    answers = asyncio.run(crowd())
    created = [a for a in answers if a.status_code == 200 and REPLAYED not in a.headers]
    assert len(created) == 1
    record_id = created[0].json()["id"]
    for answer in answers:
        assert answer.status_code in (200, 409), answer.text
        if answer.status_code == 200:
            assert answer.json() == {"id": record_id}
    late = asyncio.run(crowd())  # after the first answered: all replay it
    assert {(a.status_code, a.headers[REPLAYED], a.text) for a in late} == {
        (200, "true", created[0].text)
    }
    q = filtered(services, admin.actor, "Contact", {"last_name": "Crowd"})
    page = services.records.list_records(admin.actor, "Contact", q)
    assert [r["id"] for r in page.records] == [record_id]
