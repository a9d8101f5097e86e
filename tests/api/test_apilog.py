"""The API call log: every call recorded, read by admins, pruned; API writes marked."""

from __future__ import annotations

import base64
import dataclasses
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from amity.app import create_app
from amity.config import Settings
from amity.core.apilog import CallFilter
from amity.core.clock import utcnow
from amity.core.services import Services, build_services
from tests.cli_runner import run
from tests.conftest import ApiClient, User


def calls(api: ApiClient, services: Services, **params: Any) -> dict[str, Any]:
    """Flush the buffer, then list calls through the admin API."""
    services.api_log.flush()
    response = api.get("/admin/api_calls", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def add_user(services: Services, admin: User, name: str) -> str:
    services.auth.add_user(admin.actor, name, "user-pw-123")
    return services.auth.create_token(name, "t")[1]


def test_calls_are_recorded_with_who_how_where_and_outcome(
    app: Any, api: ApiClient, anon: ApiClient, services: Services, admin: User
) -> None:
    assert api.get("/data/Contact", params={"filter_text": "s3cret", "limit": 1}).status_code == 200
    basic = base64.b64encode(f"admin:{admin.password}".encode()).decode()
    assert anon.get("/me", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert anon.get("/me").status_code == 401
    assert anon.get("/me", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert (
        anon.get(
            "/data/NoSuchModel", headers={"Authorization": f"Bearer {admin.token}"}
        ).status_code
        == 404
    )

    rows = calls(api, services, limit=10)["records"]
    assert len(rows) == 5
    newest_first = list(reversed(rows))
    listed, by_basic, no_creds, bad_token, missing = newest_first
    assert listed["method"] == "GET"
    assert listed["path"] == "/api.php/data/Contact"  # the query string is never stored
    assert listed["status"] == 200
    assert (listed["user_id"], listed["user_name"]) == (admin.id, "admin")
    assert listed["credential"] == "token"
    assert listed["ip"] == "127.0.0.1"
    assert listed["duration_ms"] >= 0
    assert abs(utcnow() - _time(listed)) < timedelta(minutes=1)
    assert (by_basic["credential"], by_basic["user_name"], by_basic["path"]) == (
        "basic",
        "admin",
        "/api.php/me",
    )
    assert (no_creds["credential"], no_creds["user_name"], no_creds["status"]) == (
        "none",
        None,
        401,
    )
    assert (bad_token["credential"], bad_token["user_id"], bad_token["status"]) == (
        "token",
        None,
        401,
    )
    assert (missing["status"], missing["user_name"]) == (404, "admin")
    stored = repr(rows)
    assert "s3cret" not in stored and admin.token not in stored and basic not in stored


def _time(row: dict[str, Any]) -> datetime:
    return datetime.strptime(row["time"], "%Y-%m-%d %H:%M:%S")


def test_admin_filters_and_pages_the_log(
    app: Any, api: ApiClient, services: Services, admin: User
) -> None:
    bob = ApiClient(app, {"Authorization": f"Bearer {add_user(services, admin, 'bob')}"})
    try:
        for _ in range(3):
            assert bob.get("/me").status_code == 200
        assert bob.post("/data/Contact", json={"data": {"last_name": "Kay"}}).status_code == 200
        assert bob.get("/data/Nope").status_code == 404
    finally:
        bob.close()

    by_bob = calls(api, services, user="bob")
    assert by_bob["total_results"] == 5
    assert {r["user_name"] for r in by_bob["records"]} == {"bob"}
    posts = calls(api, services, user="bob", method="post")
    assert [(r["method"], r["path"]) for r in posts["records"]] == [
        ("POST", "/api.php/data/Contact")
    ]
    assert calls(api, services, user="bob", status=404)["total_results"] == 1

    page = calls(api, services, user="bob", limit=2, offset=1)
    assert page["total_results"] == 5 and len(page["records"]) == 2
    everything = calls(api, services, user="bob", limit=200)["records"]
    ids = [r["id"] for r in everything]
    assert [r["id"] for r in page["records"]] == ids[1:3]
    assert ids == sorted(ids, key=int, reverse=True)  # newest first

    now = utcnow()
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    earlier = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    assert calls(api, services, user="bob", since=later)["total_results"] == 0
    assert calls(api, services, user="bob", until=earlier)["total_results"] == 0
    assert calls(api, services, user="bob", since=earlier, until=later)["total_results"] == 5


def test_only_admins_read_the_log(
    app: Any, anon: ApiClient, api: ApiClient, services: Services, admin: User
) -> None:
    carol = ApiClient(app, {"Authorization": f"Bearer {add_user(services, admin, 'carol')}"})
    try:
        denied = carol.get("/admin/api_calls")
    finally:
        carol.close()
    assert denied.status_code == 403
    assert denied.json()["error"] == "forbidden"
    assert set(denied.json()) == {"error", "message", "hint"}
    assert anon.get("/admin/api_calls").status_code == 401


def test_bad_parameters_are_client_errors(api: ApiClient) -> None:
    for params in (
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"limit": "x"},
        {"since": "yesterday"},
        {"until": "2026-13-01 00:00:00"},
        {"status": "ok"},
    ):
        response = api.get("/admin/api_calls", params=params)
        assert response.status_code == 400, params
        assert set(response.json()) == {"error", "message", "hint"}


def test_old_calls_are_pruned_after_the_retention(
    api: ApiClient, services: Services, admin: User
) -> None:
    assert api.get("/me").status_code == 200
    services.api_log.flush()
    days = services.settings.api_log_retention_days
    assert services.api_log.prune(utcnow() + timedelta(days=days - 1)) == 0
    assert services.api_log.list_calls(admin.actor, CallFilter())[1] == 1
    assert services.api_log.prune(utcnow() + timedelta(days=days + 1)) == 1
    assert services.api_log.list_calls(admin.actor, CallFilter())[1] == 0


def test_nothing_is_recorded_when_the_log_is_off(
    settings: Settings, services: Services, admin: User
) -> None:
    off = build_services(dataclasses.replace(settings, api_log=False))
    client = ApiClient(create_app(off.settings, off), {"Authorization": f"Bearer {admin.token}"})
    try:
        assert client.get("/me").status_code == 200
        assert client.get("/admin/api_calls").json() == {"records": [], "total_results": 0}
        assert off.api_log.flush() == 0
    finally:
        client.close()
        off.close()
    assert services.api_log.list_calls(admin.actor, CallFilter())[1] == 0


def test_api_writes_are_marked_in_the_record_history(
    api: ApiClient, services: Services, admin: User
) -> None:
    record_id = api.post("/data/Contact", json={"data": {"last_name": "Ode"}}).json()["id"]
    assert (
        api.patch(f"/data/Contact/{record_id}", json={"data": {"first_name": "Ann"}}).status_code
        == 200
    )
    history = services.api_log.history("Contact", record_id)
    assert [(h["kind"], h["actor_id"], h["source"]) for h in history] == [
        ("create", admin.id, "api 127.0.0.1"),
        ("update", admin.id, "api 127.0.0.1"),
    ]


def test_command_line_writes_are_not_marked_as_api(
    database_url: str, services: Services, tmp_path: Path
) -> None:
    services.close()  # the CLI opens its own connections
    env = dict(os.environ, AMITY_DATABASE_URL=database_url, AMITY_LOG_LEVEL="WARNING")
    run(["user", "add", "dave", "--password", "dave-pw-2024"], env, tmp_path)
    fresh = build_services(Settings(database_url=database_url, log_level="WARNING"))
    try:
        user_id = fresh.auth.user_by_name("dave")["id"]
        sources = [h["source"] for h in fresh.api_log.history("User", user_id)]
    finally:
        fresh.close()
    assert sources and not any(s.startswith("api") for s in sources)
