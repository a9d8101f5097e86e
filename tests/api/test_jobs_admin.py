"""Admins see and steer jobs: GET /admin/jobs, POST /admin/jobs/{id}/retry and /cancel,
and `amity jobs list|retry|cancel`, the same shapes on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from amity.core.clock import utcnow
from amity.core.jobs import JOB_ACTOR as ADMIN
from amity.core.services import Services
from tests.cli_runner import Ran, run
from tests.conftest import ApiClient
from tests.core.test_jobs import defer, run_until

JOB_KEYS = {
    "id",
    "task",
    "args",
    "state",
    "attempts",
    "max_attempts",
    "last_error",
    "next_run",
    "lock",
    "date_created",
    "date_modified",
}


def later() -> dict[str, object]:
    return {"run_at": utcnow() + timedelta(hours=1)}


def test_the_list_shows_jobs_newest_first_and_filters_by_state(
    api: ApiClient, services: Services
) -> None:
    first = defer(services, "amity.noop", {"a": 1}, lock="k1", **later())
    second = defer(services, "amity.noop", {"a": 2})
    run_until(services, lambda: services.jobs.get(ADMIN, second)["state"] == "succeeded")
    listed = api.get("/admin/jobs").json()
    assert listed["total_results"] == 2
    assert [r["id"] for r in listed["records"]] == [second, first]
    waiting = listed["records"][1]
    assert set(waiting) == JOB_KEYS
    assert waiting["task"] == "amity.noop" and waiting["args"] == {"a": 1}
    assert waiting["state"] == "todo" and waiting["attempts"] == 0 and waiting["lock"] == "k1"
    assert waiting["next_run"] and len(waiting["next_run"]) == 19  # Y-m-d H:i:s
    assert listed["records"][0]["next_run"] is None
    todo = api.get("/admin/jobs", params={"state": "todo"}).json()
    assert [r["id"] for r in todo["records"]] == [first] and todo["total_results"] == 1
    page = api.get("/admin/jobs", params={"offset": 1, "limit": 1}).json()
    assert [r["id"] for r in page["records"]] == [first] and page["total_results"] == 2


def test_bad_list_parameters_are_400(api: ApiClient) -> None:
    for params in ({"state": "sleeping"}, {"limit": "0"}, {"limit": "201"}, {"offset": "-1"}):
        resp = api.get("/admin/jobs", params=params)
        assert resp.status_code == 400 and set(resp.json()) == {"error", "message", "hint"}


def test_a_failed_job_shows_its_attempts_and_error_and_runs_again_on_retry(
    api: ApiClient, services: Services, tmp_path: Path
) -> None:
    path = str(tmp_path / "tries")
    failing = defer(services, "test.fail", {"path": path})
    run_until(services, lambda: services.jobs.list_jobs(ADMIN, state="failed")[1] == 1)
    failed = api.get("/admin/jobs", params={"state": "failed"}).json()["records"][0]
    assert failed["id"] == failing and failed["attempts"] == 3 and failed["max_attempts"] == 3
    assert failed["last_error"] == "RuntimeError: the remote end said no"
    assert failed["next_run"] is None
    retried = api.post(f"/admin/jobs/{failing}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["record"]["state"] == "todo"
    assert api.post(f"/admin/jobs/{failing}/retry").status_code == 409  # waiting already
    run_until(services, lambda: services.jobs.list_jobs(ADMIN, state="failed")[1] == 1)
    assert len(Path(path).read_text().splitlines()) == 4  # one more run, then failed again


def test_cancel_a_waiting_job_then_retry_it(api: ApiClient, services: Services) -> None:
    waiting = defer(services, "amity.noop", {}, **later())
    cancelled = api.post(f"/admin/jobs/{waiting}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["record"]["state"] == "cancelled"
    again = api.post(f"/admin/jobs/{waiting}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    retried = api.post(f"/admin/jobs/{waiting}/retry").json()["record"]
    assert retried["state"] == "todo" and retried["next_run"]
    run_until(
        services,
        lambda: services.jobs.get(ADMIN, waiting)["state"] == "succeeded",
    )
    assert api.post(f"/admin/jobs/{waiting}/cancel").status_code == 409  # finished


def test_unknown_jobs_are_404(api: ApiClient) -> None:
    for job_id in ("999999", "abc", "99999999999999999999999"):
        for action in ("retry", "cancel"):
            resp = api.post(f"/admin/jobs/{job_id}/{action}")
            assert resp.status_code == 404 and resp.json()["error"] == "not_found", resp.text


def test_the_jobs_commands(database_url: str, services: Services, tmp_path: Path) -> None:
    waiting = defer(services, "amity.noop", {}, **later())
    env = dict(os.environ, AMITY_DATABASE_URL=database_url, AMITY_LOG_LEVEL="WARNING")

    def amity(*args: str) -> Ran:
        return run(["jobs", *args], env, tmp_path, check=False)

    listed = amity("list", "--state", "todo")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[:3] == [waiting, "amity.noop", "todo"]
    assert amity("cancel", waiting).stdout.split("\t")[2] == "cancelled"
    refused = amity("cancel", waiting)
    assert refused.returncode == 1 and "only waiting jobs can be cancelled" in refused.stderr
    assert amity("retry", waiting).stdout.split("\t")[2] == "todo"
    missing = amity("retry", "424242")
    assert missing.returncode == 1 and "No job with id 424242" in missing.stderr
