"""Idempotency-Key against a real `amity serve` with two worker processes: 20 threads send
one keyed create at once; exactly one record is created."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e.test_serve import Server, server_env, token

__all__ = ["server_env", "token"]  # fixtures


def test_20_concurrent_keyed_creates_make_one_record(
    server_env: dict[str, str], token: str, tmp_path: Path
) -> None:
    srv = Server(server_env, tmp_path, workers=2)
    srv.start()
    try:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        body = {"data": {"last_name": "Stampede"}}
        start = threading.Barrier(20)

        def create(_: int) -> httpx.Response:
            with httpx.Client(timeout=30) as client:
                start.wait()
                return client.post(f"{srv.base}/data/Contact", headers=headers, json=body)

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(create, range(20)))
        assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
        firsts = [
            a for a in answers if a.status_code == 200 and "idempotent-replayed" not in a.headers
        ]
        assert len(firsts) == 1
        record_id = firsts[0].json()["id"]
        for answer in answers:
            if answer.status_code == 200:
                assert answer.json() == {"id": record_id}
            else:
                assert answer.json()["error"] == "conflict"
        replay = httpx.post(f"{srv.base}/data/Contact", headers=headers, json=body)
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == {"id": record_id}
        listed = httpx.get(
            f"{srv.base}/data/Contact",
            params={"filters[last_name]": "Stampede"},
            headers={"Authorization": headers["Authorization"]},
        ).json()
        assert [r["id"] for r in listed["records"]] == [record_id]
        changed = httpx.post(
            f"{srv.base}/data/Contact", headers=headers, json={"data": {"last_name": "Other"}}
        )
        assert changed.status_code == 422
    finally:
        srv.stop()
