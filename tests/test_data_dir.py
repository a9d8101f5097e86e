"""Generated secrets (the JWT signing key, the quickstart's login lines) live in the data
directory: beside the SQLite database by default, AMITY_DATA_DIR to choose it; never in the
source tree, and `.gitignore` covers what `make run` creates."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from amity.config import Settings
from amity.core.services import build_services
from tests.cli_runner import run
from tests.e2e.test_serve import Server

ROOT = Path(__file__).resolve().parent.parent


def signing_key_file(settings: Settings) -> Path:
    """Where a server with these settings keeps its signing key (created on first use)."""
    services = build_services(settings)
    try:
        services.oauth.signer.key  # noqa: B018 - created on first use
        return services.oauth.signer.path
    finally:
        services.close()


def test_the_key_lives_beside_the_sqlite_database_by_default(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    path = signing_key_file(Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'crm.db'}"))
    assert path == tmp_path / "db" / "amity-jwt-key.pem" and path.exists()
    assert path.stat().st_mode & 0o777 == 0o600


def test_amity_data_dir_holds_the_key(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "AMITY_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}",
            "AMITY_DATA_DIR": str(tmp_path / "secrets"),
        }
    )
    path = signing_key_file(settings)
    assert path == tmp_path / "secrets" / "amity-jwt-key.pem" and path.exists()
    assert not (tmp_path / "amity-jwt-key.pem").exists()
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700


def test_amity_jwt_key_file_still_wins(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'crm.db'}",
        data_dir=str(tmp_path / "secrets"),
        jwt_key_file=str(tmp_path / "keys" / "signing.pem"),
    )
    assert signing_key_file(settings) == tmp_path / "keys" / "signing.pem"


def test_with_postgresql_the_key_goes_to_amity_data_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from amity.core.auth.signing import key_path

    monkeypatch.chdir(tmp_path)
    path = key_path(Settings(database_url="postgresql://amity@db.example.com/amity"))
    assert path.resolve() == tmp_path / "amity-data" / "amity-jwt-key.pem"


def test_quickstart_keeps_its_login_lines_in_the_data_dir(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
        AMITY_DATA_DIR=str(tmp_path / "secrets"),
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run(["quickstart", "--port", "8123"], env, elsewhere).stdout
    login = tmp_path / "secrets" / ".amity-login"
    assert login.exists() and login.stat().st_mode & 0o777 == 0o600
    assert str(login) in out
    assert list(elsewhere.iterdir()) == []


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_covers_what_make_run_creates(tmp_path: Path) -> None:
    """`make run` is `amity quickstart` then `amity serve` in the checkout."""
    repo = tmp_path / "checkout"
    repo.mkdir()
    shutil.copyfile(ROOT / ".gitignore", repo / ".gitignore")
    git("init", "-q", cwd=repo)
    env = dict(os.environ, AMITY_LOG_LEVEL="WARNING")
    for name in ("AMITY_DATABASE_URL", "AMITY_DATA_DIR", "AMITY_JWT_KEY_FILE"):
        env.pop(name, None)
    run(["quickstart"], env, repo)
    server = Server(env, repo, log=tmp_path / "serve.log")  # the log outside the checkout
    server.start()
    server.stop()
    assert (repo / "amity-jwt-key.pem").exists(), (tmp_path / "serve.log").read_text()
    assert git("status", "--porcelain", "--untracked-files=all", cwd=repo) == "?? .gitignore\n"
