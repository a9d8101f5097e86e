"""The command line, run as a user runs it: `amity ...` in this process (tests/cli_runner.py),
and as a process where the process is what is tested (the entry point, a terminal)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from amity import cli
from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import Services, build_services
from amity.errors import Conflict, Unauthorized
from amity.store.migrate import migrate
from tests.cli_runner import run, run_process
from tests.queries import filtered

COMMANDS = [
    [],
    ["init"],
    ["serve"],
    ["worker"],
    ["jobs", "list"],
    ["jobs", "retry"],
    ["jobs", "cancel"],
    ["webhook", "list"],
    ["webhook", "add"],
    ["webhook", "remove"],
    ["webhook", "deliveries"],
    ["user", "add"],
    ["user", "list"],
    ["user", "passwd"],
    ["user", "deactivate"],
    ["user", "activate"],
    ["user", "remove"],
    ["user", "access-key"],
    ["token", "create"],
    ["token", "list"],
    ["token", "revoke"],
    ["client", "add"],
    ["client", "list"],
    ["client", "remove"],
    ["client", "limit"],
    ["user", "limit"],
    ["field", "add"],
    ["field", "list"],
    ["field", "remove"],
    ["model", "add"],
    ["model", "list"],
    ["model", "link"],
    ["model", "unlink"],
    ["model", "remove"],
    ["model", "restore"],
    ["role", "add"],
    ["role", "set"],
    ["role", "assign"],
    ["team", "add"],
    ["team", "member", "add"],
    ["portal", "token"],
    ["calendar", "token"],
    ["contact", "password"],
    ["schema", "export"],
    ["schema", "import"],
    ["demo"],
    ["quickstart"],
]


@pytest.fixture
def cli_env(database_url: str, services: Services) -> dict[str, str]:
    services.close()  # the fixture prepared a clean schema; the CLI opens its own connections
    return dict(os.environ, AMITY_DATABASE_URL=database_url, AMITY_LOG_LEVEL="WARNING")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "amity")
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # the parser `python -m amity` runs, in this process: a process per command costs a
    # second of start-up
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: amity")


def test_top_level_help_documents_every_setting(tmp_path: Path) -> None:
    out = run(["--help"], dict(os.environ), tmp_path).stdout
    for field in Settings.__dataclass_fields__:
        assert f"AMITY_{field.upper()}" in out


def test_the_entry_point_exits_with_the_commands_code(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """`python -m amity` as a process: 0 for a command done, 1 for one refused (one line on
    stderr, no traceback), 2 for no command."""
    done = run_process(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    assert "database ready:" in done.stdout
    refused = run_process(["user", "add", "admin"], cli_env, tmp_path, check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert (
        refused.stderr.splitlines()[-1].startswith("error: ") and "already exists" in refused.stderr
    )
    assert run_process([], cli_env, tmp_path, check=False).returncode == 2


def test_init_prints_generated_password_and_is_repeatable(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
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
            "Basic " + __import__("base64").b64encode(f"admin:{password}".encode()).decode(), "test"
        )
        assert actor is not None and actor.is_admin
    finally:
        services.close()


def test_users_and_tokens(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    added = run(["user", "add", "sally", "--password", "sally-pw-2024"], cli_env, tmp_path).stdout
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
    services = build_services(
        Settings(database_url=cli_env["AMITY_DATABASE_URL"], auth_cache_seconds=0.3)
    )
    try:
        actor = services.auth.authenticate(f"Bearer {token}", "test")
        assert actor is not None and actor.user_name == "sally"
        run(["token", "revoke", token_id], cli_env, tmp_path)
        assert (
            run(["token", "list", "sally"], cli_env, tmp_path).stdout.rstrip().endswith("revoked")
        )
        time.sleep(0.35)  # the revocation reaches other processes within the cache time
        with pytest.raises(Exception, match="revoked"):
            services.auth.authenticate(f"Bearer {token}", "test")
    finally:
        services.close()
    missing = run(["token", "revoke", "no-such-id"], cli_env, tmp_path, check=False)
    assert missing.returncode == 1


def can_log_in(database_url: str, user_name: str, password: str, token: str = "") -> bool:
    """Whether a fresh process would accept this user name and password (and token)."""
    services = build_services(Settings(database_url=database_url))
    try:
        services.auth.check_password(user_name, password)
        if token:
            services.auth.authenticate(f"Bearer {token}", "test")
        return True
    except Unauthorized:
        return False
    finally:
        services.close()


def test_user_passwd_deactivate_activate_remove(cli_env: dict[str, str], tmp_path: Path) -> None:
    url = cli_env["AMITY_DATABASE_URL"]
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    run(["user", "add", "sally", "--password", "sally-first-pw"], cli_env, tmp_path)
    out = run(
        ["user", "passwd", "sally", "--password", "sally-second-pw"], cli_env, tmp_path
    ).stdout
    assert "password of sally changed" in out and "sally-second-pw" not in out
    assert can_log_in(url, "sally", "sally-second-pw")
    assert not can_log_in(url, "sally", "sally-first-pw")
    no_tty = run(["user", "passwd", "sally"], cli_env, tmp_path, check=False)
    assert no_tty.returncode == 1 and "--password" in no_tty.stderr

    token = run(["token", "create", "sally"], cli_env, tmp_path).stdout.strip()
    assert "sally deactivated" in run(["user", "deactivate", "sally"], cli_env, tmp_path).stdout
    assert "\tsally\tInactive\n" in run(["user", "list"], cli_env, tmp_path).stdout
    assert not can_log_in(url, "sally", "sally-second-pw")
    services = build_services(Settings(database_url=url))
    try:
        with pytest.raises(Unauthorized):
            services.auth.authenticate(f"Bearer {token}", "test")
    finally:
        services.close()
    assert "sally activated" in run(["user", "activate", "sally"], cli_env, tmp_path).stdout
    assert "\tsally\tActive\n" in run(["user", "list"], cli_env, tmp_path).stdout
    assert can_log_in(url, "sally", "sally-second-pw", token)

    assert "sally removed" in run(["user", "remove", "sally"], cli_env, tmp_path).stdout
    assert "sally" not in run(["user", "list"], cli_env, tmp_path).stdout
    assert not can_log_in(url, "sally", "sally-second-pw")
    for command in ("passwd", "deactivate", "activate", "remove"):
        missing = run(
            [
                "user",
                command,
                "sally",
                *(["--password", "sally-third-pw"] if command == "passwd" else []),
            ],
            cli_env,
            tmp_path,
            check=False,
        )
        assert missing.returncode == 1 and "No user named sally" in missing.stderr


def test_user_passwd_asks_twice_on_a_terminal(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    answers = {
        "twice the same": ["tty-typed-pw-1", "tty-typed-pw-1"],
        "two different": ["tty-typed-pw-2", "tty-typed-pw-3"],
    }
    typed = run_on_terminal(
        ["user", "passwd", "admin"], answers["two different"], cli_env, tmp_path
    )
    assert typed.count("assword") >= 2 and "do not match" in typed
    assert not can_log_in(cli_env["AMITY_DATABASE_URL"], "admin", "tty-typed-pw-2")
    typed = run_on_terminal(
        ["user", "passwd", "admin"], answers["twice the same"], cli_env, tmp_path
    )
    assert "password of admin changed" in typed and "tty-typed-pw-1" not in typed
    assert can_log_in(cli_env["AMITY_DATABASE_URL"], "admin", "tty-typed-pw-1")
    assert not can_log_in(cli_env["AMITY_DATABASE_URL"], "admin", "admin-pw-2024")


def run_on_terminal(args: list[str], lines: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run the CLI with a pseudo-terminal as its controlling terminal, type `lines` one per
    password prompt, and return what the terminal showed."""
    leader, follower = pty.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    with subprocess.Popen(
        [sys.executable, "-m", "amity", *args],
        env=env,
        cwd=cwd,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        preexec_fn=take_terminal,
    ) as process:
        os.close(follower)
        shown, pending = b"", list(lines)
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                process.kill()
                raise AssertionError(f"no output; the terminal showed {shown!r}")
            try:
                chunk = os.read(leader, 1024)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown.count(b"password: ") > len(lines) - len(pending):
                os.write(leader, pending.pop(0).encode() + b"\n")  # one line per prompt
        process.wait(60)
    os.close(leader)
    return shown.decode(errors="replace")


def test_last_active_admin_is_kept(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    for command in ("deactivate", "remove"):
        refused = run(["user", command, "admin"], cli_env, tmp_path, check=False)
        assert refused.returncode == 1 and "last active administrator" in refused.stderr
    assert run(["user", "list"], cli_env, tmp_path).stdout.endswith("\tadmin\tActive admin\n")
    run(["user", "add", "bob", "--admin", "--password", "bob-admin-pw-1"], cli_env, tmp_path)
    run(["user", "deactivate", "admin"], cli_env, tmp_path)
    for command in ("deactivate", "remove"):
        refused = run(["user", command, "bob"], cli_env, tmp_path, check=False)
        assert refused.returncode == 1 and "last active administrator" in refused.stderr
    listing = run(["user", "list"], cli_env, tmp_path).stdout
    assert "\tbob\tActive admin\n" in listing and "\tadmin\tInactive admin\n" in listing
    run(["user", "remove", "admin"], cli_env, tmp_path)  # an inactive admin may go
    listing = run(["user", "list"], cli_env, tmp_path).stdout
    assert [line.split("\t")[1:] for line in listing.splitlines()] == [["bob", "Active admin"]]


@pytest.mark.parametrize(
    ("password", "why"),
    [("short-pw", "at least 10 characters"), ("Password123", "common passwords")],
)
def test_weak_passwords_are_refused_everywhere(
    cli_env: dict[str, str], tmp_path: Path, password: str, why: str
) -> None:
    url = cli_env["AMITY_DATABASE_URL"]
    refused = run(["init", "--admin-password", password], cli_env, tmp_path, check=False)
    assert refused.returncode == 1 and why in refused.stderr
    assert run(["user", "list"], cli_env, tmp_path).stdout == ""
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    refused = run(["init", "--admin-password", password], cli_env, tmp_path, check=False)
    assert refused.returncode == 1 and why in refused.stderr
    refused = run(["user", "add", "sam", "--password", password], cli_env, tmp_path, check=False)
    assert refused.returncode == 1 and why in refused.stderr
    assert "sam" not in run(["user", "list"], cli_env, tmp_path).stdout
    refused = run(
        ["user", "passwd", "admin", "--password", password], cli_env, tmp_path, check=False
    )
    assert refused.returncode == 1 and why in refused.stderr
    assert can_log_in(url, "admin", "admin-pw-2024") and not can_log_in(url, "admin", password)
    services = build_services(Settings(database_url=url))
    try:
        contact = services.records.create(
            SYSTEM, "Contact", {"last_name": "Weak", "email1": "weak@example.com"}
        )
    finally:
        services.close()
    refused = run(
        ["contact", "password", contact, "--password", password], cli_env, tmp_path, check=False
    )
    assert refused.returncode == 1 and why in refused.stderr
    services = build_services(Settings(database_url=url))
    try:
        assert services.oauth.check_password("contact", "weak@example.com", password) is None
    finally:
        services.close()


def test_api_clients(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    added = run(
        [
            "client",
            "add",
            "Mobile app",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--redirect-uri",
            "http://127.0.0.1:8765/cb",
        ],
        cli_env,
        tmp_path,
    )
    lines = dict(line.split(": ", 1) for line in added.stdout.splitlines())
    client_id, secret = lines["client_id"], lines["client_secret"]
    public = run(
        [
            "client",
            "add",
            "SPA",
            "--public",
            "--redirect-uri",
            "https://spa.example.com/cb",
            "--scope",
            "profile",
        ],
        cli_env,
        tmp_path,
    ).stdout
    assert "client_secret" not in public
    public_id = public.split("client_id: ")[1].split()[0]
    refused = run(
        ["client", "add", "old", "--redirect-uri", "https://a.example/cb", "--grant", "password"],
        cli_env,
        tmp_path,
        check=False,
    )
    assert refused.returncode == 1 and "--allow-password" in refused.stderr
    insecure = run(
        ["client", "add", "x", "--redirect-uri", "http://a.example/cb"],
        cli_env,
        tmp_path,
        check=False,
    )
    assert insecure.returncode == 1 and "loopback" in insecure.stderr

    listing = run(["client", "list"], cli_env, tmp_path).stdout.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        [client_id, "Mobile app", "confidential"],
        [public_id, "SPA", "public"],
    ]
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


def test_rate_limits_of_users_and_clients(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    run(["user", "add", "sam", "--password", "sam-pw-2024"], cli_env, tmp_path)
    assert "AMITY_RATE_LIMIT (default)" in run(["user", "limit", "sam"], cli_env, tmp_path).stdout
    assert "30/minute" in run(["user", "limit", "sam", "30/minute"], cli_env, tmp_path).stdout
    assert "30/minute" in run(["user", "limit", "sam"], cli_env, tmp_path).stdout
    bad = run(["user", "limit", "sam", "plenty"], cli_env, tmp_path, check=False)
    assert bad.returncode == 1 and "not a rate" in bad.stderr
    added = run(
        ["client", "add", "App", "--redirect-uri", "https://app.example.com/cb"], cli_env, tmp_path
    ).stdout
    client_id = added.split("client_id: ")[1].split()[0]
    run(["client", "limit", client_id, "5/second"], cli_env, tmp_path)
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        sam = services.auth.user_by_name("sam")["id"]
        assert services.rate_limits.rate_for("user", sam) == "30/minute"
        assert services.rate_limits.rate_for("client", client_id) == "5/second"
    finally:
        services.close()
    run(["user", "limit", "sam", "--clear"], cli_env, tmp_path)
    assert "(default)" in run(["user", "limit", "sam"], cli_env, tmp_path).stdout
    missing = run(["client", "limit", "nope", "5/second"], cli_env, tmp_path, check=False)
    assert missing.returncode == 1


def test_roles_teams_and_portal_tokens(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    for name in ("ann", "ben"):
        run(["user", "add", name, "--password", name + "-pw-2024"], cli_env, tmp_path)
    run(["role", "add", "sales", "--description", "Sales team"], cli_env, tmp_path)
    run(["role", "set", "sales", "*", "--read", "owned", "--edit", "owned"], cli_env, tmp_path)
    shown = run(["role", "set", "sales", "Account", "--read", "all"], cli_env, tmp_path).stdout
    assert "Account\taccess=yes read=all edit=owned delete=none" in shown
    run(["role", "assign", "sales", "ann", "ben"], cli_env, tmp_path)
    run(["team", "add", "east", "--member", "ann"], cli_env, tmp_path)
    run(["team", "member", "add", "east", "ben"], cli_env, tmp_path)
    assert run(["team", "list"], cli_env, tmp_path).stdout.startswith("east\tann, ben")
    listing = run(["role", "list"], cli_env, tmp_path).stdout
    assert listing == "sales\t2 users\tSales team\n"
    bad = run(["role", "set", "sales", "Acount", "--read", "all"], cli_env, tmp_path, check=False)
    assert bad.returncode == 1 and "Model Acount not found" in bad.stderr
    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        ann = services.auth.user_by_name("ann")["id"]
        assert services.acl.role_and_teams(ann) == ("sales", ["east"])
        contact = services.records.create(SYSTEM, "Contact", {"last_name": "Cora"})
    finally:
        services.close()
    token = run(["portal", "token", contact], cli_env, tmp_path).stdout.strip()
    assert token.startswith("amity_portal_")
    assert "1 portal token(s)" in run(["portal", "revoke", contact], cli_env, tmp_path).stdout
    run(["team", "member", "remove", "east", "ann"], cli_env, tmp_path)
    run(["role", "unassign", "ann"], cli_env, tmp_path)
    run(["role", "remove", "sales"], cli_env, tmp_path)
    run(["team", "remove", "east"], cli_env, tmp_path)
    assert run(["role", "list"], cli_env, tmp_path).stdout == ""
    assert run(["team", "list"], cli_env, tmp_path).stdout == ""


def test_demo_loads_contacts(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
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


def test_field_add_list_remove(cli_env: dict[str, str], tmp_path: Path, settings: Settings) -> None:
    out = run(
        [
            "field",
            "add",
            "Account",
            "tier_c",
            "Select",
            "--label",
            "Tier",
            "--option",
            "Gold",
            "--option",
            "Silver",
            "--indexed",
        ],
        cli_env,
        tmp_path,
    ).stdout
    assert "tier_c (Select) added to Account" in out and "option 2: Silver" in out
    listed = run(["field", "list", "Account"], cli_env, tmp_path).stdout
    assert listed == "Account\ttier_c\tSelect\tTier indexed\t1=Gold, 2=Silver\n"
    run(["field", "add", "Account", "vat_c", "Text", "--unique"], cli_env, tmp_path)
    assert run(["field", "list", "Account"], cli_env, tmp_path).stdout.splitlines()[1] == (
        "Account\tvat_c\tText\tVat unique"
    )
    bad = run(["field", "add", "Account", "tier", "Text"], cli_env, tmp_path, check=False)
    assert bad.returncode == 1 and "end in _c" in bad.stderr
    services = build_services(settings)
    try:
        services.metadata.refresh()
        services.records.create(SYSTEM, "Account", {"name": "A", "tier_c": 2, "vat_c": "V1"})
        with pytest.raises(Conflict):
            services.records.create(SYSTEM, "Account", {"name": "B", "vat_c": "V1"})
        page = services.records.list_records(
            SYSTEM,
            "Account",
            filtered(services, SYSTEM, "Account", {"tier_c": "2"}, fields=["tier_c"]),
        )
        assert [r["tier_c"] for r in page.records] == [2]
    finally:
        services.close()
    run(["field", "remove", "Account", "tier_c"], cli_env, tmp_path)
    run(["field", "remove", "Account", "vat_c"], cli_env, tmp_path)
    assert run(["field", "list"], cli_env, tmp_path).stdout == ""


def test_model_add_list_link_unlink_remove_restore(
    cli_env: dict[str, str], tmp_path: Path, settings: Settings
) -> None:
    out = run(
        [
            "model",
            "add",
            "Subscription",
            "--activities",
            "--field",
            "seats:Number",
            "--field",
            "plan:Select:Basic,Pro",
            "--link",
            "account:many_to_one:Account",
            "--link",
            "contacts:many_to_many:Contact:subscriptions",
        ],
        cli_env,
        tmp_path,
    ).stdout
    assert (
        out == "model Subscription added (table custom_subscription, /api.php/data/Subscription)\n"
    )
    run(["field", "add", "Subscription", "region", "Text"], cli_env, tmp_path)
    listed = run(["model", "list"], cli_env, tmp_path).stdout
    assert listed == (
        "Subscription\tSubscription\tcustom_subscription\t"
        "seats:Number, plan:Select, region:Text\t"
        "account many_to_one Account (back: subscriptions), "
        "contacts many_to_many Contact (back: subscriptions)\n"
    )
    out = run(
        ["model", "link", "Subscription", "leads:many_to_many:Lead"], cli_env, tmp_path
    ).stdout
    assert out == "link Subscription.leads to Lead added\n"
    out = run(["model", "unlink", "Subscription", "contacts"], cli_env, tmp_path).stdout
    assert out == "link Subscription.contacts removed (its values are kept)\n"
    assert run(["model", "list"], cli_env, tmp_path).stdout.endswith(
        "account many_to_one Account (back: subscriptions), "
        "leads many_to_many Lead (back: subscriptions)\n"
    )
    unknown = run(["model", "unlink", "Subscription", "contacts"], cli_env, tmp_path, check=False)
    assert unknown.returncode == 1 and "no link contacts" in unknown.stderr
    bad = run(["model", "add", "Plan", "--link", "account:Account"], cli_env, tmp_path, check=False)
    assert bad.returncode == 1 and "NAME:KIND:TARGET" in bad.stderr
    run(
        [
            "model",
            "add",
            "Ticket",
            "--link",
            "contact:many_to_one:Contact",
            "--portal",
            "contact:create",
        ],
        cli_env,
        tmp_path,
    )
    bad = run(
        [
            "model",
            "add",
            "Plan",
            "--link",
            "contact:many_to_one:Contact",
            "--portal",
            "contact:yes",
        ],
        cli_env,
        tmp_path,
        check=False,
    )
    assert bad.returncode == 1 and "LINK:create" in bad.stderr
    services = build_services(settings)
    try:
        services.metadata.refresh()
        account = services.records.create(SYSTEM, "Account", {"name": "Acme"})
        sub = services.records.create(
            SYSTEM, "Subscription", {"name": "S", "plan": 2, "account_id": account}
        )
        services.records.create(
            SYSTEM, "Note", {"name": "N", "parent_type": "Subscription", "parent_id": sub}
        )
        page = services.records.list_records(
            SYSTEM,
            "Subscription",
            filtered(
                services,
                SYSTEM,
                "Subscription",
                {"account_id": account},
                fields=["plan", "account"],
            ),
        )
        assert [(r["plan"], r["account"]) for r in page.records] == [(2, "Acme")]
        assert services.models.get(SYSTEM, "Ticket")["portal"] == {
            "link": "contact",
            "create": True,
        }
    finally:
        services.close()
    run(["model", "remove", "Ticket"], cli_env, tmp_path)
    out = run(["model", "remove", "Subscription"], cli_env, tmp_path).stdout
    assert "removed" in out
    assert run(["model", "list"], cli_env, tmp_path).stdout == ""
    assert run(["model", "list", "--all"], cli_env, tmp_path).stdout.endswith("\tremoved\n")
    out = run(["model", "restore", "Subscription"], cli_env, tmp_path).stdout
    assert out == "model Subscription restored (/api.php/data/Subscription)\n"
    assert run(["model", "list"], cli_env, tmp_path).stdout.startswith("Subscription\t")
    again = run(["model", "restore", "Subscription"], cli_env, tmp_path, check=False)
    assert again.returncode == 1 and "No removed custom model" in again.stderr


def test_contact_portal_password(cli_env: dict[str, str], tmp_path: Path) -> None:
    from amity.core.actor import SYSTEM

    services = build_services(Settings(database_url=cli_env["AMITY_DATABASE_URL"]))
    try:
        contact_id = services.records.create(
            SYSTEM, "Contact", {"last_name": "Portal", "email1": "p@example.com"}
        )
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
    missing = run(
        ["contact", "password", "nope", "--password", "portal-pw-2024"],
        cli_env,
        tmp_path,
        check=False,
    )
    assert missing.returncode == 1 and "No contact nope" in missing.stderr


def test_schema_export_and_import(cli_env: dict[str, str], tmp_path: Path) -> None:
    run(["init", "--admin-password", "admin-pw-2024"], cli_env, tmp_path)
    run(
        ["field", "add", "Account", "tier_c", "Select", "--option", "Gold", "--option", "Silver"],
        cli_env,
        tmp_path,
    )
    out = run(["schema", "export", "-o", "schema.json"], cli_env, tmp_path).stdout
    assert "schema written to schema.json" in out
    other = dict(cli_env, AMITY_DATABASE_URL=f"sqlite:///{tmp_path / 'other.db'}")
    run(["init", "--admin-password", "admin-pw-2024"], other, tmp_path)
    applied = run(["schema", "import", "schema.json"], other, tmp_path).stdout
    assert "custom field Account.tier_c added" in applied and "1 change(s)" in applied
    assert run(["schema", "import", "schema.json"], other, tmp_path).stdout == "0 change(s)\n"
    listed = run(["field", "list", "Account"], other, tmp_path).stdout
    assert listed.startswith("Account\ttier_c\tSelect")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    failed = run(["schema", "import", str(bad)], other, tmp_path, check=False)
    assert failed.returncode == 1 and "cannot read" in failed.stderr
