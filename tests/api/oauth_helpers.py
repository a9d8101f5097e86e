"""Helpers for the OAuth tests: register clients, drive the consent form, exchange codes."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from amity.core.actor import SYSTEM
from amity.core.auth.clients import ClientSpec
from amity.core.services import Services
from tests.conftest import ApiClient

REDIRECT = "https://app.example/callback"
HIDDEN = re.compile(r"<input type=hidden name='([^']*)' value='([^']*)'>")


@dataclass
class Registered:
    client_id: str
    secret: str | None
    redirect_uri: str = REDIRECT

    def creds(self) -> dict[str, str]:
        out = {"client_id": self.client_id}
        if self.secret:
            out["client_secret"] = self.secret
        return out


def register(services: Services, *, public: bool = False, **options: Any) -> Registered:
    options.setdefault("redirect_uris", [REDIRECT])
    spec = ClientSpec(name=options.pop("name", "Test app"), confidential=not public, **options)
    client, secret = services.clients.add(SYSTEM, spec)
    return Registered(
        client["client_id"],
        secret,
        options["redirect_uris"][0] if options["redirect_uris"] else REDIRECT,
    )


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def consent_form(page: httpx.Response) -> dict[str, str]:
    """The hidden fields of the login and consent page (the OAuth parameters, CSRF token)."""
    assert page.status_code == 200, page.text
    return {unescape(k): unescape(v) for k, v in HIDDEN.findall(page.text)}


def authorize(
    client: ApiClient,
    params: dict[str, str],
    login: str,
    password: str,
    *,
    owner_type: str = "user",
    decision: str = "allow",
) -> httpx.Response:
    """GET the authorization page, then POST the form as the browser would."""
    page = client.get(f"/auth/{owner_type}/authorize", params=params)
    form = consent_form(page)
    form.update(login=login, password=password, decision=decision)
    return client.post(f"/auth/{owner_type}/authorize", data=form)


def redirect_query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text
    location = urlsplit(response.headers["location"])
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def code_params(
    app: Registered,
    *,
    state: str = "xyz",
    challenge: str | None = None,
    scope: str = "read write",
    **extra: str,
) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": scope,
        "state": state,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return params


def get_code(client: ApiClient, app: Registered, login: str, password: str, **kw: Any) -> str:
    answer = redirect_query(authorize(client, code_params(app, **kw), login, password))
    return answer["code"]


def exchange(
    client: ApiClient,
    app: Registered,
    code: str,
    *,
    verifier: str | None = None,
    owner_type: str = "user",
    **extra: str,
) -> httpx.Response:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        **app.creds(),
        **extra,
    }
    if verifier:
        body["code_verifier"] = verifier
    return client.post(f"/auth/{owner_type}/access_token", json=body)


def token_post(
    client: ApiClient, body: dict[str, str], owner_type: str = "user", form: bool = False
) -> httpx.Response:
    if form:
        return client.post(f"/auth/{owner_type}/access_token", data=body)
    return client.post(f"/auth/{owner_type}/access_token", json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
