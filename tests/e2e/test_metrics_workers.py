"""`amity serve --workers 2`: whichever worker answers /metrics counts the requests of
both (prometheus_client's multiprocess mode, in a directory `amity serve` makes and
removes), and the probes answer on every worker."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_serve import Server, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below
REQUESTS = 60


@pytest.fixture
def two_workers(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    env = {k: v for k, v in server_env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    srv = Server(env, tmp_path, workers=2)
    srv.start()
    yield srv
    srv.stop()


def counted(text: str, route: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "amity_http_requests_total"
                and labels.get("route") == route
                and labels.get("status") == "200"
            ):
                return sample.value
    return 0.0


def test_every_worker_answers_the_metrics_of_all(two_workers: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    root = two_workers.base.removesuffix("/api.php")
    url = f"{two_workers.base}/data/Contact?limit=1"

    def get(_: int) -> tuple[int, str]:
        with httpx.Client(headers=headers) as client:  # a connection each: both workers serve
            answer = client.get(url, timeout=30)
            return answer.status_code, answer.headers.get("x-request-id", "")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert {status for status, _ in pool.map(get, range(REQUESTS))} == {200}
    seen = set()
    for _ in range(12):  # new connections: the kernel hands them to either worker
        with httpx.Client(headers=headers) as client:
            answer = client.get(f"{root}/metrics", timeout=30)
        assert answer.status_code == 200
        seen.add(counted(answer.text, "/api.php/data/{model}"))
        assert httpx.get(f"{root}/readyz", timeout=30).json()["status"] == "ready"
    assert seen == {REQUESTS}
    workers = {
        line.split()[-1]
        for line in two_workers.log.read_text().splitlines()
        if "Started server process" in line
    }
    assert len(workers) >= 2, two_workers.log.read_text()
