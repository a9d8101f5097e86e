"""OpenCRM: rate limits per key user, the CLI that makes key pairs, login by headers, a
missing model's error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from amity.api.opencrm.endpoints import entity_model
from amity.api.opencrm.entities import Entity
from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from amity.errors import NotFound
from tests.cli_runner import run
from tests.conftest import ApiClient, User, make_admin

LIMIT = 3


@pytest.fixture
def limited(database_url: str, jwt_key_file: str) -> Iterator[tuple[Any, Services]]:
    settings = Settings(
        database_url=database_url,
        log_level="WARNING",
        jwt_key_file=jwt_key_file,
        rate_limit=f"{LIMIT}/minute",
        rate_limit_anonymous="100/minute",
    )
    services = build_services(settings)
    yield create_app(settings, services), services
    services.close()


def test_header_and_url_keys_spend_their_users_budget(limited: tuple[Any, Services]) -> None:
    app, services = limited
    admin = make_admin(services)
    api_key, pass_key = services.api_keys.create(admin.id)
    client = ApiClient(app, base_url="http://testserver/api/rest")
    try:
        headers = {"KEY1": api_key, "KEY2": pass_key}
        for _ in range(LIMIT - 1):
            assert client.get("/get_company_list_count", headers=headers).status_code == 200
        url = {"apikey": api_key, "passkey": pass_key}
        assert client.get("/get_company_list_count", params=url).status_code == 200
        refused = client.get("/get_company_list_count", headers=headers)
        assert refused.status_code == 429 and refused.json()["status"] == "error"
        assert client.get("/get_company_list_count", params=url).status_code == 429
        # keys only in a body are read by the end point: the anonymous budget of the address
        body = client.post("/get_company_list_count", data=url)
        assert body.status_code == 200
    finally:
        client.close()


def test_login_with_headers(app: Any, services: Services, admin: User) -> None:
    api_key, pass_key = services.api_keys.create(admin.id)
    client = ApiClient(app, base_url="http://testserver/api/rest")
    try:
        login = client.post("/login", headers={"KEY1": api_key, "KEY2": pass_key})
        assert login.status_code == 200, login.text
        access = login.json()["accesskey"]
        assert client.get("/get_contact_list", params={"accesskey": access}).status_code == 200
        again = client.post("/login", params={"accesskey": access})
        assert again.status_code == 401  # an access key does not make another
    finally:
        client.close()


def test_cli_makes_and_rotates_a_key_pair(
    database_url: str, services: Services, admin: User, tmp_path: Path
) -> None:
    env = dict(os.environ, AMITY_DATABASE_URL=database_url, AMITY_LOG_LEVEL="WARNING")
    first = run(["user", "api-key", "admin"], env, tmp_path).stdout
    second = run(["user", "api-key", "admin"], env, tmp_path).stdout

    def pair(printed: str) -> tuple[str, str]:
        lines = dict(line.split(":", 1) for line in printed.strip().splitlines())
        return lines["api key"].strip(), lines["pass key"].strip()

    old, new = pair(first), pair(second)
    assert old != new
    assert services.api_keys.user_of_pair(*old) is None
    assert services.api_keys.user_of_pair(*new) == admin.id
    missing = run(["user", "api-key", "nobody"], env, tmp_path, check=False)
    assert missing.returncode != 0


def test_an_entity_without_its_model_is_a_clear_404(app: Any) -> None:
    request = Request({"type": "http", "app": app, "headers": [], "path": "/api/rest/x"})
    ghost = Entity("ghost", "NoSuchModel", "ghostid", {}, ())
    with pytest.raises(NotFound) as raised:
        entity_model(request, ghost)
    assert raised.value.params == {"entity": "ghost", "model": "NoSuchModel"}
