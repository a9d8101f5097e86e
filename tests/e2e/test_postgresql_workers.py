"""Several PostgreSQL workers writing the same data: no 500 and no 503, only 200s and 409s.

Each worker process has its own group committer (store/batch.py), so two batches of
different workers meet in the database: on one unique value, or on the same records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_URL
from tests.e2e.test_serve import Server, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="needs AMITY_TEST_DATABASE_URL (PostgreSQL): SQLite has one writer at a time"
)

ROUNDS = 6
RACERS = 8
# each client writes its own field of the shared records, so its last write must be stored
CLIENT_FIELDS = (
    "annual_revenue",
    "rating",
    "ownership",
    "description",
    "sic_code",
    "ticker_symbol",
    "billing_address_city",
    "shipping_address_city",
)


@pytest.fixture
def workers(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    srv = Server(server_env, tmp_path, workers=2)
    srv.start()
    yield srv
    srv.stop()


def race(base: str, token: str, path: str, bodies: list[dict[str, object]]) -> list[int]:
    """POST the bodies at once, each on its own connection (so spread over the workers)."""

    def post(body: dict[str, object]) -> int:
        with httpx.Client(timeout=60) as client:
            res = client.post(
                f"{base}{path}", headers={"Authorization": f"Bearer {token}"}, json={"data": body}
            )
            assert set(res.json()) == (
                {"id"} if res.status_code == 200 else {"error", "message", "hint"}
            ), res.text
            return res.status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_racing_creates_of_one_unique_value_answer_one_200_and_409s(
    workers: Server, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    added = httpx.post(
        f"{workers.base}/admin/fields/Account",
        headers=headers,
        json={"name": "vat_c", "type": "Text", "unique": True},
    )
    assert added.status_code == 200, added.text
    for n in range(ROUNDS):
        statuses = race(
            workers.base,
            token,
            "/data/Account",
            [{"name": f"Racer {i}", "vat_c": f"DE{n}"} for i in range(RACERS)],
        )
        assert sorted(statuses) == [200] + [409] * (RACERS - 1), statuses
        statuses = race(
            workers.base,
            token,
            "/data/User",
            [{"user_name": f"racer{n}", "last_name": f"Racer {i}"} for i in range(RACERS)],
        )
        assert sorted(statuses) == [200] + [409] * (RACERS - 1), statuses
    for field, value in [("vat_c", "DE"), ("user_name", "racer")]:
        model = "Account" if field == "vat_c" else "User"
        for n in range(ROUNDS):
            listed = httpx.get(
                f"{workers.base}/data/{model}",
                headers=headers,
                params={f"filters[{field}]": f"{value}{n}", "fields[]": field},
            ).json()
            assert [r[field] for r in listed["records"]] == [f"{value}{n}"], listed


def test_hot_record_patches_on_two_workers_all_succeed_and_stay(
    workers: Server, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    hot = [
        httpx.post(
            f"{workers.base}/data/Account", headers=headers, json={"data": {"name": f"Hot {i}"}}
        ).json()["id"]
        for i in range(3)
    ]

    def client(field: str) -> tuple[list[int], dict[str, str]]:
        """PATCH the hot records in random order; the last value acknowledged per record."""
        rng = random.Random(field)
        statuses, last = [], {}
        with httpx.Client(timeout=60, headers=headers) as http:
            for n in range(50):
                record_id = rng.choice(hot)
                value = f"{field[:3]}{n}"
                res = http.patch(
                    f"{workers.base}/data/Account/{record_id}", json={"data": {field: value}}
                )
                statuses.append(res.status_code)
                if res.status_code == 200:
                    last[record_id] = value
        return statuses, last

    with ThreadPoolExecutor(max_workers=len(CLIENT_FIELDS)) as pool:
        outcomes = list(pool.map(client, CLIENT_FIELDS))
    statuses = [s for outcome, _ in outcomes for s in outcome]
    assert {s: statuses.count(s) for s in set(statuses)} == {200: len(statuses)}
    for field, (_, last) in zip(CLIENT_FIELDS, outcomes, strict=True):
        for record_id, value in last.items():
            got = httpx.get(f"{workers.base}/data/Account/{record_id}", headers=headers)
            assert got.json()["record"][field] == value
    log = workers.log.read_text()
    assert "deadlock detected" not in log and "Traceback" not in log
