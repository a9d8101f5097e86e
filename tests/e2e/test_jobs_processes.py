"""Jobs in real processes: `amity worker` and `amity serve` killed with SIGKILL mid-job
lose no job; two workers never run one job at once; jobs of one lock keep their order.
On SQLite and on PostgreSQL (AMITY_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from amity.config import Settings
from amity.core.clock import utcnow
from amity.core.jobs import JOB_ACTOR
from amity.core.services import Services, build_services
from tests.conftest import PG_URL
from tests.core.test_jobs import defer
from tests.e2e.test_serve import Server, server_env, token
from tests.jobs_tasks import lines

__all__ = ["server_env", "token"]  # fixtures used below

ROOT = Path(__file__).resolve().parents[2]
HOUR = timedelta(hours=1)
STALLED = "2"  # seconds: a runner silent this long is taken for dead


@pytest.fixture
def jobs_env(server_env: dict[str, str]) -> dict[str, str]:
    return dict(
        server_env,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        AMITY_JOBS_MODULES="tests.jobs_tasks",
        AMITY_JOBS_STALLED_SECONDS=STALLED,
        AMITY_JOBS_POLL_SECONDS="0.1",
    )


@pytest.fixture
def jobs(jobs_env: dict[str, str]) -> Iterator[Services]:
    """Services on the processes' database, to defer and inspect jobs."""
    svc = build_services(Settings(database_url=jobs_env["AMITY_DATABASE_URL"], log_level="WARNING"))
    yield svc
    svc.close()


class Worker:
    """A running `amity worker`."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.log = cwd / f"{name}.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "amity", "worker"],
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(jobs_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        started.append(Worker(jobs_env, tmp_path, f"worker{len(started)}"))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def wait_for(what: str, done: Callable[[], bool], *logs: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            shown = "\n".join(log.read_text()[-3000:] for log in logs if log.exists())
            raise AssertionError(f"{what} did not happen\n{shown}")
        time.sleep(0.1)


def state(jobs: Services, job_id: str) -> str:
    return str(jobs.jobs.get(JOB_ACTOR, job_id)["state"])


def test_a_job_of_a_worker_killed_mid_job_runs_again(
    jobs: Services, workers: Callable[[], Worker], tmp_path: Path
) -> None:
    path = str(tmp_path / "hang")
    job_id = defer(jobs, "test.hang_once", {"path": path})
    first = workers()
    wait_for("the first run", lambda: len(lines(path)) == 1, first.log)
    first.kill()  # mid-job: it hangs in its first run
    assert state(jobs, job_id) == "doing"
    second = workers()
    wait_for("the second run", lambda: state(jobs, job_id) == "succeeded", first.log, second.log)
    assert [line[0] for line in lines(path)] == ["start", "start", "done"]
    assert jobs.jobs.get(JOB_ACTOR, job_id)["attempts"] == 2


def test_a_job_of_a_serve_killed_mid_job_runs_again_after_a_restart(
    jobs: Services, jobs_env: dict[str, str], tmp_path: Path
) -> None:
    server = Server(jobs_env, tmp_path)
    server.start()
    try:
        path = str(tmp_path / "hang")
        job_id = defer(jobs, "test.hang_once", {"path": path})
        wait_for("the first run", lambda: len(lines(path)) == 1, server.log)
        server.kill()
        server.start()
        wait_for("the second run", lambda: state(jobs, job_id) == "succeeded", server.log)
        assert [line[0] for line in lines(path)] == ["start", "start", "done"]
    finally:
        server.stop()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's runner; procrastinate workers LISTEN")
def test_serve_runs_a_job_its_own_write_made_due_without_waiting_to_poll(
    jobs: Services, jobs_env: dict[str, str], tmp_path: Path, token: str
) -> None:
    """A write that makes a job due (here: an admin's retry) wakes the runner of its
    process once it commits; the runner would look on its own only after 600 s."""
    server = Server(dict(jobs_env, AMITY_JOBS_POLL_SECONDS="600"), tmp_path)
    server.start()
    try:
        path = str(tmp_path / "ran")
        job_id = defer(jobs, "test.record", {"path": path, "n": 1}, run_at=utcnow() + HOUR)
        jobs.jobs.cancel(JOB_ACTOR, job_id)
        resp = httpx.post(
            f"{server.base}/admin/jobs/{job_id}/retry", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code == 200, resp.text
        wait_for("the job", lambda: state(jobs, job_id) == "succeeded", server.log, seconds=120)
    finally:
        server.stop()


def test_two_workers_never_run_one_job_at_once_and_keep_lock_order(
    jobs: Services, workers: Callable[[], Worker], tmp_path: Path
) -> None:
    free, locked = str(tmp_path / "free"), str(tmp_path / "locked")
    one, two = workers(), workers()
    ids = []
    for n in range(40):
        ids.append(defer(jobs, "test.record", {"path": free, "n": n, "sleep": 0.01}))
        if n < 15:
            ids.append(
                defer(jobs, "test.record", {"path": locked, "n": n, "sleep": 0.01}, lock="L")
            )
    wait_for(
        "all jobs",
        lambda: all(state(jobs, job_id) == "succeeded" for job_id in ids),
        one.log,
        two.log,
    )
    starts = sorted(int(line[1]) for line in lines(free) if line[0] == "start")
    assert starts == list(range(40))  # each job started exactly once
    got = [(line[0], int(line[1])) for line in lines(locked)]
    assert got == [(kind, n) for n in range(15) for kind in ("start", "end")]


def test_a_killed_workers_job_whose_waiting_key_another_job_holds_still_gets_its_work_done(
    jobs: Services, workers: Callable[[], Worker], tmp_path: Path
) -> None:
    """While a job of a lock and waiting key runs, another of that key is deferred; the
    worker dies. The work is done again, nothing stays stuck (on PostgreSQL the stalled job
    cannot go back to the queue beside the waiting one: it fails, the waiting one runs)."""
    path = str(tmp_path / "hang")
    key = {"lock": "K", "waiting_key": "K"}
    first_id = defer(jobs, "test.hang_once", {"path": path}, **key)
    first = workers()
    wait_for("the first run", lambda: len(lines(path)) == 1, first.log)
    waiting_id = defer(jobs, "test.hang_once", {"path": path}, **key)
    assert waiting_id not in ("None", first_id)
    first.kill()
    second = workers()
    ids = (first_id, waiting_id)
    wait_for(
        "both jobs finished",
        lambda: all(state(jobs, job_id) in ("succeeded", "failed") for job_id in ids),
        first.log,
        second.log,
        seconds=60,
    )
    assert [line[0] for line in lines(path)][-1] == "done"
    assert state(jobs, waiting_id) == "succeeded"
    if PG_URL:
        stalled = jobs.jobs.get(JOB_ACTOR, first_id)
        assert stalled["state"] == "failed"
        assert "the waiting job of K runs instead" in stalled["last_error"]
    else:  # the runner claims the stalled job again, then the waiting one
        assert state(jobs, first_id) == "succeeded"
