"""AsyncClient against the real server: lists and `async for`, CRUD, related, errors,
retries. Each test runs its coroutine with asyncio.run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import ADMIN_PASSWORD, FAST_RETRY, Faults, free_port, unique

from amity_client import (
    AsyncClient,
    AsyncListResult,
    BadRequest,
    BasicAuth,
    MethodNotAllowed,
    NetworkError,
    NotFound,
    PreconditionFailed,
    RetryPolicy,
    TokenAuth,
    Unauthorized,
)

Scenario = Callable[[AsyncClient], Awaitable[None]]


def run(url: str, token: str, scenario: Scenario, **options: Any) -> None:
    async def main() -> None:
        options.setdefault("retry", FAST_RETRY)
        async with AsyncClient(url, TokenAuth(token), **options) as client:
            await scenario(client)

    asyncio.run(main())


def test_async_for_walks_every_page(url: str, token: str, caplog: pytest.LogCaptureFixture) -> None:
    last = unique("APage")

    async def scenario(client: AsyncClient) -> None:
        contacts = client.model("Contact")
        ids = await asyncio.gather(
            *(contacts.create({"first_name": f"A{i:02d}", "last_name": last}) for i in range(23))
        )
        caplog.set_level(logging.DEBUG, logger="amity_client")
        result = await contacts.list(filters={"last_name": last}, order="first_name", limit=5)
        assert isinstance(result, AsyncListResult)
        assert result.total_results == 23 and len(result.records) == 5
        seen = [r["id"] async for r in result]
        assert seen == list(ids)
        pages = [r for r in caplog.records if r.getMessage().startswith("GET /data/Contact")]
        assert len(pages) == 5

    run(url, token, scenario)


def test_async_for_without_await_walks_every_page(
    url: str, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    last = unique("ANoAwait")

    async def scenario(client: AsyncClient) -> None:
        contacts, accounts = client.model("Contact"), client.model("Account")
        ids = [
            await contacts.create({"first_name": f"N{i:02d}", "last_name": last}) for i in range(12)
        ]
        caplog.set_level(logging.DEBUG, logger="amity_client")
        seen = [
            r["id"]
            async for r in contacts.list(filters={"last_name": last}, order="first_name", limit=5)
        ]
        assert seen == ids
        pages = [r for r in caplog.records if r.getMessage().startswith("GET /data/Contact")]
        assert len(pages) == 3
        from_offset = [
            r["id"]
            async for r in contacts.list(
                filters={"last_name": last}, order="first_name", offset=10, limit=5
            )
        ]
        assert from_offset == ids[10:]

        account = await accounts.create({"name": unique("NoAwaitCo")})
        assert await accounts.add_related(account, "contacts", ids)
        related = [
            r["id"]
            async for r in accounts.related(account, "contacts", order="first_name", limit=4)
        ]
        assert related == ids
        linked = {r["id"] async for r in accounts.linked_records("contacts", limit=7)}
        assert set(ids) <= linked

        first = await contacts.list(filters={"last_name": last}, limit=5)  # as before
        assert isinstance(first, AsyncListResult) and len(first.records) == 5
        assert first.total_results == 12
        with pytest.raises(NotFound):
            [r async for r in client.model("Acount").list()]

    run(url, token, scenario)


def test_async_crud_and_related(url: str, token: str) -> None:
    async def scenario(client: AsyncClient) -> None:
        accounts, contacts = client.model("Account"), client.model("Contact")
        account = await accounts.create({"name": unique("AsyncCo")})
        assert await accounts.update(account, {"industry": "Energy"}) is True
        assert (await accounts.get(account, fields=["industry"]))["industry"] == "Energy"
        contact = await contacts.create({"last_name": unique("AsyncP")})
        assert await accounts.add_related(account, "contacts", [contact]) is True
        related = await accounts.related(account, "contacts")
        assert [r["id"] async for r in related] == [contact]
        linked = await accounts.linked_records("contacts", limit=200)
        assert contact in {r["id"] async for r in linked}
        assert await accounts.delete_related(account, "contacts", contact) is True
        assert (await accounts.related(account, "contacts")).total_results == 0
        note_id = unique("anote-")
        assert await client.model("Note").update(note_id, {"name": "up"}, create=True)
        assert await contacts.toggle_favorite(contact) is True
        assert await contacts.toggle_favorite(contact) is False
        assert await contacts.erase_personal(contact, "phone_work") is True
        assert "first_name" in (await contacts.metadata())["fields"]
        assert await accounts.delete(account) is True
        with pytest.raises(NotFound):
            await accounts.get(account)

    run(url, token, scenario)


def test_async_if_match(url: str, token: str) -> None:
    async def scenario(client: AsyncClient) -> None:
        accounts = client.model("Account")
        account = await accounts.create({"name": unique("AsyncEtag")})
        read = await accounts.get(account)
        assert read.etag
        assert await accounts.update(account, {"industry": "Energy"}, if_match=read.etag)
        with pytest.raises(PreconditionFailed) as info:
            await accounts.delete(account, if_match=read.etag)
        assert info.value.etag == (await accounts.get(account)).etag != read.etag
        assert await accounts.delete(account, if_match=info.value.etag) is True

    run(url, token, scenario)


def test_async_low_level_and_server_info(url: str, token: str) -> None:
    async def scenario(client: AsyncClient) -> None:
        name = unique("ALow")
        record_id = (await client.post("/data/Note", {"data": {"name": name}}))["id"]
        assert await client.patch(f"/data/Note/{record_id}", {"data": {"name": "p"}})
        assert await client.put(f"/data/Note/{record_id}", {"data": {"name": "q"}})
        got = await client.get(f"/data/Note/{record_id}", {"fields": ["name"]})
        assert got["record"]["name"] == "q"
        assert await client.delete(f"/data/Note/{record_id}") == {"result": True}
        assert (await client.me())["user_name"] == "admin"
        assert (await client.server_version())["authenticated"] is True
        assert (await client.server_key()).startswith("-----BEGIN PUBLIC KEY-----")
        with pytest.raises(MethodNotAllowed):
            await client.request("PUT", "/data/Note")

    run(url, token, scenario)


def test_async_errors(url: str, token: str) -> None:
    async def scenario(client: AsyncClient) -> None:
        with pytest.raises(NotFound) as not_found:
            await client.model("Acount").list()
        assert not_found.value.message == "Model Acount not found"
        with pytest.raises(BadRequest):
            await client.model("Contact").list(fields=["no_such_field"])

    run(url, token, scenario)

    async def unauthorized() -> None:
        async with AsyncClient(url, TokenAuth("amity_pat_wrong")) as client:
            with pytest.raises(Unauthorized):
                await client.me()
        async with AsyncClient(url, BasicAuth("admin", ADMIN_PASSWORD)) as client:
            assert (await client.me())["role"] == "admin"
        closed = f"http://127.0.0.1:{free_port()}/api.php"
        async with AsyncClient(closed, retry=RetryPolicy(max_retries=0)) as client:
            with pytest.raises(NetworkError) as info:
                await client.me()
            assert info.value.status == 0

    asyncio.run(unauthorized())


def test_async_retries_after_retry_after(faults: Faults, token: str) -> None:
    faults.arm("/me", 429, 1, retry_after="1")

    async def scenario(client: AsyncClient) -> None:
        assert (await client.me())["user_name"] == "admin"

    run(faults.url, token, scenario)
    arrivals = faults.arrivals("/me")
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 1.0
