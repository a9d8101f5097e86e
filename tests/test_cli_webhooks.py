"""`amity webhook list|add|remove|deliveries`: run in this process (amity.cli.main with the
settings in the environment, as a shell gives them), once as a process, and against a real
receiver on 127.0.0.1 for the delivery log."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

from amity import cli
from amity.config import Settings
from amity.core.services import Services
from tests.conftest import User, make_admin, settings_for
from tests.webhook_receiver import Receiver

ALLOW = "AMITY_WEBHOOK_ALLOW_NETWORKS"
LOOPBACK = "127.0.0.0/8"
ENTERPRISE = (
    '{"glue": "and", "conditions": [{"field": "last_name", "filter": "eq", "value": "Ent"}]}'
)


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    """The in-process services deliver (to the receiver on 127.0.0.1) as a server would."""
    return dataclasses.replace(
        settings_for(database_url, jwt_key_file), webhook_allow_networks=LOOPBACK
    )


@dataclasses.dataclass
class Done:
    code: int
    out: str
    err: str

    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


class Amity:
    """`amity ...` in this process: the environment a shell would give it, what it
    printed, and checks that the command closed the Services it opened and left no
    thread running."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *args: str, allow: str | None = LOOPBACK) -> Done:
        if allow is None:
            self.monkeypatch.delenv(ALLOW, raising=False)
        else:
            self.monkeypatch.setenv(ALLOW, allow)
        self.capsys.readouterr()
        opened: list[Services] = []
        closed: list[Services] = []
        real = cli.open_services

        def tracked(create: bool = False) -> Services:
            services = real(create)
            opened.append(services)
            close = services.close
            self.monkeypatch.setattr(services, "close", lambda: (closed.append(services), close()))
            return services

        self.monkeypatch.setattr(cli, "open_services", tracked)
        before = set(threading.enumerate())
        try:
            code = cli.main(list(args))
        finally:
            self.monkeypatch.setattr(cli, "open_services", real)
        command = " ".join(args)
        left_open = [s for s in opened if not any(s is c for c in closed)]
        assert not left_open, f"amity {command} left its Services open"  # once or twice
        left = [t.name for t in threading.enumerate() if t not in before]
        assert not left, f"amity {command} left threads running: {left}"
        out, err = self.capsys.readouterr()
        return Done(code, out, err)


@pytest.fixture
def admin(services: Services) -> User:
    """The admin, in services that stand for a running server: they hear of the commands'
    changes as a server does (the invalidation bus)."""
    services.bus.start()
    return make_admin(services)


def heard(services: Services, webhook_id: str) -> None:
    """Wait until the server's writes select the webhook a command added."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with services.db.read() as conn:
            active = services.webhooks.selection.active(conn)
        if any(h.id == webhook_id for hooks in active.values() for h in hooks):
            return
        time.sleep(0.05)
    raise AssertionError(f"the server never heard of webhook {webhook_id}")


@pytest.fixture
def amity(
    admin: User,
    database_url: str,
    jwt_key_file: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Amity:
    for name in list(os.environ):
        if name.startswith("AMITY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AMITY_DATABASE_URL", database_url)
    monkeypatch.setenv("AMITY_JWT_KEY_FILE", jwt_key_file)  # the key that seals secrets
    monkeypatch.setenv("AMITY_LOG_LEVEL", "WARNING")
    return Amity(monkeypatch, capsys)


def added(done: Done) -> tuple[str, str]:
    """The id and secret `webhook add` printed."""
    assert done.code == 0, done.err
    webhook_id, secret = done.out.rstrip("\n").split("\t")
    return webhook_id, secret


def listed(amity: Amity) -> list[list[str]]:
    done = amity("webhook", "list")
    assert done.code == 0, done.err
    return [line.split("\t") for line in done.out.splitlines()]


def test_add_list_deliveries_remove(
    amity: Amity, services: Services, admin: User, receiver: Receiver
) -> None:
    done = amity("webhook", "add", "Contact", receiver.url, "--filters", ENTERPRISE)
    webhook_id, secret = added(done)
    assert secret.startswith("whsec_") and len(secret) > 30
    assert "shown this once" in done.err
    assert orjson.loads(services.webhooks.get(admin.actor, webhook_id)["filters"]) == {
        "glue": "and",
        "conditions": [
            {"field": "last_name", "filter": "eq", "value": "Ent", "when": "current_value"}
        ],
    }
    assert listed(amity) == [[webhook_id, "create_update", "Contact", receiver.url, "1", "on"]]
    assert "(1 of 1 webhooks)" in amity("webhook", "list").err

    heard(services, webhook_id)
    services.records.create(admin.actor, "Contact", {"last_name": "Other"})  # filtered out
    services.records.create(admin.actor, "Contact", {"last_name": "Ent"})
    services.jobs.drain()
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    StandardWebhook(secret).verify(delivery.body, delivery.headers)  # the printed secret signs
    assert delivery.json()["last_name"] == "Ent"

    done = amity("webhook", "deliveries", webhook_id)
    assert done.code == 0, done.err
    [line] = done.out.splitlines()
    _, event_id, attempt, status, duration, error = line.split("\t")
    assert (event_id, attempt, status, error) == (delivery.headers["webhook-id"], "1", "200", "")
    assert duration.endswith(" ms") and "(1 of 1 deliveries)" in done.err

    done = amity("webhook", "remove", webhook_id)
    assert done.code == 0, done.err
    assert done.out == f"removed webhook {webhook_id} (create_update Contact -> {receiver.url})\n"
    assert listed(amity) == []
    for command in ("remove", "deliveries"):
        again = amity("webhook", command, webhook_id)
        assert again.code == 1 and again.out == ""
        assert again.errors() == [
            f"error: No webhook with id {webhook_id} (GET /webhooks lists yours)"
        ]
    services.records.create(admin.actor, "Contact", {"last_name": "Ent"})
    services.jobs.drain()
    assert len(receiver.received) == 1  # removed: nothing more is sent


def test_add_with_type_payload_and_owner(
    amity: Amity, services: Services, admin: User, receiver: Receiver
) -> None:
    sally = services.auth.add_user(admin.actor, "sally", "sally-pw-2024-x")
    done = amity(
        "webhook", "add", "Account", receiver.url, "--type", "delete", "--payload", "event",
        "--user", "sally",
    )  # fmt: skip
    webhook_id, _ = added(done)
    hook = services.webhooks.get(admin.actor, webhook_id)
    assert (hook["type"], hook["payload"], hook["assigned_user_id"]) == ("delete", "event", sally)
    assert orjson.loads(hook["filters"]) == {
        "glue": "and",
        "conditions": [],
    }  # a delete matches every delete
    assert listed(amity) == [[webhook_id, "delete", "Account", receiver.url, sally, "on"]]
    nobody = amity("webhook", "add", "Account", receiver.url, "--user", "nobody")
    assert nobody.code == 1 and len(nobody.errors()) == 1 and "nobody" in nobody.errors()[0]
    assert len(listed(amity)) == 1


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        (
            '{"glue": "and", "conditions": [{"field": "shoe_size", "filter": "eq", "value": "1"}]}',
            "shoe_size",
        ),
        (
            '{"conditions": [{"field": "birthdate", "filter": "prefix", "value": "19"}]}',
            "birthdate",
        ),
        ('{"glue": "and", "conditions": [', "--filters is not JSON"),
    ],
    ids=["unknown field", "operator that does not fit", "not JSON"],
)
def test_a_bad_filter_is_one_error_line(
    amity: Amity, receiver: Receiver, filters: str, named: str
) -> None:
    done = amity("webhook", "add", "Contact", receiver.url, "--filters", filters)
    assert done.code == 1 and done.out == ""
    [error] = done.errors()
    assert named in error
    assert listed(amity) == []


def test_a_refused_url_is_an_error_unless_allowed(amity: Amity, receiver: Receiver) -> None:
    for url, allow in [
        ("http://10.0.0.1/", None),
        ("https://10.0.0.1/", None),
        ("http://10.0.0.1/", LOOPBACK),  # the allowance names other networks
        (receiver.url, None),
        ("ftp://93.184.216.34/", None),
    ]:
        done = amity("webhook", "add", "Contact", url, allow=allow)
        assert done.code == 1 and done.out == "", (url, done)
        assert len(done.errors()) == 1, (url, done.err)
    assert listed(amity) == []
    webhook_id, _ = added(
        amity("webhook", "add", "Contact", "http://10.0.0.1/", allow="10.0.0.0/8")
    )
    assert [row[0] for row in listed(amity)] == [webhook_id]


def test_list_pages_and_refuses_a_bad_page(amity: Amity, receiver: Receiver) -> None:
    ids = [added(amity("webhook", "add", "Contact", receiver.url))[0] for _ in range(3)]
    assert [row[0] for row in listed(amity)] == ids  # oldest first
    done = amity("webhook", "list", "--offset", "1", "--limit", "1")
    assert [line.split("\t")[0] for line in done.out.splitlines()] == [ids[1]]
    assert "(1 of 3 webhooks)" in done.err
    bad = amity("webhook", "list", "--limit", "0")
    assert bad.code == 1 and len(bad.errors()) == 1


def test_add_and_remove_as_a_process(
    amity: Amity, database_url: str, jwt_key_file: str, receiver: Receiver, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMITY_")}
    env.update(
        AMITY_DATABASE_URL=database_url,
        AMITY_JWT_KEY_FILE=jwt_key_file,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_WEBHOOK_ALLOW_NETWORKS=LOOPBACK,
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "amity", "webhook", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run("add", "Contact", receiver.url, "--type", "create")
    assert done.returncode == 0, done.stderr
    webhook_id, secret = done.stdout.rstrip("\n").split("\t")
    assert secret.startswith("whsec_")
    assert listed(amity) == [[webhook_id, "create", "Contact", receiver.url, "1", "on"]]
    refused = run("add", "Contact", "http://10.0.0.1/")
    assert refused.returncode == 1 and refused.stdout == ""
    assert [x for x in refused.stderr.splitlines() if x.startswith("error:")] == [
        refused.stderr.splitlines()[-1]
    ]
    assert run("remove", webhook_id).returncode == 0
    assert run("remove", webhook_id).returncode == 1
