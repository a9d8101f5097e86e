"""GET /metrics: who may read it, request counts by route template (never a raw path),
and the gauges of the job queue, webhook messages and the connection pool."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services
from tests.api.acl_world import World, build_world
from tests.conftest import ApiClient, User

METRICS = "http://testserver/metrics"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition: (name, sorted labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def scrape(app: Any, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    client = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        answer = client.get(METRICS)
    finally:
        client.close()
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return samples(answer.text)


def requests_of(found: dict[Any, float], route: str, status: str = "200") -> float:
    labels = (("method", "GET"), ("route", route), ("status", status))
    return found.get(("amity_http_requests_total", labels), 0.0)


@pytest.fixture
def world(services: Services, admin: User) -> World:
    return build_world(services, admin)


def test_only_administrators_read_the_metrics(app: Any, world: World) -> None:
    anonymous = ApiClient(app)
    try:
        refused = anonymous.get(METRICS)
    finally:
        anonymous.close()
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    for user in ("owner", "reader"):  # alice (staff), dave (reader): no administrators
        client = ApiClient(app, {"Authorization": f"Bearer {world.tokens[user]}"})
        try:
            answer = client.get(METRICS)
        finally:
            client.close()
        assert answer.status_code == 403, user
        assert set(answer.json()) == {"error", "message", "hint"}
    assert scrape(app, world.tokens["admin"])


def test_an_allowed_network_reads_them_without_credentials(
    settings: Settings, services: Services
) -> None:
    for allow, status in (("10.0.0.0/8", 401), ("127.0.0.0/8, ::1", 200)):
        app = create_app(dataclasses.replace(settings, metrics_allow=allow), services)
        client = ApiClient(app)  # in-process requests come from 127.0.0.1
        try:
            assert client.get(METRICS).status_code == status, allow
        finally:
            client.close()


def test_a_malformed_allowed_network_stops_the_app(settings: Settings, services: Services) -> None:
    with pytest.raises(ValueError, match="AMITY_METRICS_ALLOW"):
        create_app(dataclasses.replace(settings, metrics_allow="10.0.0.0/33"), services)


def test_requests_are_counted_by_route_template(app: Any, world: World, admin: User) -> None:
    contact = world.ids["contact"]
    before = scrape(app, admin.token)
    client = ApiClient(app, {"Authorization": f"Bearer {admin.token}"})
    try:
        for _ in range(3):
            assert client.get(f"/data/Contact/{contact}").status_code == 200
        assert client.get("/data/Contact/no-such-id").status_code == 404
        assert client.get("http://testserver/no/such/route").status_code == 404
    finally:
        client.close()
    after = scrape(app, admin.token)
    route = "/api.php/data/{model}/{id}"
    assert requests_of(after, route) - requests_of(before, route) == 3
    assert requests_of(after, route, "404") - requests_of(before, route, "404") == 1
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") == 1
    count = ("amity_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))
    assert after[count] - before.get(count, 0.0) == 4
    text = "\n".join(str(key) for key in after)
    assert contact not in text and "no-such-id" not in text  # ids make no series


def test_the_gauges_show_the_job_queue_and_webhook_messages(
    app: Any, services: Services, admin: User
) -> None:
    before = scrape(app, admin.token)
    assert before[("amity_jobs", (("state", "todo"),))] >= 0
    assert ("amity_webhook_messages", (("state", "delivered"),)) in before
    assert before[("amity_db_pool_connections", (("state", "idle"),))] >= 0
    with services.db.write() as conn:
        for _ in range(2):
            services.jobs.defer(conn, "amity.noop")
    after = scrape(app, admin.token)
    todo = ("amity_jobs", (("state", "todo"),))
    assert after[todo] - before[todo] == 2
    assert after[("amity_jobs_oldest_due_seconds", ())] >= 0


def test_building_many_apps_tags_each_route_once(settings: Settings, services: Services) -> None:
    """The dashboard's routes are module-level objects that every app shares (the tests
    build thousands of apps): each is wrapped once, not once per app."""
    from amity import web

    shared = next(r for r in web.routes if getattr(r, "path", "") == "/app/login")
    create_app(settings, services)
    tagged = shared.app  # type: ignore[attr-defined]
    for _ in range(3):
        create_app(settings, services)
    assert shared.app is tagged  # type: ignore[attr-defined]
