"""Fixtures shared by the API tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from amity.core.services import Services
from tests.api.oauth_helpers import Registered, register
from tests.conftest import ApiClient, User


@pytest.fixture
def app_client(services: Services, admin: User) -> Registered:
    """A confidential client with the default grants plus client credentials as admin."""
    return register(
        services, grants=["authorization_code", "refresh_token", "client_credentials"], user="admin"
    )


class ClientAt(ApiClient):
    """An in-process client whose requests come from a given IP address."""

    def __init__(self, app: Any, ip: str) -> None:
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
            base_url="https://testserver/api.php",
        )  # not loopback: plain HTTP is refused


@pytest.fixture
def client_at(app: Any) -> Iterator[Callable[[str], ClientAt]]:
    """Makes clients at given IP addresses (closed after the test)."""
    clients: list[ClientAt] = []

    def make(ip: str) -> ClientAt:
        clients.append(ClientAt(app, ip))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


APPCRM_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


@pytest.fixture
def crm(app: Any, admin: User) -> Iterator[ApiClient]:
    """A client of the App CRM API (/api) with the admin's personal access token."""
    client = ApiClient(
        app,
        {**APPCRM_HEADERS, "Authorization": f"Bearer {admin.token}"},
        base_url="http://testserver",
    )
    yield client
    client.close()
