"""Browser flows of self-service and operations: a personal access token made and
revoked, a webhook made with the filter editor that delivers a change made in the
dashboard (replayed, its secret rotated), and the admin's API call log and jobs."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from amity.core.clock import utcnow_precise
from amity.core.jobs import Jobs
from tests.web.conftest import LiveSite, sign_in
from tests.webhook_receiver import Receiver, receiver

__all__ = ["receiver"]  # a fixture

USER = "fred"  # role full: every right on every model; nothing else relies on his tokens


def until(check: Any, seconds: float = 5.0) -> Any:
    """Poll `check` until it returns something true (the server works in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_create_and_revoke_a_token(page: Any, live_site: LiveSite) -> None:
    sign_in(page, USER, live_site.world.passwords[USER])
    page.click("#account")  # the user menu
    page.click("#menu-tokens")
    name = f"script {uuid.uuid4().hex[:8]}"
    page.fill("#name", name)
    page.click("#create-token")
    token = page.input_value("#new-token")
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{live_site.url}/api.php/me", headers=headers)
    assert me.status_code == 200 and me.json()["user_name"] == USER
    assert httpx.get(f"{live_site.url}/api.php/data/Contact", headers=headers).status_code == 200
    page.goto("/app/account/tokens")
    assert token not in page.content()  # shown once
    page.locator("tr", has_text=name).locator("button.revoke").click()
    assert page.locator("#token-revoked").is_visible()
    assert page.locator("tr", has_text=name).count() == 0
    assert httpx.get(f"{live_site.url}/api.php/me", headers=headers).status_code == 401


def test_create_a_webhook_and_see_a_delivery(
    page: Any, live_site: LiveSite, receiver: Receiver
) -> None:
    sign_in(page, USER, live_site.world.passwords[USER])
    marker = f"Hook{uuid.uuid4().hex[:6]}"
    page.click("#account")
    page.click("#menu-webhooks")
    page.click("#new-webhook")
    page.select_option("#model", "Contact")
    page.select_option("#type", "create_update")
    page.fill("#url", receiver.url)
    page.fill("#cond-0-field", "last_name")
    page.select_option("#cond-0-filter", "prefix")
    page.fill("#cond-0-value", marker)
    page.click("#save")
    secret = page.input_value("#secret")
    assert secret.startswith("whsec_") or len(secret) > 20
    hook_url = page.locator("#edit-webhook").get_attribute("href").removesuffix("/edit")
    assert f'"value": "{marker}"' in page.locator("#hook-filter").inner_text()

    page.goto("/app/Contact/new")  # a change made in the dashboard
    page.fill("#f-first_name", "Delivered")
    page.fill("#f-last_name", f"{marker} Person")
    page.click("#save")
    page.wait_for_url(re.compile(r"/app/Contact/[0-9a-f-]{36}$"))
    assert until(lambda: receiver.bodies())
    assert receiver.bodies()[0]["last_name"] == f"{marker} Person"

    def delivered() -> bool:
        page.goto(hook_url)
        return bool(page.locator("tr.delivery").count())

    assert until(delivered)
    assert page.locator("tr.delivery .status").first.inner_text() == "200"
    page.locator("tr.delivery button.replay").first.click()
    assert page.locator("#notice").is_visible()
    assert until(lambda: len(receiver.bodies()) == 2)
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"]

    page.click("#rotate-secret")
    rotated = page.input_value("#secret")
    assert rotated and rotated != secret


def test_an_admin_reads_the_api_call_log_with_a_filter(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    missing = f"/api.php/data/Contact/missing-{uuid.uuid4().hex[:8]}"
    token = live_site.world.world.tokens["admin"]
    answer = httpx.get(f"{live_site.url}{missing}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    page.goto("/app/admin/api-calls")
    page.fill("#path", missing)
    page.fill("#status", "404")

    def logged() -> bool:
        page.click("#apply-filters")
        return page.locator("tr.call").count() == 1

    assert until(logged)  # the log is written in batches, every half second
    assert page.locator("tr.call .call-path").inner_text() == missing
    assert page.locator("#total").inner_text().startswith("1")


def test_an_admin_cancels_a_waiting_job(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    services = live_site.services
    with services.db.write() as conn:
        job_id = services.jobs.defer(
            conn, Jobs.periodic()[0], run_at=utcnow_precise() + timedelta(days=1)
        )
    page.goto("/app/admin/jobs")
    page.select_option("#state", "todo")
    page.click("#apply-filters")
    row = page.locator(f'tr[data-id="{job_id}"]')
    assert row.locator(".job-state").inner_text() == "todo"
    row.locator("button.cancel").click()
    assert page.locator("#notice").is_visible()
    page.select_option("#state", "cancelled")
    page.click("#apply-filters")
    assert page.locator(f'tr[data-id="{job_id}"] .job-state').inner_text() == "cancelled"
