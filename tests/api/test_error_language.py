"""Every error path answers in the request's language: messages are translated by their id
(the English template an error is raised with), including routing 404/405, the 409 write
conflict, 500 and errors from middleware; and every id the code raises has a German entry."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from authlib.oauth2 import OAuth2Error

import amity
import amity.errors
from amity.api import oauth_server
from amity.api.native import auth as auth_endpoints
from amity.app import create_app
from amity.config import Settings
from amity.core.i18n import CATALOG_DIR, Languages
from amity.core.records import Records
from amity.core.services import Services, build_services
from amity.errors import AmityError, BadRequest, NotFound
from amity.schema import types
from tests.conftest import NO_RATE_LIMITS, ApiClient, User

DE = {"Accept-Language": "de"}
GERMAN = json.loads((CATALOG_DIR / "de.json").read_text(encoding="utf-8"))["messages"]


def test_the_write_conflict_409_is_german(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers both passed the service's unique check and the database refuses the
    second write (an IntegrityError): the 409 is in the client's language."""

    def refused(*args: Any, **kw: Any) -> None:
        raise sa.exc.IntegrityError("INSERT INTO users", {}, Exception("UNIQUE failed"))

    monkeypatch.setattr(Records, "check_unique", refused)
    resp = api.post(
        "/data/User", json={"data": {"user_name": "admin", "last_name": "Twin"}}, headers=DE
    )
    assert resp.status_code == 409, resp.text
    assert resp.json() == {
        "error": "conflict",
        "message": "Der Schreibvorgang kollidiert mit einem anderen",
        "hint": "eine andere Anfrage hat dieselben Daten geändert; bitte erneut versuchen",
    }
    english = api.post("/data/User", json={"data": {"user_name": "admin", "last_name": "T"}})
    assert english.json()["message"] == "The write conflicts with another one"


def test_routing_404_and_405_are_german(api: ApiClient) -> None:
    missing = api.get("/no/such", headers=DE)
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "not_found",
        "message": "Nicht gefunden",
        "hint": "Kein Endpunkt /api.php/no/such; siehe die API-Referenz",
    }
    wrong = api.request("PUT", "/me", headers=DE)
    assert wrong.status_code == 405
    assert wrong.json()["message"] == "Methode PUT ist für /api.php/me nicht erlaubt"
    assert "GET" in wrong.headers["Allow"]


def test_a_500_is_german(services: Services, admin: User, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kw: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Records, "get_versioned", broken)
    # the server's own error handler answers (the exception is logged, not re-raised here)
    transport = httpx.ASGITransport(
        app=create_app(services.settings, services), raise_app_exceptions=False
    )

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.get(
                "/api.php/data/Contact/x", headers={"Authorization": f"Bearer {admin.token}", **DE}
            )

    resp = asyncio.run(call())
    assert resp.status_code == 500
    assert resp.json() == {
        "error": "server_error",
        "message": "Interner Serverfehler",
        "hint": "ein Fehler in Amity; das Serverprotokoll hat die Details",
    }


def test_a_record_message_is_german_with_its_params(api: ApiClient) -> None:
    body = api.get("/data/Contact", params={"order": "shoe_size"}, headers=DE).json()
    english = api.get("/data/Contact", params={"order": "shoe_size"}).json()
    assert body["error"] == english["error"] == "bad_request"
    assert "shoe_size" in body["message"] and body["message"] != english["message"]


def test_the_default_language_applies_to_errors_without_a_header(
    database_url: str, admin: User
) -> None:
    settings = Settings(
        database_url=database_url, log_level="WARNING", language="de", **NO_RATE_LIMITS
    )
    services = build_services(settings)
    client = ApiClient(create_app(settings, services))
    try:
        assert client.get("/me").json()["message"] == "Anmeldung erforderlich"
    finally:
        client.close()
        services.close()


def test_an_admin_only_403_names_what_is_managed_in_german(
    app: Any, services: Services, admin: User
) -> None:
    services.auth.add_user(admin.actor, "sally", "pw-sally-123")
    _, token = services.auth.create_token("sally", "t")
    sally = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        fields = sally.get("/admin/fields/Account", headers=DE)
        clients = sally.get("/admin/clients", headers=DE)
        english = sally.get("/admin/fields/Account")
    finally:
        sally.close()
    assert (fields.status_code, fields.json()["message"]) == (
        403,
        "Nur Administratoren dürfen eigene Felder verwalten",
    )
    assert clients.json()["message"] == "Nur Administratoren dürfen API-Clients verwalten"
    assert english.json()["message"] == "Only administrators may manage custom fields"


def test_translation_is_by_id_not_by_english_text() -> None:
    """Two ids whose English text happens to read alike translate by the id raised."""
    languages = Languages("en")
    error = NotFound("No {model} with id {id}", model="Contact", id="7")
    assert error.message == "No Contact with id 7"  # the wire English is unchanged
    assert languages.message("de", error.message_id, error.params) == "Kein Contact mit der ID 7"
    # the filled-in English text is not an id: nothing matches it by pattern any more
    assert languages.message("de", "No Contact with id 7") == "No Contact with id 7"
    assert AmityError("plain {braces} stay", "hint").message == "plain {braces} stay"


@pytest.fixture
def broken_catalog(tmp_path: Path) -> Iterator[Languages]:
    (tmp_path / "xx.json").write_text(
        json.dumps({"messages": {"No {model} with id {id}": "Kein {modell}"}}), encoding="utf-8"
    )
    yield Languages("en", str(tmp_path))


def test_a_catalog_template_that_does_not_fit_falls_back_to_english(
    broken_catalog: Languages,
) -> None:
    assert (
        broken_catalog.message("xx", "No {model} with id {id}", {"model": "Contact", "id": "7"})
        == "No Contact with id 7"
    )


# -- coverage: every message id the code raises has a German entry ----------------------------
def error_classes() -> set[str]:
    """Names of what carries a message id: the hierarchy, InvalidValue and TotalsError (its
    subclass), OAuthBadRequest and the authlib errors the OAuth server raises (their
    description is the message id)."""
    names = {"InvalidValue", "TotalsError", "Text"}
    for module in (amity.errors, auth_endpoints, oauth_server):
        names |= {
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, AmityError | OAuth2Error)
        }
    return names


ERROR_CLASSES = error_classes()
#: ids that are only placeholders (a detail passed through) need no translation
PASS_THROUGH = {"{detail}", "{reason}"}
#: arguments that are not literal ids, and why that is fine: what a field type accepts is
#: checked below (other_ids); authlib's InvalidScopeError carries only the text of a
#: ScopeError, which stays English when it has params; the rate limiter's _refuse passes on
#: the literal message of each of its three callers (their German is checked in
#: test_the_rate_limit_429_is_german); ensure_admin's `what` is the literal of each of its
#: callers (checked in test_every_ensure_admin_what_is_a_literal_with_a_german_entry)
NOT_LITERAL = {
    ("Text", "accepts"),
    ("Text", "self.accepts"),
    ("Text", "fd.kind.accepts"),
    ("InvalidScopeError", "str(exc)"),
    ("RateLimited", "message"),
    ("Text", "what"),
}


def literal_ids(call: ast.Call) -> Iterator[tuple[str, str | None]]:
    """(role, id) of a message and hint argument; id None when it is not a literal."""
    args = list(call.args[:2])
    for role, node in zip(("message", "hint"), args, strict=False):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield role, node.value
        elif (ast.unparse(call.func), ast.unparse(node)) not in NOT_LITERAL:
            yield role, None


def raised_ids() -> Iterator[tuple[str, int, str, str | None]]:
    root = Path(amity.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ERROR_CLASSES
            ):
                for role, message_id in literal_ids(node):
                    yield str(path.relative_to(root)), node.lineno, role, message_id


def admin_whats(source: str) -> Iterator[tuple[int, str | None]]:
    """(line, what) of every ensure_admin(actor, what) call; what None when not a literal."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "ensure_admin":
            given = [kw.value for kw in node.keywords if kw.arg == "what"] + node.args[1:2]
            what = given[0] if given else None
            yield (
                node.lineno,
                (
                    what.value
                    if isinstance(what, ast.Constant) and isinstance(what.value, str)
                    else None
                ),
            )


def ensure_admin_whats() -> Iterator[tuple[str, int, str | None]]:
    root = Path(amity.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for line, what in admin_whats(path.read_text(encoding="utf-8")):
            yield str(path.relative_to(root)), line, what


def other_ids() -> Iterator[tuple[str, str]]:
    """Ids kept in tables rather than raised: what a field type accepts, the OAuth errors'
    1CRM message and hint."""
    for name, value in vars(types).items():
        if isinstance(value, type) and issubclass(value, types.FieldType):
            yield f"{name}.accepts", value.accepts
    for parse in (types.parse_bool, types.parse_date, types.parse_datetime):
        yield f"{parse.__name__}(accepts)", inspect.signature(parse).parameters["accepts"].default
    for error, text in {**auth_endpoints.MESSAGES, **auth_endpoints.HINTS}.items():
        yield f"oauth {error}", text


def test_the_coverage_walk_finds_the_raise_sites() -> None:
    found = list(raised_ids())
    assert len(found) > 300
    assert ("core/records.py", "No {model} with id {id}") in {
        (path, mid) for path, _, _, mid in found
    }
    assert BadRequest.__name__ in ERROR_CLASSES


def test_every_raised_message_id_is_a_literal_with_a_german_entry() -> None:
    """An f-string message would be an id no catalog can hold; a new message without a German
    entry fails here until amity/i18n/de.json has it."""
    problems = []
    for path, line, role, message_id in raised_ids():
        if message_id is None:
            problems.append(f"{path}:{line}: the {role} is not a literal id (pass params)")
        elif message_id and message_id not in PASS_THROUGH and message_id not in GERMAN:
            problems.append(f"{path}:{line}: no German for {message_id!r}")
    for where, message_id in other_ids():
        if message_id and message_id not in GERMAN:
            problems.append(f"{where}: no German for {message_id!r}")
    assert not problems, "\n".join(problems)


def test_every_ensure_admin_what_is_a_literal_with_a_german_entry() -> None:
    """ensure_admin(actor, what) raises "Only administrators may manage {what}" with
    Text(what): each caller's `what` is an id of its own and needs a German entry."""
    found = list(ensure_admin_whats())
    assert ("core/roles.py", "roles and teams") in {(path, what) for path, _, what in found}
    assert {"API clients", "custom fields", "layouts"} <= {what for _, _, what in found}
    problems = [
        f"{path}:{line}: the what is not a literal (name it in the call)"
        if what is None
        else f"{path}:{line}: no German for {what!r}"
        for path, line, what in found
        if what is None or what not in GERMAN
    ]
    assert not problems, "\n".join(problems)


def test_a_non_literal_ensure_admin_what_is_found() -> None:
    source = (
        "ensure_admin(actor, name)\nsvc.ensure_admin(actor, what=f'{x}s')\n"
        "ensure_admin(actor)\nensure_admin(actor, 'layouts')\n"
    )
    assert list(admin_whats(source)) == [(1, None), (2, None), (3, None), (4, "layouts")]


def test_every_german_message_is_one_the_code_uses() -> None:
    """A stale entry (its id renamed in the code) would translate nothing."""
    used = set()
    for path in Path(amity.__file__).parent.rglob("*.py"):
        used |= {
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    assert sorted(set(GERMAN) - used) == []


def test_every_german_template_uses_only_its_ids_placeholders() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for message_id, german in GERMAN.items():
        assert fields(german) <= fields(message_id), message_id


# -- errors that middleware answers ----------------------------------------------------------
def client_with(settings: Settings, admin: User, **changes: Any) -> tuple[ApiClient, Services]:
    changed = dataclasses.replace(settings, **changes)
    services = build_services(changed)
    return ApiClient(
        create_app(changed, services), {"Authorization": f"Bearer {admin.token}", **DE}
    ), services


def test_the_rate_limit_429_is_german(settings: Settings, admin: User) -> None:
    client, services = client_with(settings, admin, rate_limit="1/minute")
    try:
        assert client.get("/me").status_code == 200
        refused = client.get("/me")
    finally:
        client.close()
        services.close()
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "rate_limited" and body["message"] == "Zu viele Anfragen"
    assert body["hint"] == (
        f"erneut versuchen nach {refused.headers['Retry-After']} s (siehe den Header Retry-After)"
    )


def test_the_access_guard_403_is_german(settings: Settings, admin: User) -> None:
    client, services = client_with(settings, admin, api_allow="10.0.0.0/8")
    try:
        refused = client.get("/me")
    finally:
        client.close()
        services.close()
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "forbidden",
        "message": "Adresse 127.0.0.1 darf diese API nicht verwenden",
        "hint": "bitten Sie den Administrator, sie in AMITY_API_ALLOW aufzunehmen",
    }


# -- messages inside messages, and OAuth errors ----------------------------------------------
def test_a_field_type_error_is_german_inside_and_out(api: ApiClient) -> None:
    """The type's own complaint (an InvalidValue) and what the type accepts are translated
    inside the 400's message and hint."""
    resp = api.post(
        "/data/Account", json={"data": {"name": "Acme", "employees": "many"}}, headers=DE
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "bad_request",
        "message": "Ungültiger Wert für das Feld employees vom Typ int: erwartet eine ganze Zahl",
        "hint": "employees nimmt eine ganze Zahl",
    }
    english = api.post("/data/Account", json={"data": {"name": "Acme", "employees": "many"}})
    assert english.json() == {
        "error": "bad_request",
        "message": "Invalid value for field employees of type int: expected an integer",
        "hint": "employees takes an integer",
    }


def test_oauth_token_errors_carry_german_1crm_message_and_hint(anon: ApiClient) -> None:
    """RFC 6749's error and error_description stay as the RFC has them; the 1CRM message
    and hint follow Accept-Language."""
    wrong = anon.post(
        "/auth/user/access_token",
        headers=DE,
        json={"grant_type": "client_credentials", "client_id": "unknown", "client_secret": "x"},
    )
    body = wrong.json()
    assert body["error"] == "invalid_client"
    assert body["message"] == "Client-Authentifizierung fehlgeschlagen"
    assert body["hint"] == "prüfen Sie client_id und client_secret (amity client list)"
    unreadable = anon.post(
        "/auth/user/access_token", content=b"{", headers={"Content-Type": "application/json", **DE}
    )
    assert unreadable.json() == {
        "error": "invalid_request",
        "error_description": "Malformed JSON in request body",
        "message": "Ungültiges JSON im Anfragetext",
        "hint": "siehe docs/api.md, OAuth 2",
    }
    grant = anon.post(
        "/auth/user/access_token", headers=DE, json={"grant_type": "magic", "client_id": "x"}
    ).json()
    assert grant["hint"].startswith("grant_type: authorization_code")


def test_413_and_415_are_german(settings: Settings, admin: User) -> None:
    client, services = client_with(settings, admin, max_body_bytes=100)
    try:
        large = client.post("/data/Contact", json={"data": {"last_name": "x" * 200}})
        plain = client.post(
            "/data/Contact", content=b"last_name=x", headers={"Content-Type": "text/plain"}
        )
    finally:
        client.close()
        services.close()
    assert (large.status_code, large.json()["message"]) == (413, "Anfragetext größer als 100 Bytes")
    assert plain.status_code == 415
    assert plain.json() == {
        "error": "unsupported_media_type",
        "message": "Nicht unterstützter Content-Type 'text/plain'",
        "hint": "senden Sie den Anfragetext als JSON mit Content-Type: application/json",
    }
