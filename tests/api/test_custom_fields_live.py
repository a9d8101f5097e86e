"""Custom fields added while the server works: concurrent writers lose nothing, and a
second process on the same database picks the change up without a restart."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from tests.conftest import ApiClient, User

WRITERS = 6
WRITES_EACH = 25


Write = tuple[str, dict[str, Any]]  # (model, data) of one create


async def writers_while_changing(
    app: Any, token: str, change: tuple[str, dict[str, Any]], after: Callable[[int, int], Write]
) -> tuple[list[int], dict[str, Write]]:
    """WRITERS clients create notes (and list some) while an admin makes a metadata
    `change` (path, body); once it is made, their last writes are `after(n, i)`, which
    use it. Returns every status and what each created record holds."""
    headers = {"Authorization": f"Bearer {token}"}
    statuses: list[int] = []
    expected: dict[str, Write] = {}
    changed = asyncio.Event()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        headers=headers,
        base_url="http://testserver/api.php",
        timeout=60,
    ) as client:

        async def writer(n: int) -> None:
            for i in range(WRITES_EACH):
                if i == WRITES_EACH - 3:  # the last writes surely use the change
                    await changed.wait()
                model, data = (
                    after(n, i) if changed.is_set() else ("Note", {"name": f"note {n}-{i}"})
                )
                res = await client.post(f"/data/{model}", json={"data": data})
                statuses.append(res.status_code)
                if res.status_code == 200:
                    expected[res.json()["id"]] = (model, data)
                if i % 5 == 0:  # reads run meanwhile too
                    listed = await client.get("/data/Note", params={"limit": 5})
                    statuses.append(listed.status_code)
                await asyncio.sleep(0)

        async def admin() -> None:
            while len(expected) < 2 * WRITERS:  # change the metadata while writes go on
                await asyncio.sleep(0.001)
            res = await client.post(change[0], json=change[1])
            statuses.append(res.status_code)
            changed.set()

        await asyncio.gather(admin(), *(writer(n) for n in range(WRITERS)))
    return statuses, expected


def test_adding_a_field_while_writers_run_fails_no_request_and_loses_no_write(
    app: Any, api: ApiClient, admin: User
) -> None:
    statuses, written = asyncio.run(
        writers_while_changing(
            app,
            admin.token,
            ("/admin/fields/Note", {"name": "score_c", "type": "Number", "indexed": True}),
            lambda n, i: ("Note", {"name": f"note {n}-{i}", "score_c": n * 1000 + i}),
        )
    )
    assert set(statuses) == {200}
    assert len(written) == WRITERS * WRITES_EACH
    expected = {k: data.get("score_c") for k, (_, data) in written.items()}
    with_value = {k: v for k, v in expected.items() if v is not None}
    assert 3 * WRITERS <= len(with_value) < len(expected)  # before and after the change
    seen: dict[str, Any] = {}
    for offset in range(0, len(expected), 200):
        page = api.get(
            "/data/Note", params={"fields[]": "score_c", "limit": 200, "offset": offset}
        ).json()
        seen.update({r["id"]: r["score_c"] for r in page["records"]})
    assert seen == expected
    assert api.get("/data/Note").json()["total_results"] == len(expected)


@pytest.fixture
def second(settings: Settings, services: Services) -> Iterator[tuple[Services, ApiClient]]:
    """Another process's services and app on the same database (checks rarely)."""
    other = build_services(dataclasses.replace(settings, metadata_check_seconds=3600))
    other.metadata.refresh()
    client = ApiClient(create_app(other.settings, other))
    yield other, client
    client.close()
    other.close()


def test_a_second_process_picks_up_new_fields_at_once(
    api: ApiClient, admin: User, second: tuple[Services, ApiClient]
) -> None:
    other, other_api = second
    auth = {"Authorization": f"Bearer {admin.token}"}
    assert other_api.get("/data/Contact", headers=auth).status_code == 200
    res = api.post(
        "/admin/fields/Contact",
        json={"name": "tier_c", "type": "Select", "options": ["Gold", "Silver"]},
    )
    assert res.status_code == 200
    # the other process has not looked yet, but a request naming the field makes it look
    created = other_api.post(
        "/data/Contact", headers=auth, json={"data": {"last_name": "Far", "tier_c": 2}}
    )
    assert created.status_code == 200, created.text
    record_id = created.json()["id"]
    got = other_api.get(
        "/data/Contact", headers=auth, params={"filters[tier_c]": "2", "order": "tier_c"}
    ).json()
    assert [r["id"] for r in got["records"]] == [record_id]
    assert api.get(f"/data/Contact/{record_id}").json()["record"]["tier_c"] == 2
    # options renamed and the field removed elsewhere: seen here at the next check
    api.patch(
        "/admin/fields/Contact/tier_c", json={"options": [{"id": 1}, {"id": 2, "label": "Argent"}]}
    )
    other.metadata.refresh_if_due()  # not due yet: still the old label
    assert (
        other_api.get("/meta/fields/Contact", headers=auth).json()["fields"]["tier_c"]["options"][
            "2"
        ]
        == "Silver"
    )
    other.metadata.refresh()
    assert (
        other_api.get("/meta/fields/Contact", headers=auth).json()["fields"]["tier_c"]["options"][
            "2"
        ]
        == "Argent"
    )
    api.delete("/admin/fields/Contact/tier_c")
    # the other process still runs on the old metadata: its requests keep working
    assert (
        other_api.post(
            "/data/Contact", headers=auth, json={"data": {"last_name": "Old", "tier_c": 1}}
        ).status_code
        == 200
    )
    assert other_api.get(f"/data/Contact/{record_id}", headers=auth).status_code == 200
    other.metadata.refresh()
    assert (
        "tier_c" not in other_api.get(f"/data/Contact/{record_id}", headers=auth).json()["record"]
    )
