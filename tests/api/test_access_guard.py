"""Access guard: HTTPS except from loopback, trusted proxies' X-Forwarded-*, an IP allow-list."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services
from tests.conftest import ApiClient, User

PROXY = "10.1.0.5"


class ClientAt(ApiClient):
    """An in-process client connecting from `ip` with the given scheme."""

    def __init__(self, app: Any, ip: str, scheme: str, headers: dict[str, str]) -> None:
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
            base_url=f"{scheme}://testserver/api.php",
            headers=headers,
        )


Connect = Callable[..., ClientAt]


@pytest.fixture
def connect(app: Any, admin: User) -> Iterator[Connect]:
    """connect(ip, scheme='http') -> a client authenticated as the admin."""
    clients: list[ClientAt] = []

    def make(ip: str, scheme: str = "http") -> ClientAt:
        clients.append(ClientAt(app, ip, scheme, {"Authorization": f"Bearer {admin.token}"}))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def logged_ips(api: ApiClient, services: Services, count: int) -> list[str]:
    """The client IPs of the newest `count` calls of the API call log, oldest first."""
    services.api_log.flush()
    response = api.get("/admin/api_calls", params={"limit": count})
    assert response.status_code == 200, response.text
    return [row["ip"] for row in reversed(response.json()["records"])]


def assert_refused(response: httpx.Response, error: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert set(body) == {"error", "message", "hint"}
    assert body["error"] == error


def test_plain_http_from_loopback_is_served(connect: Connect) -> None:
    for ip in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        assert connect(ip).get("/me").status_code == 200, ip


def test_plain_http_from_elsewhere_is_refused(connect: Connect) -> None:
    for ip in ("10.0.0.7", "192.168.1.20", "2001:db8::7"):
        response = connect(ip).get("/me")
        assert_refused(response, "https_required")
        hint = response.json()["hint"]
        assert hint.startswith("use https://testserver/api.php/me; "), hint
        # how to get there: a TLS proxy in front (an example), or the rule switched off
        assert "reverse_proxy 127.0.0.1:" in hint and "AMITY_TRUSTED_PROXIES=127.0.0.1" in hint
        assert "AMITY_REQUIRE_HTTPS=false" in hint


def test_https_from_elsewhere_is_served(connect: Connect) -> None:
    assert connect("10.0.0.7", "https").get("/me").status_code == 200
    assert connect("2001:db8::7", "https").get("/me").status_code == 200


def test_refusals_are_logged(connect: Connect, api: ApiClient, services: Services) -> None:
    assert_refused(connect("10.0.0.7").get("/me"), "https_required")
    services.api_log.flush()
    rows = api.get("/admin/api_calls", params={"limit": 1}).json()["records"]
    assert [(r["ip"], r["status"], r["path"]) for r in rows] == [("10.0.0.7", 403, "/api.php/me")]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(
    connect: Connect, api: ApiClient, services: Services
) -> None:
    spoofer = connect("10.0.0.9")
    assert_refused(spoofer.get("/me", headers={"X-Forwarded-Proto": "https"}), "https_required")
    local = connect("127.0.0.1")
    assert local.get("/me", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    assert logged_ips(api, services, 2) == ["10.0.0.9", "127.0.0.1"]


class TestBehindProxies:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, trusted_proxies=f" {PROXY}, 10.2.0.0/16 ,")

    def test_forwarded_proto_from_a_trusted_proxy_is_believed(self, connect: Connect) -> None:
        proxy = connect(PROXY)
        assert (
            proxy.get(
                "/me", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
            ).status_code
            == 200
        )
        assert_refused(
            proxy.get(
                "/me", headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"}
            ),
            "https_required",
        )
        # a client that reached the proxy over plain HTTP stays refused
        assert_refused(
            proxy.get("/me", headers={"X-Forwarded-For": "203.0.113.9"}), "https_required"
        )
        # from another peer the same header changes nothing
        assert_refused(
            connect("10.3.0.1").get("/me", headers={"X-Forwarded-Proto": "https"}), "https_required"
        )

    def test_the_client_is_the_rightmost_untrusted_forwarded_address(
        self, connect: Connect, api: ApiClient, services: Services
    ) -> None:
        proxy = connect(PROXY, "https")
        chains = [
            "203.0.113.9",
            "198.51.100.1, 203.0.113.10",  # the left entry is the client's own claim
            "203.0.113.11, 10.2.3.4",  # 10.2.3.4 is a trusted proxy in front of PROXY
            "10.2.0.1, 10.2.0.2",  # all trusted: the left-most
            "[2001:db8::5]:443, 198.51.100.7:5555",
        ]
        for chain in chains:
            assert proxy.get("/me", headers={"X-Forwarded-For": chain}).status_code == 200
        assert proxy.get("/me").status_code == 200  # no header: the proxy itself
        split = proxy.get(
            "/me",
            headers=[("X-Forwarded-For", "203.0.113.12"), ("X-Forwarded-For", "198.51.100.2")],
        )
        assert split.status_code == 200
        spoofer = connect("10.3.0.1", "https")
        assert spoofer.get("/me", headers={"X-Forwarded-For": "203.0.113.13"}).status_code == 200
        assert logged_ips(api, services, 8) == [
            "203.0.113.9",
            "203.0.113.10",
            "203.0.113.11",
            "10.2.0.1",
            "198.51.100.7",
            PROXY,
            "198.51.100.2",
            "10.3.0.1",
        ]

    def test_api_writes_record_the_forwarded_client(
        self, connect: Connect, services: Services
    ) -> None:
        proxy = connect(PROXY, "https")
        created = proxy.post(
            "/data/Contact",
            json={"data": {"last_name": "Fwd"}},
            headers={"X-Forwarded-For": "203.0.113.20"},
        )
        assert created.status_code == 200, created.text
        history = services.api_log.history("Contact", created.json()["id"])
        assert [h["source"] for h in history] == ["api 203.0.113.20"]

    def test_a_malformed_forwarded_address_is_a_client_error(self, connect: Connect) -> None:
        response = connect(PROXY, "https").get(
            "/me", headers={"X-Forwarded-For": "not-an-ip, 10.2.0.9"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"
        assert "not-an-ip" in response.json()["message"]


class TestAllowList:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(
            settings, api_allow="127.0.0.1, 10.5.0.0/24, 2001:db8::/64", trusted_proxies=PROXY
        )

    def test_listed_addresses_and_networks_are_admitted(self, connect: Connect) -> None:
        for ip in ("127.0.0.1", "10.5.0.1", "10.5.0.254", "2001:db8::99"):
            assert connect(ip, "https").get("/me").status_code == 200, ip

    def test_other_addresses_are_refused(self, connect: Connect) -> None:
        for ip in ("127.0.0.2", "10.5.1.1", "2001:db8:1::1", "::1"):
            response = connect(ip, "https").get("/version")
            assert_refused(response, "forbidden")
            assert ip in response.json()["message"]

    def test_the_forwarded_client_is_checked_not_the_proxy(self, connect: Connect) -> None:
        proxy = connect(PROXY, "https")
        assert proxy.get("/me", headers={"X-Forwarded-For": "10.5.0.3"}).status_code == 200
        assert_refused(proxy.get("/me", headers={"X-Forwarded-For": "198.51.100.3"}), "forbidden")
        assert_refused(
            connect("10.9.9.9", "https").get("/me", headers={"X-Forwarded-For": "10.5.0.3"}),
            "forbidden",
        )


class TestHttpsNotRequired:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, require_https=False)

    def test_plain_http_is_served_from_anywhere(self, connect: Connect) -> None:
        assert connect("10.0.0.7").get("/me").status_code == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("trusted_proxies", "10.0.0.0/33"),
        ("trusted_proxies", "proxy.example"),
        ("api_allow", "10.0.0.1/8"),
        ("api_allow", "10.0.0.0/8; 10.1.0.0/16"),
    ],
)
def test_malformed_settings_stop_the_app(
    settings: Settings, services: Services, name: str, value: str
) -> None:
    with pytest.raises(ValueError, match=f"AMITY_{name.upper()}"):
        create_app(dataclasses.replace(settings, **{name: value}), services)


def test_settings_come_from_the_environment() -> None:
    env = {
        "AMITY_REQUIRE_HTTPS": "false",
        "AMITY_TRUSTED_PROXIES": "10.0.0.1",
        "AMITY_API_ALLOW": "10.0.0.0/8,::1",
    }
    settings = Settings.from_env(env)
    assert (settings.require_https, settings.trusted_proxies, settings.api_allow) == (
        False,
        "10.0.0.1",
        "10.0.0.0/8,::1",
    )
    assert Settings.from_env({}).require_https is True
