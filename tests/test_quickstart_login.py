"""`make run` (`amity quickstart`) never prints credentials that no longer work."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from amity.config import Settings
from amity.core.services import build_services
from tests.cli_runner import run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, AMITY_LOG_LEVEL="WARNING")
    env.pop("AMITY_DATABASE_URL", None)  # the default: ./amity.db, as `make run` has it
    return env


def login_lines(out: str) -> dict[str, str]:
    """The values quickstart prints after 'admin user:', 'admin password:', 'access token:'."""
    found = {}
    for line in out.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and key in ("admin user", "admin password", "access token"):
            found[key] = value.strip()
    return found


def works(tmp_path: Path, authorization: str) -> bool:
    services = build_services(
        Settings(database_url=f"sqlite:///{tmp_path / 'amity.db'}", log_level="WARNING")
    )
    try:
        return services.auth.authenticate(authorization, "test") is not None
    except Exception:
        return False
    finally:
        services.close()


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()


def test_after_init_sets_a_new_password_quickstart_does_not_print_the_old_one(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = login_lines(run(["quickstart"], env, tmp_path).stdout)
    old = first["admin password"]
    assert works(tmp_path, basic(old))
    run(["init", "--admin-password", "chosen-by-me-2024"], env, tmp_path)
    again = run(["quickstart"], env, tmp_path).stdout
    assert old not in again
    assert "amity init --admin-password" in login_lines(again)["admin password"]
    assert login_lines(again)["access token"] == first["access token"]  # still valid
    assert old not in (tmp_path / ".amity-login").read_text()


def test_after_the_token_is_revoked_quickstart_issues_a_new_one(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = login_lines(run(["quickstart"], env, tmp_path).stdout)
    old = first["access token"]
    token_id = run(["token", "list", "admin"], env, tmp_path).stdout.split("\t")[0]
    run(["token", "revoke", token_id], env, tmp_path)
    assert not works(tmp_path, f"Bearer {old}")
    again = run(["quickstart"], env, tmp_path).stdout
    new = login_lines(again)["access token"]
    assert old not in again and new != old
    assert works(tmp_path, f"Bearer {new}")
    assert f"Bearer {new}" in again and "revoked" in again
    assert login_lines(again)["admin password"] == first["admin password"]
    assert login_lines(run(["quickstart"], env, tmp_path).stdout)["access token"] == new
