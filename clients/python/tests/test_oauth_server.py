"""AuthorizationFlow and OAuth against a real Amity server: the authorization URL with PKCE,
the consent form (posted with httpx, as a browser would), finalize with the state check,
refresh (rotating), client credentials and the password grant."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conftest import ADMIN_PASSWORD, amity

from amity_client import AuthorizationFlow, BadRequest, Client, Error, OAuth

REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the test reads the redirect
HIDDEN = re.compile(r"<input type=hidden name='([^']*)' value='([^']*)'>")


def add_client(env: dict[str, str], cwd: Path, *options: str) -> tuple[str, str | None]:
    out = amity(
        "client", "add", "client tests", "--redirect-uri", REDIRECT, *options, env=env, cwd=cwd
    )
    values = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return values["client_id"], values.get("client_secret")


@pytest.fixture(scope="module")
def confidential(server_env: dict[str, str], workdir: Path, url: str) -> tuple[str, str]:
    client_id, secret = add_client(
        server_env,
        workdir,
        "--grant",
        "authorization_code",
        "--grant",
        "refresh_token",
        "--grant",
        "client_credentials",
        "--user",
        "admin",
        "--allow-password",
    )
    assert secret is not None
    return client_id, secret


def consent(address: str, login: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
    """Log in on the server's consent page and allow; the query of the redirect back."""
    with httpx.Client() as browser:
        page = browser.get(address)
        assert page.status_code == 200, page.text
        form = {unescape(k): unescape(v) for k, v in HIDDEN.findall(page.text)}
        form.update(login=login, password=password, decision="allow")
        answer = browser.post(address.split("?")[0], data=form)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_code_flow_with_pkce_state_and_rotating_refresh(
    url: str, confidential: tuple[str, str]
) -> None:
    client_id, secret = confidential
    flow = AuthorizationFlow(
        url, client_id=client_id, client_secret=secret, redirect_uri=REDIRECT, scope="read write"
    )
    address = flow.init("authorization_code")
    assert isinstance(address, str) and "code_challenge=" in address
    query = consent(address)
    assert query["state"] == flow.state
    with pytest.raises(Error) as forged:
        flow.finalize({**query, "state": "forged"})
    assert forged.value.type == "invalid_state"
    token = flow.finalize(query)
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    with Client(url, OAuth(token, flow)) as client:
        assert client.me()["user_name"] == "admin"

    fresh = flow.refresh_token(token["refresh_token"])
    assert fresh["refresh_token"] != token["refresh_token"]
    with pytest.raises(BadRequest) as reused:
        flow.refresh_token(token["refresh_token"])  # a spent one: the grant is revoked
    assert reused.value.type == "invalid_grant"
    with pytest.raises(BadRequest):
        flow.refresh_token(fresh["refresh_token"])


def test_oauth_auth_refreshes_an_expired_token(url: str, confidential: tuple[str, str]) -> None:
    client_id, secret = confidential
    flow = AuthorizationFlow(
        url, client_id=client_id, client_secret=secret, redirect_uri=REDIRECT, scope="read"
    )
    token = flow.finalize(consent(flow.authorization_url()))
    stored: list[dict[str, Any]] = []
    auth = OAuth({**token, "expires_at": 1.0}, flow, stored.append)
    with Client(url, auth) as client:
        assert client.me()["user_name"] == "admin"
        assert client.model("Contact").list(limit=1).total_results >= 0
    assert len(stored) == 1 and stored[0]["refresh_token"] != token["refresh_token"]


def test_public_client_uses_pkce_alone(url: str, server_env: dict[str, str], workdir: Path) -> None:
    client_id, secret = add_client(server_env, workdir, "--public")
    assert secret is None
    flow = AuthorizationFlow(url, client_id=client_id, redirect_uri=REDIRECT)
    token = flow.finalize(consent(flow.authorization_url()))
    assert token["scope"] == "profile"
    with Client(url, OAuth(token, flow)) as client:
        assert client.me()["user_name"] == "admin"
    no_pkce = AuthorizationFlow(url, client_id=client_id, redirect_uri=REDIRECT, pkce=False)
    refused = httpx.get(no_pkce.authorization_url())
    assert refused.status_code == 302 and "error=invalid_request" in refused.headers["location"]


def test_client_credentials_and_password(url: str, confidential: tuple[str, str]) -> None:
    client_id, secret = confidential
    flow = AuthorizationFlow(
        url,
        client_id=client_id,
        client_secret=secret,
        scope="read",
        username="admin",
        password=ADMIN_PASSWORD,
    )
    machine = flow.init("client_credentials")
    assert isinstance(machine, dict) and "refresh_token" not in machine
    person = flow.init("password")
    assert isinstance(person, dict) and person["refresh_token"]
    for token in (machine, person):
        with Client(url, OAuth(token)) as client:
            assert client.me()["user_name"] == "admin"
    wrong = AuthorizationFlow(url, client_id=client_id, client_secret="wrong")
    with pytest.raises(Error) as info:
        wrong.init("client_credentials")
    assert info.value.type == "invalid_client"
