"""The command line, run as a user runs it: `python -m amity ...` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amity.config import Settings
from amity.core.services import Services, build_services
from amity.store.migrate import migrate

COMMANDS = [[], ["init"], ["serve"], ["user", "add"], ["user", "list"], ["token", "create"],
            ["token", "list"], ["token", "revoke"], ["client", "add"], ["client", "list"],
            ["client", "remove"], ["contact", "password"], ["demo"], ["quickstart"]]


def run(args: list[str], env: dict[str, str], cwd: Path,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "amity", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=check)


@pytest.fixture
def cli_env(database_url: str, services: Services) -> dict[str, str]:
    services.close()  # the fixture prepared a clean schema; the CLI opens its own connections
    return dict(os.environ, AMITY_DATABASE_URL=database_url, AMITY_LOG_LEVEL="WARNING")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "amity")
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    out = run([*command, "--help"], dict(os.environ), tmp_path).stdout
    assert out.startswith("usage: amity")


def test_top_level_help_documents_every_setting(tmp_path: Path) -> None:
    out = run(["--help"], dict(os.environ), tmp_path).stdout
    for field in Settings.__dataclass_fields__:
        assert f"AMITY_{field.upper()}" in out


def test_init_prints_generated_password_and_is_repeatable(cli_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    first = run(["init"], cli_env, tmp_path).stdout
    assert "admin password:" in first
    password = first.split("admin password:")[1].split()[0]
    second = run(["init"], cli_env, tmp_path).stdout  # upgrade: nothing to do, no new admin
    assert "admin password:" not in second
    users = run(["user", "list"], cli_env, tmp_path).stdout.splitlines()
    assert len(users) == 1 and "\tadmin\t" in users[0] and users[0].endswith("admin")
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        actor = services.auth.authenticate(
            "Basic " + __import__("base64").b64encode(f"admin:{password}".encode()).decode(),
            "test")
        assert actor is not None and actor.is_admin
    finally:
        services.close()


def test_users_and_tokens(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "pw-admin"], cli_env, tmp_path)
    added = run(["user", "add", "sally", "--password", "pw-sally"], cli_env, tmp_path).stdout
    assert "sally" in added and "password:" not in added
    generated = run(["user", "add", "bob", "--admin"], cli_env, tmp_path).stdout
    assert "password:" in generated
    listing = run(["user", "list"], cli_env, tmp_path).stdout
    assert "\tsally\tActive\n" in listing + "\n" and "\tbob\tActive admin" in listing
    duplicate = run(["user", "add", "sally"], cli_env, tmp_path, check=False)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr

    token = run(["token", "create", "sally", "--name", "laptop"], cli_env, tmp_path).stdout.strip()
    assert token.startswith("amity_pat_")
    tokens = run(["token", "list", "sally"], cli_env, tmp_path).stdout.splitlines()
    assert len(tokens) == 1 and "\tlaptop\t" in tokens[0] and tokens[0].endswith("active")
    token_id = tokens[0].split("\t")[0]

    # a serving process that remembers tokens for 0.3 s; the CLI revokes from outside it
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"],
                                       auth_cache_seconds=0.3))
    try:
        actor = services.auth.authenticate(f"Bearer {token}", "test")
        assert actor is not None and actor.user_name == "sally"
        run(["token", "revoke", token_id], cli_env, tmp_path)
        assert run(["token", "list", "sally"], cli_env, tmp_path).stdout.rstrip().endswith(
            "revoked")
        time.sleep(0.35)  # the revocation reaches other processes within the cache time
        with pytest.raises(Exception, match="revoked"):
            services.auth.authenticate(f"Bearer {token}", "test")
    finally:
        services.close()
    missing = run(["token", "revoke", "no-such-id"], cli_env, tmp_path, check=False)
    assert missing.returncode == 1


def test_api_clients(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "pw-admin"], cli_env, tmp_path)
    added = run(["client", "add", "Mobile app", "--redirect-uri", "https://app.example.com/cb",
                 "--redirect-uri", "http://127.0.0.1:8765/cb"], cli_env, tmp_path)
    lines = dict(line.split(": ", 1) for line in added.stdout.splitlines())
    client_id, secret = lines["client_id"], lines["client_secret"]
    public = run(["client", "add", "SPA", "--public", "--redirect-uri",
                  "https://spa.example.com/cb", "--scope", "profile"], cli_env, tmp_path).stdout
    assert "client_secret" not in public
    public_id = public.split("client_id: ")[1].split()[0]
    refused = run(["client", "add", "old", "--redirect-uri", "https://a.example/cb", "--grant",
                   "password"], cli_env, tmp_path, check=False)
    assert refused.returncode == 1 and "--allow-password" in refused.stderr
    insecure = run(["client", "add", "x", "--redirect-uri", "http://a.example/cb"], cli_env,
                   tmp_path, check=False)
    assert insecure.returncode == 1 and "loopback" in insecure.stderr

    listing = run(["client", "list"], cli_env, tmp_path).stdout.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        [client_id, "Mobile app", "confidential"], [public_id, "SPA", "public"]]
    assert secret not in "".join(listing)
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        assert services.clients.verify_secret(client_id, secret)
        run(["client", "remove", client_id], cli_env, tmp_path)
        assert not services.clients.verify_secret(client_id, secret)
    finally:
        services.close()
    listing = run(["client", "list"], cli_env, tmp_path).stdout.splitlines()
    assert [line.split("\t")[0] for line in listing] == [public_id]
    missing = run(["client", "remove", client_id], cli_env, tmp_path, check=False)
    assert missing.returncode == 1 and "No API client" in missing.stderr


def test_demo_loads_contacts(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "pw"], cli_env, tmp_path)
    out = run(["demo", "--contacts", "40"], cli_env, tmp_path).stdout
    assert "40 Contact" in out
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        migrate(services.db)
        from amity.core.actor import SYSTEM
        from amity.core.records import ListQuery

        page = services.records.list_records(SYSTEM, "Contact", ListQuery(limit=1))
        assert page.total_results == 40
    finally:
        services.close()


def test_quickstart_first_run_then_keeps_data(tmp_path: Path) -> None:
    env = dict(os.environ, AMITY_LOG_LEVEL="WARNING")
    env.pop("AMITY_DATABASE_URL", None)  # the default: ./amity.db in the working directory
    first = run(["quickstart", "--port", "8123"], env, tmp_path).stdout
    assert (tmp_path / "amity.db").exists()
    token = first.split("access token:")[1].split()[0]
    assert f"curl -H 'Authorization: Bearer {token}' 'http://127.0.0.1:8123/api.php/data/" in first
    second = run(["quickstart", "--port", "8123"], env, tmp_path).stdout
    assert f"access token:   {token}" in second
    services = build_services(Settings(database_url=f"sqlite:///{tmp_path / 'amity.db'}"))
    try:
        actor = services.auth.authenticate(f"Bearer {token}", "test")
        assert actor is not None
        from amity.core.records import ListQuery

        page = services.records.list_records(actor, "Contact", ListQuery(limit=1))
        assert page.total_results == 200  # demo data loaded once, not twice
    finally:
        services.close()


def test_contact_portal_password(cli_env: dict[str, str], tmp_path: Path) -> None:
    from amity.core.actor import SYSTEM

    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        contact_id = services.records.create(SYSTEM, "Contact", {"last_name": "Portal",
                                                                 "email1": "p@example.com"})
    finally:
        services.close()
    out = run(["contact", "password", contact_id], cli_env, tmp_path).stdout
    password = out.split("password: ")[1].split()[0]
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        owner = services.oauth.check_password("contact", "p@example.com", password)
        assert owner is not None and owner.id == contact_id
        assert services.oauth.check_password("contact", "p@example.com", "wrong") is None
    finally:
        services.close()
    missing = run(["contact", "password", "nope", "--password", "x"], cli_env, tmp_path,
                  check=False)
    assert missing.returncode == 1 and "No contact nope" in missing.stderr
