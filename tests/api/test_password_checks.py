"""Password checks: argon2 runs off the event loop, an address over the failed-auth limit
gets no password checked, and an unknown user costs the same argon2 check as a wrong
password (no user enumeration by timing; bench/auth_timing.py measures the times)."""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from amity.config import Settings
from amity.core.auth import passwords
from amity.core.services import Services
from tests.api.oauth_helpers import register, token_post
from tests.conftest import ApiClient, User

FAILED = 3


class CountingHasher(PasswordHasher):
    """The tests' cheap argon2, counting checks and hashes and noting whether each ran on a
    thread with a running event loop."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0
        self.on_loop: list[str] = []

    def _note(self, what: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self.on_loop.append(what)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        self._note("verify")
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._note("hash")
        return super().hash(password, salt=salt)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return Settings(
        database_url=database_url,
        log_level="WARNING",
        jwt_key_file=jwt_key_file,
        session_auth=True,
        rate_limit="",
        rate_limit_anonymous="",
        rate_limit_token_endpoint="",
        rate_limit_failed_auth=f"{FAILED}/minute",
    )


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_no_password_is_checked_on_the_event_loop(
    client_at: Any, services: Services, admin: User, hasher: CountingHasher, api: ApiClient
) -> None:
    client = client_at("10.1.0.1")
    assert client.get("/me", headers=basic("admin", admin.password)).status_code == 200
    assert client.get("/me", headers=basic("admin", "wrong")).status_code == 401
    assert client.get("/me", headers=basic("nobody", "wrong")).status_code == 401
    assert (
        client.post("/session", json={"user_name": "admin", "password": "wrong"}).status_code == 401
    )
    app = register(services, allow_password=True)
    got = token_post(
        client_at("10.1.0.5"),
        {"grant_type": "password", "username": "admin", "password": admin.password, **app.creds()},
    )
    assert got.status_code == 200, got.text
    created = api.post(
        "/admin/clients", json={"name": "Hashed secret", "redirect_uris": ["https://x.example/cb"]}
    )
    assert created.status_code == 200, created.text
    assert hasher.verified >= 5
    assert hasher.on_loop == [], hasher.on_loop


class StalledHasher(CountingHasher):
    """A password check that takes as long as the test wants."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.entered.set()
        self.release.wait(timeout=10)
        return super().verify(hash, password)


def test_a_slow_password_check_does_not_hold_up_other_clients(
    app: Any, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    stalled = StalledHasher()
    monkeypatch.setattr(passwords, "_hasher", stalled)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app, client=("10.1.0.9", 40000))
        async with httpx.AsyncClient(
            transport=transport, base_url="https://testserver/api.php"
        ) as client:
            slow = asyncio.create_task(client.get("/me", headers=basic("admin", "wrong")))
            assert await asyncio.to_thread(stalled.entered.wait, 10)
            healthy = await client.get("/me", headers={"Authorization": f"Bearer {admin.token}"})
            assert healthy.status_code == 200
            assert not slow.done()  # still checking the password meanwhile
            stalled.release.set()
            assert (await slow).status_code == 401

    asyncio.run(scenario())


def test_an_address_over_the_limit_gets_no_password_checked(
    client_at: Any, services: Services, admin: User, hasher: CountingHasher
) -> None:
    attacker = client_at("10.1.0.2")
    app = register(services, allow_password=True)
    for _ in range(FAILED):
        assert attacker.get("/me", headers=basic("admin", "guess")).status_code == 401
    checked = hasher.verified
    refused = [
        attacker.get("/me", headers=basic("admin", admin.password)),
        attacker.post("/session", json={"user_name": "admin", "password": admin.password}),
        token_post(
            attacker,
            {
                "grant_type": "password",
                "username": "admin",
                "password": admin.password,
                **app.creds(),
            },
        ),
    ]
    assert [r.status_code for r in refused] == [429] * 3
    assert hasher.verified == checked
    # another address is not affected
    other = client_at("10.1.0.3")
    assert other.get("/me", headers=basic("admin", admin.password)).status_code == 200


@pytest.fixture
def inactive(services: Services, admin: User) -> str:
    services.auth.add_user(admin.actor, "gone", "gone-password")
    user_id = services.auth.user_by_name("gone")["id"]
    services.records.update(admin.actor, "User", user_id, {"status": "Inactive"})
    return "gone"


def checks(hasher: CountingHasher, attempt: Any) -> int:
    before = hasher.verified
    status = attempt()
    assert status in (400, 401), status
    return hasher.verified - before


def test_an_unknown_user_costs_the_same_check_as_a_wrong_password(
    client_at: Any, services: Services, admin: User, inactive: str, hasher: CountingHasher
) -> None:
    """One argon2 verification each: a dummy hash stands in for a missing one."""
    app = register(services, allow_password=True)

    def by_basic(client: ApiClient, user: str) -> int:
        return client.get("/me", headers=basic(user, "wrong")).status_code

    def by_session(client: ApiClient, user: str) -> int:
        return client.post("/session", json={"user_name": user, "password": "wrong"}).status_code

    def by_grant(client: ApiClient, user: str) -> int:
        return token_post(
            client, {"grant_type": "password", "username": user, "password": "wrong", **app.creds()}
        ).status_code

    for n, way in enumerate((by_basic, by_session, by_grant)):
        client = client_at(f"10.2.{n}.1")  # FAILED tries from one address at most
        spent = [
            checks(hasher, lambda: way(client, user))  # noqa: B023
            for user in ("admin", "nobody", inactive)
        ]
        # the grant also checks the client's secret: one more for each
        assert spent == [2 if way is by_grant else 1] * 3, (way.__name__, spent)


@pytest.mark.parametrize("guess", ["password", "client_secret"])
def test_wrong_grant_passwords_and_client_secrets_count_as_failed_logins(
    client_at: Any, services: Services, admin: User, guess: str
) -> None:
    """A wrong resource-owner password is 400 invalid_grant, not 401 (RFC 6749 5.2): it
    spends the failed-auth budget all the same, like a wrong client secret (401)."""
    attacker = client_at("10.1.0.6")
    app = register(services, allow_password=True)
    body = {
        "grant_type": "password",
        "username": "admin",
        "password": admin.password,
        **app.creds(),
        guess: "guess",
    }
    answers = [token_post(attacker, body) for _ in range(FAILED)]
    expected = 400 if guess == "password" else 401
    assert [a.status_code for a in answers] == [expected] * FAILED, answers[0].text
    right = {"password": admin.password, "client_secret": app.secret}
    refused = token_post(attacker, {**body, guess: right[guess]})
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    # wrong codes and refresh tokens are not guesses of a secret a person chose
    other = client_at("10.1.0.7")
    for _ in range(FAILED + 1):
        bad = token_post(
            other, {"grant_type": "refresh_token", "refresh_token": "nope", **app.creds()}
        )
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
