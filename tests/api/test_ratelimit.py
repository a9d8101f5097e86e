"""Rate limits: per credential, per IP without one, a stricter per-IP limit on failed logins."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import httpx
import pytest

from amity.api.ratelimit import LimitResolver, actor_key, limits_from_settings
from amity.app import create_app
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.auth.clients import ClientSpec
from amity.core.services import Services
from tests.api.oauth_helpers import register
from tests.conftest import ApiClient, User

LIMIT, ANONYMOUS, FAILED = 5, 6, 4


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        log_level="WARNING",
        rate_limit=f"{LIMIT}/minute",
        rate_limit_anonymous=f"{ANONYMOUS}/minute",
        rate_limit_failed_auth=f"{FAILED}/minute",
    )


@pytest.fixture
def sam(services: Services, admin: User) -> User:
    user_id = services.auth.add_user(
        admin.actor, "sam", "sam-password", first_name="Sam", last_name="Sample"
    )
    _, token = services.auth.create_token("sam", "laptop")
    return User(user_id, "sam", "sam-password", token, admin.actor)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def assert_429(resp: httpx.Response, limit: int) -> None:
    assert resp.status_code == 429, resp.text
    body = resp.json()
    assert set(body) == {"error", "message", "hint"} and body["error"] == "rate_limited"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert resp.headers["X-RateLimit-Limit"] == str(limit)
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    assert int(resp.headers["X-RateLimit-Reset"]) >= time.time()
    policy, quota = resp.headers["RateLimit-Policy"], f";q={limit};w=60"
    assert policy.endswith(quota), policy
    name = policy.removesuffix(quota)
    assert re.fullmatch(name + r";r=0;t=\d+", resp.headers["RateLimit"])
    assert 1 <= int(resp.headers["RateLimit"].rpartition("=")[2]) <= 60


def test_exactly_the_limit_is_admitted_then_429(api: ApiClient) -> None:
    statuses = [api.get("/data/Account").status_code for _ in range(LIMIT)]
    assert statuses == [200] * LIMIT
    refused = api.get("/data/Account")
    assert_429(refused, LIMIT)
    assert_429(api.post("/data/Account", json={"data": {"name": "late"}}), LIMIT)
    assert api.get("/data/Account", params={"filters[name]": "late"}).status_code == 429


def test_every_response_carries_the_headers(api: ApiClient) -> None:
    responses = [
        api.get("/data/Account"),
        api.get("/data/NoSuchModel"),
        api.get("/no/such/endpoint"),
        api.post("/data/Account", json={"data": {}}),
    ]
    assert [r.status_code for r in responses][:3] == [200, 404, 404]
    assert responses[3].status_code == 400
    for spent, resp in enumerate(responses, start=1):
        assert resp.headers["X-RateLimit-Limit"] == str(LIMIT)
        assert resp.headers["X-RateLimit-Remaining"] == str(LIMIT - spent)
        reset = int(resp.headers["X-RateLimit-Reset"])
        assert time.time() <= reset <= time.time() + 61
        # draft-ietf-httpapi-ratelimit-headers: the policy, and what is left of it
        assert resp.headers["RateLimit-Policy"] == f'"credential";q={LIMIT};w=60'
        left = re.fullmatch(r'"credential";r=(\d+);t=(\d+)', resp.headers["RateLimit"])
        assert left is not None and int(left[1]) == LIMIT - spent and 0 <= int(left[2]) <= 60


def test_each_token_has_its_own_budget(api: ApiClient, anon: ApiClient, sam: User) -> None:
    for _ in range(LIMIT):
        assert api.get("/me").status_code == 200
    assert_429(api.get("/me"), LIMIT)
    resp = anon.get("/me", headers=bearer(sam.token))
    assert resp.status_code == 200 and resp.json()["id"] == sam.id
    assert resp.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)


def test_basic_auth_counts_per_user(anon: ApiClient, admin: User, sam: User) -> None:
    for _ in range(LIMIT):
        assert anon.get("/me", headers=basic("sam", sam.password)).status_code == 200
    assert_429(anon.get("/me", headers=basic("sam", sam.password)), LIMIT)
    # a wrong password is not sam: it cannot spend (or lock) sam's budget
    assert anon.get("/me", headers=basic("sam", "another password")).status_code == 401
    assert anon.get("/me", headers=basic("admin", admin.password)).status_code == 200
    assert anon.get("/me", headers=bearer(sam.token)).status_code == 200


def test_anonymous_requests_count_per_ip(client_at: Any, admin: User) -> None:
    here, there = client_at("10.0.0.1"), client_at("10.0.0.2")
    assert [here.get("/version").status_code for _ in range(ANONYMOUS)] == [200] * ANONYMOUS
    assert_429(here.get("/version"), ANONYMOUS)
    assert there.get("/version").status_code == 200
    assert here.get("/version", headers=bearer(admin.token)).status_code == 200


def test_failed_logins_lock_out_the_ip(client_at: Any, admin: User) -> None:
    attacker, other = client_at("10.0.0.3"), client_at("10.0.0.4")
    guesses = [attacker.get("/me", headers=bearer(f"guess-{i}")) for i in range(FAILED)]
    assert [r.status_code for r in guesses] == [401] * FAILED
    assert_429(attacker.get("/me", headers=basic("admin", "guess")), FAILED)
    assert_429(attacker.get("/me", headers=basic("admin", admin.password)), FAILED)
    assert_429(attacker.get("/me", headers=bearer("another-guess")), FAILED)
    assert_429(attacker.get("/version"), FAILED)
    assert other.get("/me", headers=bearer(admin.token)).status_code == 200
    assert other.get("/me", headers=bearer("wrong")).status_code == 401


def test_a_valid_token_works_from_an_address_over_the_failed_auth_limit(
    client_at: Any, admin: User, sam: User, services: Services
) -> None:
    """Offices share one address behind NAT: one colleague's typos must not lock out the
    tokens of the others. Passwords and client secrets stay locked out."""
    office = client_at("10.0.0.7")
    for _ in range(FAILED):
        assert office.get("/me", headers=basic("sam", "typo")).status_code == 401
    assert_429(office.get("/me", headers=basic("sam", sam.password)), FAILED)
    resp = office.get("/me", headers=bearer(sam.token))
    assert resp.status_code == 200 and resp.json()["id"] == sam.id
    assert resp.headers["X-RateLimit-Limit"] == str(LIMIT)
    assert office.get("/data/Account", headers=bearer(admin.token)).status_code == 200
    app = register(services, allow_password=True)
    # the token endpoint checks secrets: refused even with a token in the header
    assert_429(
        office.post(
            "/auth/user/access_token",
            headers=bearer(sam.token),
            json={
                "grant_type": "password",
                "username": "sam",
                "password": sam.password,
                **app.creds(),
            },
        ),
        FAILED,
    )


@pytest.mark.parametrize(
    "header",
    [
        b"Basic \xff\xfe",
        "Basic not-base64!!",
        "Basic " + base64.b64encode(b"\xff:x").decode(),
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer ",
        "Token abc",
        "Basic",
    ],
)
def test_malformed_credentials_are_401_and_counted(
    client_at: Any, admin: User, header: str | bytes
) -> None:
    client = client_at("10.0.0.6")
    for spent in range(1, FAILED + 1):
        resp = client.get("/me", headers={"Authorization": header})
        assert resp.status_code == 401
        # credentials that fail spend the IP's budget, not anybody's credential budget
        assert resp.headers["X-RateLimit-Limit"] == str(ANONYMOUS)
        assert resp.headers["X-RateLimit-Remaining"] == str(ANONYMOUS - spent)
    assert_429(client.get("/me", headers={"Authorization": header}), FAILED)


def test_successful_logins_do_not_count_as_failures(client_at: Any, admin: User) -> None:
    client = client_at("10.0.0.5")
    for _ in range(FAILED + 1):
        assert client.get("/me", headers=basic("admin", admin.password)).status_code == 200


def test_a_malformed_rate_stops_the_server(database_url: str, services: Services) -> None:
    with pytest.raises(ValueError, match="AMITY_RATE_LIMIT_ANONYMOUS"):
        create_app(Settings(database_url=database_url, rate_limit_anonymous="lots"), services)


class TestDisabled:
    @pytest.fixture(params=["", "0"])
    def settings(self, database_url: str, request: pytest.FixtureRequest) -> Settings:
        off = str(request.param)
        return Settings(
            database_url=database_url,
            log_level="WARNING",
            rate_limit=off,
            rate_limit_anonymous=off,
            rate_limit_failed_auth=off,
        )

    def test_no_limit_and_no_headers(self, api: ApiClient, anon: ApiClient) -> None:
        for _ in range(3 * LIMIT):
            resp = api.get("/me")
            assert resp.status_code == 200 and "X-RateLimit-Limit" not in resp.headers
            assert anon.get("/me", headers=bearer("wrong")).status_code == 401
            assert anon.get("/version").status_code == 200


def test_a_user_can_get_a_limit_of_its_own(
    api: ApiClient, anon: ApiClient, sam: User, admin: User
) -> None:
    put = api.put(f"/admin/rate_limits/user/{sam.id}", json={"rate_limit": "2/minute"})
    assert put.status_code == 200 and put.json()["record"]["rate_limit"] == "2/minute"
    for _ in range(2):
        assert anon.get("/me", headers=bearer(sam.token)).status_code == 200
    assert_429(anon.get("/me", headers=bearer(sam.token)), 2)
    # every credential of sam has that limit; other users keep AMITY_RATE_LIMIT
    first_basic = anon.get("/me", headers=basic("sam", sam.password))
    assert first_basic.headers["X-RateLimit-Limit"] == "2"
    listed = api.get("/admin/rate_limits").json()["records"]
    assert listed == [{"kind": "user", "id": sam.id, "rate_limit": "2/minute"}]
    assert api.get("/me").headers["X-RateLimit-Limit"] == str(LIMIT)


def test_clearing_a_users_limit_restores_the_default(
    api: ApiClient, anon: ApiClient, sam: User
) -> None:
    api.put(f"/admin/rate_limits/user/{sam.id}", json={"rate_limit": "1/minute"})
    assert anon.get("/me", headers=bearer(sam.token)).headers["X-RateLimit-Limit"] == "1"
    assert api.delete(f"/admin/rate_limits/user/{sam.id}").status_code == 200
    assert api.delete(f"/admin/rate_limits/user/{sam.id}").status_code == 404
    resp = anon.get("/me", headers=basic("sam", sam.password))
    assert resp.status_code == 200 and resp.headers["X-RateLimit-Limit"] == str(LIMIT)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/admin/rate_limits/user/no-such-user", {"rate_limit": "5/minute"}, 404),
        ("/admin/rate_limits/team/x", {"rate_limit": "5/minute"}, 404),
        ("/admin/rate_limits/client/no-such-client", {"rate_limit": "5/minute"}, 404),
        ("/admin/rate_limits/user/{sam}", {"rate_limit": "lots"}, 400),
        ("/admin/rate_limits/user/{sam}", {"rate_limit": 5}, 400),
        ("/admin/rate_limits/user/{sam}", {"rate_limit": "0/minute"}, 400),
        ("/admin/rate_limits/user/{sam}", {"rate_limit": "0 per second"}, 400),
        ("/admin/rate_limits/user/{sam}", {"rate_limit": "-1/minute"}, 400),
        ("/admin/rate_limits/user/{admin}", {"rate_limit": "0/hour"}, 400),
        ("/admin/rate_limits/user/{sam}", {}, 400),
    ],
)
def test_bad_limits_are_refused(
    api: ApiClient, sam: User, admin: User, path: str, body: Any, status: int
) -> None:
    resp = api.put(path.format(sam=sam.id, admin=admin.id), json=body)
    assert resp.status_code == status, resp.text
    assert set(resp.json()) == {"error", "message", "hint"}
    assert api.get("/admin/rate_limits").json()["records"] == []


def test_an_admin_cannot_lock_itself_out(api: ApiClient, admin: User) -> None:
    """A limit of its own applies to the admin's work, but never to /admin/rate_limits:
    the admin can always see and clear it."""
    assert (
        api.put(f"/admin/rate_limits/user/{admin.id}", json={"rate_limit": "1/minute"}).status_code
        == 200
    )
    assert api.get("/me").status_code == 200
    assert_429(api.get("/me"), 1)
    listed = api.get("/admin/rate_limits")
    assert listed.status_code == 200 and listed.headers["X-RateLimit-Limit"] == str(LIMIT)
    assert api.delete(f"/admin/rate_limits/user/{admin.id}").status_code == 200
    assert api.get("/admin/rate_limits").json()["records"] == []


def test_zero_is_no_rate_for_the_settings(database_url: str, services: Services) -> None:
    with pytest.raises(ValueError, match="AMITY_RATE_LIMIT"):
        create_app(Settings(database_url=database_url, rate_limit="0/minute"), services)


def test_only_admins_manage_limits(anon: ApiClient, sam: User) -> None:
    as_sam = bearer(sam.token)
    assert anon.get("/admin/rate_limits", headers=as_sam).status_code == 403
    assert (
        anon.put(
            f"/admin/rate_limits/user/{sam.id}", json={"rate_limit": "9999/second"}, headers=as_sam
        ).status_code
        == 403
    )
    assert anon.get("/me", headers=as_sam).headers["X-RateLimit-Limit"] == str(LIMIT)


def test_an_oauth_clients_limit_applies_to_its_tokens(
    services: Services, admin: User, sam: User
) -> None:
    """The limit of a registered client wins over its user's, for that client's tokens."""
    client, _ = services.clients.add(
        admin.actor, ClientSpec(name="Partner app", redirect_uris=["https://partner.example/cb"])
    )
    services.rate_limits.set(admin.actor, "client", client["client_id"], "3/minute")
    services.rate_limits.set(admin.actor, "user", sam.id, "7/minute")
    resolver = LimitResolver(limits_from_settings(services.settings), services.rate_limits)
    via_client = Actor(
        user_id=sam.id,
        user_name="sam",
        credential="oauth",
        client_id=client["client_id"],
        scopes=frozenset({"read"}),
    )
    own = Actor(user_id=sam.id, user_name="sam", credential="token", credential_id="t1")
    portal = Actor(user_id=sam.id, user_name="sam", credential="portal", contact_id="c1")
    limit = resolver.limit(actor_key(via_client, "10.0.0.9"), via_client)
    assert limit is not None and limit.amount == 3
    limit = resolver.limit(actor_key(own, "10.0.0.9"), own)
    assert limit is not None and limit.amount == 7
    # a portal contact is not the user it is attributed to
    limit = resolver.limit(actor_key(portal, "10.0.0.9"), portal)
    assert limit is not None and limit.amount == LIMIT
    assert actor_key(via_client, "ip") != actor_key(own, "ip") != actor_key(portal, "ip")
