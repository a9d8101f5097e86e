"""The CLI names the database it works on, refuses one that was never initialised, and says
in one line when the database is missing or unreachable: the commands in this process
(tests/cli_runner.py), and the real entry point once for each kind of failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from amity.store.engine import fresh_postgresql_database
from tests.cli_runner import run, run_process
from tests.conftest import PG_URL
from tests.test_cli import cli_env

__all__ = ["cli_env"]  # a fixture used below


@pytest.fixture
def default_env() -> dict[str, str]:
    """The environment of someone who set nothing: the default ./amity.db."""
    env = dict(os.environ, AMITY_LOG_LEVEL="WARNING")
    env.pop("AMITY_DATABASE_URL", None)
    return env


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database `amity init` never ran on: a SQLite file not yet there, or an empty
    PostgreSQL database."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'data' / 'amity.db'}"
        return
    with fresh_postgresql_database(PG_URL, "amity_test_empty") as url:
        yield url


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.mark.parametrize(
    "command", [["user", "list"], ["serve"], ["demo"], ["token", "create", "admin"]]
)
def test_commands_refuse_a_folder_without_a_database(
    default_env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    refused = run(command, default_env, tmp_path, check=False)
    assert refused.returncode != 0
    line = one_error_line(refused.stderr)
    assert str(tmp_path / "amity.db") in line and "amity init" in line
    assert list(tmp_path.iterdir()) == []  # no empty ./amity.db left behind


def test_commands_refuse_a_database_never_initialised_until_init(
    empty_url: str, default_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(default_env, AMITY_DATABASE_URL=empty_url)
    if empty_url.startswith("sqlite"):
        (tmp_path / "data").mkdir()
    refused = run(["user", "list"], env, tmp_path, check=False)
    assert refused.returncode != 0
    assert "never initialised" in one_error_line(refused.stderr)
    assert not (tmp_path / "data" / "amity.db").exists()
    run(["init", "--admin-password", "admin-pw-2024"], env, tmp_path)
    listed = run(["user", "list"], env, tmp_path)
    assert "\tadmin\t" in listed.stdout


def test_every_command_names_its_database_on_stderr(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = cli_env["AMITY_DATABASE_URL"]
    for command in (
        ["init", "--admin-password", "admin-pw-2024"],
        ["user", "list"],
        ["token", "create", "admin"],
        ["field", "list"],
    ):
        done = run(command, cli_env, tmp_path)
        assert f"database: {url}\n" in done.stderr, (command, done.stderr)
        assert "database:" not in done.stdout  # stdout stays for the output (a token...)


def test_the_default_database_is_named_by_its_full_path(
    default_env: dict[str, str], tmp_path: Path
) -> None:
    done = run(["init", "--admin-password", "admin-pw-2024"], default_env, tmp_path)
    assert f"database: sqlite:///{tmp_path / 'amity.db'}\n" in done.stderr


@pytest.mark.parametrize("command", [["init"], ["user", "list"], ["serve"], ["quickstart"]])
def test_a_missing_sqlite_directory_is_one_line(
    default_env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    env = dict(default_env, AMITY_DATABASE_URL=f"sqlite:///{tmp_path / 'nowhere' / 'a.db'}")
    failed = run(command, env, tmp_path, check=False)
    assert failed.returncode != 0
    line = one_error_line(failed.stderr)
    assert str(tmp_path / "nowhere") in line and "does not exist" in line
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("command", [["init"], ["user", "list"], ["serve"]])
def test_an_unreachable_postgresql_server_is_one_line(
    default_env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    env = dict(default_env, AMITY_DATABASE_URL="postgresql://amity:s3cret@127.0.0.1:9/amity")
    failed = run(command, env, tmp_path, check=False)
    assert failed.returncode != 0
    line = one_error_line(failed.stderr)
    assert "cannot connect to the database postgresql://amity:***@127.0.0.1:9/amity" in line
    assert "s3cret" not in failed.stderr + failed.stdout


def test_an_unknown_postgresql_host_is_one_line(
    default_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(default_env, AMITY_DATABASE_URL="postgresql://amity@db.invalid/amity")
    failed = run(["user", "list"], env, tmp_path, check=False)
    assert failed.returncode != 0
    assert "cannot connect to the database" in one_error_line(failed.stderr)


@pytest.mark.skipif(not PG_URL, reason="needs AMITY_TEST_DATABASE_URL (PostgreSQL)")
def test_a_postgresql_database_not_created_says_how_to_create_it(
    default_env: dict[str, str], tmp_path: Path
) -> None:
    url = PG_URL.rpartition("/")[0] + "/amity_never_created"
    failed = run(["init"], dict(default_env, AMITY_DATABASE_URL=url), tmp_path, check=False)
    assert failed.returncode != 0
    line = one_error_line(failed.stderr)
    assert "does not exist" in line and "createdb" in line


def test_the_process_prints_one_line_when_the_database_is_missing_or_unreachable(
    default_env: dict[str, str], tmp_path: Path
) -> None:
    """As a process: nothing else reaches stderr (no log record, warning or traceback)."""
    unreachable = "postgresql://amity:s3cret@127.0.0.1:9/amity"
    for url, command, said in [
        ("", ["serve"], "amity init"),
        (unreachable, ["serve"], "cannot connect to the database"),
    ]:
        env = dict(default_env, AMITY_DATABASE_URL=url) if url else default_env
        failed = run_process(command, env, tmp_path, check=False)
        assert failed.returncode == 1, (url, failed.stderr)
        assert said in one_error_line(failed.stderr), (url, failed.stderr)
        assert "s3cret" not in failed.stderr + failed.stdout
    assert list(tmp_path.iterdir()) == []


def test_migrate_makes_the_schema_once_and_no_admin(
    empty_url: str, default_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(default_env, AMITY_DATABASE_URL=empty_url)
    if empty_url.startswith("sqlite"):
        (tmp_path / "data").mkdir()
    first = run(["migrate"], env, tmp_path)
    assert "created table contacts" in first.stdout
    assert first.stdout.rstrip().endswith("schema version 1: upgraded")
    again = run(["migrate"], env, tmp_path)
    assert again.stdout == "schema version 1: already up to date\n"
    listed = run(["user", "list"], env, tmp_path)  # the database is initialised now
    assert "\tadmin\t" not in listed.stdout  # migrate makes no user: init does
    run(["init", "--admin-password", "admin-pw-2024"], env, tmp_path)
    assert "\tadmin\t" in run(["user", "list"], env, tmp_path).stdout
