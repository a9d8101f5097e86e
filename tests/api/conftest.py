"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from amity.core.services import Services
from tests.api.oauth_helpers import Registered, register
from tests.conftest import User


@pytest.fixture
def app_client(services: Services, admin: User) -> Registered:
    """A confidential client with the default grants plus client credentials as admin."""
    return register(services, grants=["authorization_code", "refresh_token",
                                      "client_credentials"], user="admin")
