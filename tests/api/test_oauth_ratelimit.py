"""The token endpoints have a stricter per-IP limit of their own."""

from __future__ import annotations

import pytest

from amity.config import Settings
from tests.conftest import NO_RATE_LIMITS, ApiClient

LIMIT = 3


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return Settings(
        database_url=database_url,
        log_level="WARNING",
        jwt_key_file=jwt_key_file,
        **{**NO_RATE_LIMITS, "rate_limit_token_endpoint": f"{LIMIT}/minute"},
    )


def test_token_endpoint_limit_per_ip(anon: ApiClient) -> None:
    body = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    answers = [anon.post("/auth/user/access_token", json=body) for _ in range(LIMIT)]
    assert all(a.status_code in (400, 401) for a in answers)
    assert answers[0].headers["x-ratelimit-limit"] == str(LIMIT)
    refused = anon.post("/auth/contact/revoke", json={"token": "t"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"] == "rate_limited"
    assert anon.get("/version").status_code == 200  # other endpoints are not affected
