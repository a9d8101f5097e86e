"""`amity calendar token USER`: prints a working feed URL; --revoke makes it 404."""

from __future__ import annotations

import os
from pathlib import Path

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from tests.cli_runner import run
from tests.conftest import ApiClient, User


def test_the_command_prints_a_feed_url_and_revokes_it(
    database_url: str, services: Services, admin: User, tmp_path: Path
) -> None:
    services.close()  # the CLI opens its own connections
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=database_url,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_OAUTH_ISSUER="https://crm.example.com",
    )
    url = run(["calendar", "token", "admin"], env, tmp_path).stdout.strip()
    prefix = "https://crm.example.com/api.php/calendar/ics/"
    assert url.startswith(prefix + "amity_cal_")
    path = url.removeprefix("https://crm.example.com/api.php")

    def status() -> int:
        fresh = build_services(Settings(database_url=database_url))
        client = ApiClient(create_app(fresh.settings, fresh))
        try:
            return client.get(path).status_code
        finally:
            client.close()
            fresh.close()

    assert status() == 200
    revoked = run(["calendar", "token", "admin", "--revoke"], env, tmp_path).stdout
    assert "revoked" in revoked
    assert status() == 404
    again = run(["calendar", "token", "admin", "--revoke"], env, tmp_path, check=False)
    assert again.returncode == 1 and "No calendar feed token" in again.stderr
    unknown = run(["calendar", "token", "nobody"], env, tmp_path, check=False)
    assert unknown.returncode == 1 and "No user named nobody" in unknown.stderr
