"""Optimistic concurrency on /data/{model}/{id}: ETag, If-Match (412) and If-None-Match (304)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from amity.api.etags import etag
from amity.core.services import Services
from amity.store.migrate import migrate
from tests.api.test_custom_fields import add_field
from tests.conftest import ApiClient, User

DE = {"Accept-Language": "de"}


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def tag_of(api: ApiClient, model: str, record_id: str, **params: Any) -> str:
    resp = api.get(f"/data/{model}/{record_id}", params=params)
    assert resp.status_code == 200, resp.text
    return resp.headers["ETag"]


def name_of(api: ApiClient, record_id: str) -> str:
    return str(api.get(f"/data/Account/{record_id}").json()["record"]["name"])


def test_get_answers_a_strong_etag_that_every_change_replaces(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    first = tag_of(api, "Account", record_id)
    assert first.startswith('"') and first.endswith('"')  # strong: no W/
    assert first == tag_of(api, "Account", record_id, **{"fields[]": "name"})  # any fields
    assert first == tag_of(api, "Account", record_id)  # reading changes nothing
    changed = api.patch(f"/data/Account/{record_id}", json={"data": {"name": "Acme 2"}})
    assert changed.status_code == 200
    second = tag_of(api, "Account", record_id)
    assert second != first
    assert changed.headers["ETag"] == second  # the answer carries the new ETag
    put = api.put(f"/data/Account/{record_id}", json={"data": {"name": "Acme 2"}})
    assert put.headers["ETag"] == tag_of(api, "Account", record_id) != second  # same value too


def test_etags_differ_between_records_and_lists_have_none(api: ApiClient) -> None:
    one = create(api, "Account", {"name": "One"})
    two = create(api, "Account", {"name": "Two"})
    assert tag_of(api, "Account", one) != tag_of(api, "Account", two)  # both at version 1
    listed = api.get("/data/Account")
    assert listed.status_code == 200 and "ETag" not in listed.headers


def test_linking_and_custom_fields_change_the_etag(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    task = create(api, "Task", {"name": "Call back"})
    before = tag_of(api, "Task", task)
    linked = api.post(f"/data/Account/{account}/tasks", json={"records": [task]})
    assert linked.status_code == 200, linked.text
    after_link = tag_of(api, "Task", task)  # linking wrote the task's parent
    assert after_link != before
    assert api.delete(f"/data/Account/{account}/tasks/{task}").status_code == 200
    assert tag_of(api, "Task", task) not in (before, after_link)
    add_field(api, "Account", "tier_c", "Text")
    plain = tag_of(api, "Account", account)
    api.patch(f"/data/Account/{account}", json={"data": {"tier_c": "gold"}})
    assert tag_of(api, "Account", account) != plain


def test_numbering_existing_records_changes_their_etag(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    before = tag_of(api, "Account", account)
    add_field(api, "Account", "account_no_c", "Number", auto_number=True, unique=True)
    assert api.get(f"/data/Account/{account}").json()["record"]["account_no_c"] == 1
    assert tag_of(api, "Account", account) != before


def test_making_a_user_admin_changes_its_etag(
    services: Services, admin: User, api: ApiClient
) -> None:
    plain = create(api, "User", {"user_name": "sam", "last_name": "Sam"})
    boss = services.auth.add_user(admin.actor, "boss", None, last_name="Boss", admin=True)
    assert tag_of(api, "User", plain) == etag("User", plain, 1)
    assert tag_of(api, "User", boss) == etag("User", boss, 2)  # created, then made admin


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_stale_if_match_is_412_with_the_current_etag_and_changes_nothing(
    api: ApiClient, method: str
) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    stale = tag_of(api, "Account", record_id)
    api.patch(f"/data/Account/{record_id}", json={"data": {"name": "Theirs"}})
    current = tag_of(api, "Account", record_id)
    resp = api.request(
        method,
        f"/data/Account/{record_id}",
        json={"data": {"name": "Mine"}},
        headers={"If-Match": stale},
    )
    assert resp.status_code == 412, resp.text
    assert resp.headers["ETag"] == current
    body = resp.json()
    assert set(body) == {"error", "message", "hint"} and body["error"] == "precondition_failed"
    assert body["message"] == f"Account {record_id} has changed since it was read"
    assert name_of(api, record_id) == "Theirs"
    assert tag_of(api, "Account", record_id) == current  # nothing written, not even a version
    ok = api.request(
        method,
        f"/data/Account/{record_id}",
        json={"data": {"name": "Mine"}},
        headers={"If-Match": current},
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == tag_of(api, "Account", record_id) != current
    assert name_of(api, record_id) == "Mine"


def test_delete_with_a_stale_if_match_is_412_and_keeps_the_record(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    stale = tag_of(api, "Account", record_id)
    api.patch(f"/data/Account/{record_id}", json={"data": {"name": "Theirs"}})
    refused = api.delete(f"/data/Account/{record_id}", headers={"If-Match": stale})
    assert refused.status_code == 412, refused.text
    assert refused.headers["ETag"] == tag_of(api, "Account", record_id)
    assert name_of(api, record_id) == "Theirs"
    current = tag_of(api, "Account", record_id)
    assert (
        api.delete(f"/data/Account/{record_id}", headers={"If-Match": current}).status_code == 200
    )
    assert api.get(f"/data/Account/{record_id}").status_code == 404


def test_if_match_lists_star_weak_tags_and_other_records(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    other = create(api, "Account", {"name": "Other"})
    url = f"/data/Account/{record_id}"

    def patch(if_match: str) -> httpx.Response:
        return api.patch(
            url, json={"data": {"description": if_match}}, headers={"If-Match": if_match}
        )

    current = tag_of(api, "Account", record_id)
    assert patch(f"W/{current}").status_code == 412  # If-Match compares strongly
    assert patch(tag_of(api, "Account", other)).status_code == 412  # same version, other record
    assert patch(current.replace('"', '"0', 1)).status_code == 412  # "01-..." is not "1-..."
    current = tag_of(api, "Account", record_id)
    assert patch(f'"9-nope", {current}').status_code == 200  # one of a list
    assert patch("*").status_code == 200  # any version of an existing record
    assert patch(" * ").status_code == 200


@pytest.mark.parametrize("header", ["3-abc", '"3-abc" "4-abc"', "", '"a"b"', "W/x", ", "])
def test_a_malformed_if_match_is_400(api: ApiClient, header: str) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    resp = api.patch(
        f"/data/Account/{record_id}", json={"data": {"name": "X"}}, headers={"If-Match": header}
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["message"] == f"Invalid If-Match header {header!r}"
    assert name_of(api, record_id) == "Acme"
    got = api.get(f"/data/Account/{record_id}", headers={"If-None-Match": header})
    assert got.status_code == 400


def test_a_missing_record_stays_404_and_an_upsert_with_if_match_is_412(api: ApiClient) -> None:
    for header in ("*", '"1-00000000"'):
        missing = api.patch(
            "/data/Account/no-such-id", json={"data": {"name": "X"}}, headers={"If-Match": header}
        )
        assert missing.status_code == 404, missing.text
        assert (
            api.delete("/data/Account/no-such-id", headers={"If-Match": header}).status_code == 404
        )
        upsert = api.put(
            "/data/Account/new-one",
            json={"data": {"name": "New"}, "create": True},
            headers={"If-Match": header},
        )
        assert upsert.status_code == 412, upsert.text
        assert "ETag" not in upsert.headers
        assert upsert.json()["message"] == "No Account with id new-one to match"
        assert api.get("/data/Account/new-one").status_code == 404  # not created
    created = api.put("/data/Account/new-one", json={"data": {"name": "New"}, "create": True})
    assert created.status_code == 200
    assert created.headers["ETag"] == tag_of(api, "Account", "new-one")


def test_if_none_match_answers_304_while_the_record_is_unchanged(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    url = f"/data/Account/{record_id}"
    current = tag_of(api, "Account", record_id)
    for header in (current, f"W/{current}", f'"0-x", {current}', "*"):
        resp = api.get(url, headers={"If-None-Match": header})
        assert resp.status_code == 304, header
        assert resp.headers["ETag"] == current
        assert resp.content == b""
    api.patch(url, json={"data": {"name": "Changed"}})
    fresh = api.get(url, headers={"If-None-Match": current})
    assert fresh.status_code == 200
    assert fresh.json()["record"]["name"] == "Changed"
    assert fresh.headers["ETag"] != current
    assert api.get("/data/Account/no-such-id", headers={"If-None-Match": "*"}).status_code == 404


def test_a_hidden_record_is_404_whatever_the_conditions(
    services: Services, admin: User, api: ApiClient
) -> None:
    services.auth.add_user(admin.actor, "sam", None, last_name="Sam")
    owned = {"access": True, "read": "owned", "edit": "owned", "delete": "owned"}
    services.acl.add_role(admin.actor, "staff", rights={"*": owned})
    services.acl.assign_role(admin.actor, "staff", ["sam"])
    token = services.auth.create_token("sam", "t")[1]
    record_id = create(api, "Account", {"name": "Not Sam's"})
    sam = ApiClient(api.app, {"Authorization": f"Bearer {token}"})
    try:
        url = f"/data/Account/{record_id}"
        assert sam.get(url, headers={"If-None-Match": "*"}).status_code == 404
        data = {"data": {"name": "X"}}
        assert sam.patch(url, json=data, headers={"If-Match": "*"}).status_code == 404
        assert sam.delete(url, headers={"If-Match": "*"}).status_code == 404
    finally:
        sam.close()
    assert name_of(api, record_id) == "Not Sam's"


def test_the_412_is_german(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    resp = api.patch(
        f"/data/Account/{record_id}",
        json={"data": {"name": "X"}},
        headers={"If-Match": '"7-0"', **DE},
    )
    assert resp.status_code == 412
    assert resp.json()["message"] == f"Account {record_id} wurde seit dem Lesen geändert"


def test_concurrent_patches_with_one_etag_let_exactly_one_through(
    app: Any, admin: User, api: ApiClient
) -> None:
    """In one process the patches meet in the group committer (one transaction, a savepoint
    each): the first changes the version, every later one sees the new version."""
    record_id = create(api, "Account", {"name": "Hot"})
    current = tag_of(api, "Account", record_id)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver/api.php",
            headers={"Authorization": f"Bearer {admin.token}", "If-Match": current},
            timeout=60,
        ) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.patch(f"/data/Account/{record_id}", json={"data": {"name": f"N{n}"}})
                        for n in range(50)
                    )
                )
            )

    answers = asyncio.run(burst())
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * 49, statuses
    winner = next(a for a in answers if a.status_code == 200)
    final = tag_of(api, "Account", record_id)
    assert winner.headers["ETag"] == final
    assert all(a.headers["ETag"] == final for a in answers if a.status_code == 412)
    assert name_of(api, record_id) == winner.request.content.decode().split('"')[-2]


def test_an_old_table_gets_the_version_column_at_version_1(
    services: Services, api: ApiClient
) -> None:
    record_id = create(api, "Account", {"name": "Before the upgrade"})
    api.patch(f"/data/Account/{record_id}", json={"data": {"name": "Changed"}})
    with services.db.write() as conn:  # the accounts table as the last release made it
        conn.exec_driver_sql("ALTER TABLE accounts DROP COLUMN _version")
    assert migrate(services.db) == ["added column accounts._version"]
    assert tag_of(api, "Account", record_id) == etag("Account", record_id, 1)
    with services.db.read() as conn:
        nullable = {c["name"]: c["nullable"] for c in sa.inspect(conn).get_columns("accounts")}
    assert nullable["_version"] is False


def test_a_replayed_conditional_patch_answers_as_the_first_time(api: ApiClient) -> None:
    """An Idempotency-Key replay returns the stored answer, its ETag included, and does not
    meet the If-Match condition again (which the first write made stale)."""
    record_id = create(api, "Account", {"name": "Acme"})
    current = tag_of(api, "Account", record_id)
    headers = {"If-Match": current, "Idempotency-Key": "etag-replay-1"}
    first = api.patch(f"/data/Account/{record_id}", json={"data": {"name": "B"}}, headers=headers)
    again = api.patch(f"/data/Account/{record_id}", json={"data": {"name": "B"}}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"] == tag_of(api, "Account", record_id)
