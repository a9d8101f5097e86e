"""Group commit: concurrent write units share a transaction but fail alone."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from amity.app import create_app
from amity.core.services import Services, build_services
from amity.errors import BadRequest
from tests.conftest import PG_URL, User
from tests.queries import filtered


def count(services: Services, actor: User, model: str, **filters: str) -> int:
    q = filtered(services, actor.actor, model, filters or None, limit=1)
    return services.records.list_records(actor.actor, model, q).total_results


def test_units_in_one_batch_fail_alone_and_succeed_durably(services: Services, admin: User) -> None:
    records = services.records

    def good(i: int) -> str:
        return records.create(admin.actor, "Account", {"name": f"Batch {i}"})

    def bad(i: int) -> str:
        # writes a record, then fails: its savepoint must take the record back with it
        records.create(admin.actor, "Account", {"name": f"Doomed {i}"})
        raise BadRequest(f"unit {i} refused")

    async def main() -> list[object]:
        units = [(good if i % 3 else bad) for i in range(30)]
        return await asyncio.gather(
            *(services.writes.run(lambda u=u, i=i: u(i)) for i, u in enumerate(units)),
            return_exceptions=True,
        )

    outcomes = asyncio.run(main())
    failures = [o for o in outcomes if isinstance(o, BadRequest)]
    created = [o for o in outcomes if isinstance(o, str)]
    assert len(failures) == 10 and len(created) == 20
    # answered only after the commit: a separate read sees every acknowledged write
    for record_id in created:
        assert records.get(admin.actor, "Account", record_id)["name"].startswith("Batch")
    assert count(services, admin, "Account", name="Doomed") == 0
    assert count(services, admin, "Account") == 20


def test_concurrent_api_creates_all_land(services: Services, admin: User) -> None:
    app = create_app(services.settings, services)

    async def main() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://t/api.php",
            headers={"Authorization": f"Bearer {admin.token}"},
        ) as c:
            responses = await asyncio.gather(
                *(
                    c.post("/data/Contact", json={"data": {"last_name": f"Concurrent {i}"}})
                    for i in range(50)
                )
            )
        return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 50
    assert count(services, admin, "Contact", last_name="Concurrent") == 50


@pytest.mark.parametrize("n", [1, 5])
def test_a_unit_result_is_returned(services: Services, admin: User, n: int) -> None:
    async def main() -> list[int]:
        return list(
            await asyncio.gather(*(services.writes.run(lambda i=i: i * 2) for i in range(n)))
        )

    assert asyncio.run(main()) == [i * 2 for i in range(n)]


@pytest.mark.skipif(
    not PG_URL,
    reason="needs AMITY_TEST_DATABASE_URL (PostgreSQL): SQLite "
    "has one writer at a time, so its batches cannot deadlock",
)
def test_batches_of_two_processes_that_deadlock_still_write_everything(
    services: Services, admin: User
) -> None:
    """Two committers (as two worker processes have) whose batches lock two records in
    opposite orders: PostgreSQL aborts one transaction, whose units must run again."""
    other = build_services(services.settings)
    records = services.records
    first, second = (records.create(admin.actor, "Account", {"name": n}) for n in "AB")
    both_hold_one = threading.Barrier(2, timeout=20)

    async def batch(svc: Services, order: tuple[str, str]) -> list[object]:
        """One batch of two units: the first locks a record and meets the other batch."""
        busy, go = threading.Event(), threading.Event()

        def hold() -> None:
            busy.set()
            go.wait(20)

        held = asyncio.ensure_future(svc.writes.run(hold))
        await asyncio.to_thread(busy.wait, 20)
        met: list[bool] = []  # the meeting happens on the first run only, not on a rerun

        def unit(i: int) -> None:
            svc.records.update(admin.actor, "Account", order[i], {"description": f"{i}"})
            if i == 0 and not met:
                met.append(True)
                both_hold_one.wait()

        units = [asyncio.ensure_future(svc.writes.run(lambda i=i: unit(i))) for i in (0, 1)]
        await asyncio.sleep(0.05)  # both queued behind `hold`: they form the next batch
        go.set()
        await held
        return list(await asyncio.gather(*units, return_exceptions=True))

    async def main() -> list[object]:
        ours, theirs = await asyncio.gather(
            batch(services, (first, second)), batch(other, (second, first))
        )
        return ours + theirs

    try:
        outcomes = asyncio.run(main())
    finally:
        other.close()
    assert outcomes == [None] * 4
    descriptions = {
        records.get(admin.actor, "Account", rid)["description"] for rid in (first, second)
    }
    assert descriptions <= {"0", "1"}
