"""`amity demo` run twice does not double the data; `--again` adds more."""

from __future__ import annotations

from pathlib import Path

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.records import ListQuery
from amity.core.services import build_services
from tests.cli_runner import run
from tests.test_cli import cli_env

__all__ = ["cli_env"]  # a fixture used below


def totals(url: str) -> dict[str, int]:
    services = build_services(Settings(database_url=url, log_level="WARNING"))
    try:
        return {
            model: services.records.list_records(SYSTEM, model, ListQuery(limit=1)).total_results
            for model in ("Account", "Contact", "Product")
        }
    finally:
        services.close()


def test_demo_twice_keeps_one_copy_and_again_adds_more(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = cli_env["AMITY_DATABASE_URL"]
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    first = run(["demo", "--contacts", "20"], cli_env, tmp_path)
    assert "20 Contact" in first.stdout
    once = totals(url)
    assert once["Contact"] == 20
    second = run(["demo", "--contacts", "20"], cli_env, tmp_path)
    assert second.returncode == 0
    assert "already loaded" in second.stdout and "--again" in second.stdout
    assert totals(url) == once
    more = run(["demo", "--contacts", "20", "--again"], cli_env, tmp_path)
    assert "20 Contact" in more.stdout
    assert totals(url)["Contact"] == 40


def test_quickstart_after_demo_does_not_load_it_again(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = cli_env["AMITY_DATABASE_URL"]
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    run(["demo", "--contacts", "20"], cli_env, tmp_path)
    run(["quickstart"], cli_env, tmp_path)
    assert totals(url)["Contact"] == 20
