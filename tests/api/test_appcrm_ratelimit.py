"""App CRM: X-RateLimit-Limit/-Remaining on every answer, 429 in its shape past it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.config import Settings
from tests.conftest import ApiClient, User

LIMIT = 3


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return Settings(
        database_url=database_url,
        log_level="WARNING",
        jwt_key_file=jwt_key_file,
        rate_limit=f"{LIMIT}/minute",
        rate_limit_anonymous=f"{LIMIT}/minute",
    )


@pytest.fixture
def crm(app: Any, admin: User) -> Iterator[ApiClient]:
    client = ApiClient(
        app, {"Authorization": f"Bearer {admin.token}"}, base_url="http://testserver"
    )
    yield client
    client.close()


def test_headers_then_429(crm: ApiClient) -> None:
    for left in range(LIMIT - 1, -1, -1):
        answer = crm.get("/api/accounts")
        assert answer.status_code == 200
        assert answer.headers["X-RateLimit-Limit"] == str(LIMIT)
        assert answer.headers["X-RateLimit-Remaining"] == str(left)
    refused = crm.get("/api/accounts")
    assert refused.status_code == 429
    assert set(refused.json()) == {"message"}
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_errors_carry_the_headers_too(app: Any) -> None:
    client = ApiClient(app, base_url="http://testserver")
    answer = client.get("/api/accounts")
    assert answer.status_code == 401 and "X-RateLimit-Limit" in answer.headers
    client.close()
