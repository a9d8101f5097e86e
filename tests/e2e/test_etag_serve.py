"""If-Match against a real `amity serve`: 50 PATCHes at once carrying one ETag, each on its
own connection (on PostgreSQL spread over two worker processes, so they meet on the row
lock in the database): exactly one succeeds, the others answer 412 with the new ETag."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import httpx
import pytest

from tests.conftest import PG_URL
from tests.e2e.test_serve import Server, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below

RACERS = 50


@pytest.fixture
def served(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    srv = Server(server_env, tmp_path, workers=2 if PG_URL else 1)
    srv.start()
    yield srv
    srv.stop()


def race(base: str, headers: dict[str, str], record_id: str, if_match: str) -> list[httpx.Response]:
    """PATCH the record from RACERS threads at once, each on its own connection."""
    start = Barrier(RACERS)

    def patch(n: int) -> httpx.Response:
        with httpx.Client(timeout=60, headers=headers) as client:
            client.get(f"{base}/version")  # connect first, then start together
            start.wait()
            return client.patch(
                f"{base}/data/Account/{record_id}",
                headers={"If-Match": if_match},
                json={"data": {"name": f"Racer {n}"}},
            )

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(patch, range(RACERS)))


def test_concurrent_patches_with_one_etag_exactly_one_succeeds(served: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{served.base}/data/Account"
    for round_ in range(2):
        record_id = httpx.post(url, headers=headers, json={"data": {"name": "Hot"}}).json()["id"]
        current = httpx.get(f"{url}/{record_id}", headers=headers).headers["ETag"]
        answers = race(served.base, headers, record_id, current)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [412] * (RACERS - 1), (round_, statuses)
        winner = next(n for n, a in enumerate(answers) if a.status_code == 200)
        got = httpx.get(f"{url}/{record_id}", headers=headers)
        assert got.json()["record"]["name"] == f"Racer {winner}"
        assert answers[winner].headers["ETag"] == got.headers["ETag"] != current
        for answer in answers:
            if answer.status_code == 412:
                assert answer.json()["error"] == "precondition_failed"
                assert answer.headers["ETag"] == got.headers["ETag"]
