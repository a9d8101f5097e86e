"""Core raises with neutral hints; the 1CRM API answers in its own words (the exact
requests to make, amity/api/native/hints.py), in English and German, while another dialect
gets the neutral text."""

from __future__ import annotations

import ast
import json
import string
from pathlib import Path
from types import SimpleNamespace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import amity
from amity.api.dialects import Dialect
from amity.api.errors import render_error
from amity.api.native.hints import HINTS, native_hint
from amity.core.i18n import CATALOG_DIR
from amity.errors import AmityError, BadRequest, NotFound, Text
from amity.schema.types import CustomSelect, InvalidValue
from tests.conftest import ApiClient

DE = {"Accept-Language": "de"}
GERMAN = json.loads((CATALOG_DIR / "de.json").read_text(encoding="utf-8"))["messages"]
PACKAGE = Path(amity.__file__).resolve().parent


def literals(*packages: str) -> set[str]:
    """Every string constant in the packages (implicitly joined literals as one)."""
    found: set[str] = set()
    for name in packages:
        for path in (PACKAGE / name).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found |= {
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            }
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_neutral_hint_is_raised_and_no_1crm_text_is_left_in_core() -> None:
    core = literals("core", "schema", "store")
    assert sorted(set(HINTS) - core) == []  # a stale entry maps nothing
    assert sorted(set(HINTS.values()) & core) == []


def raise_sites() -> list[tuple[str, str, set[str]]]:
    """(where, hint id, param names) of each raise in core with a neutral hint."""
    sites = []
    for name in ("core", "schema", "store"):
        for path in (PACKAGE / name).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and len(node.args) >= 2:
                    hint = node.args[1]
                    if isinstance(hint, ast.Constant) and hint.value in HINTS:
                        params = {kw.arg for kw in node.keywords if kw.arg}
                        sites.append((f"{path.name}:{node.lineno}", hint.value, params))
    return sites


def test_both_words_have_german_and_the_params_they_name() -> None:
    for neutral, native in HINTS.items():
        assert neutral in GERMAN and native in GERMAN, neutral
        assert neutral != native
    assert len(set(HINTS.values())) == len(HINTS)  # one neutral id per 1CRM text
    sites = raise_sites()
    assert len(sites) > 30
    for where, hint, params in sites:
        if params:  # both are filled from the same params
            assert fields(hint) | fields(HINTS[hint]) <= params, where
        else:  # kept as they are: no placeholder to show unfilled
            assert not fields(hint), where


def test_the_1crm_api_answers_in_its_own_words(api: ApiClient) -> None:
    missing = api.get("/data/Acount")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "not_found",
        "message": "Model Acount not found",
        "hint": "GET /meta/modules lists the models this server knows",
    }
    german = api.get("/data/Acount", headers=DE).json()
    assert german["hint"] == "GET /meta/modules listet die Modelle, die dieser Server kennt"

    unknown = api.get("/data/Contact", params={"filters[shoe_size]": "9"})
    assert unknown.status_code == 400
    assert unknown.json()["hint"] == "GET /meta/fields/Contact lists its filters"
    german = api.get("/data/Contact", params={"filters[shoe_size]": "9"}, headers=DE).json()
    assert german["hint"] == "GET /meta/fields/Contact listet seine Filter"

    webhook = api.get("/webhooks/no-such-webhook")
    assert webhook.status_code == 404
    assert webhook.json()["hint"] == "GET /webhooks lists yours"


def test_message_parts_get_1crm_words_too() -> None:
    """What a field type accepts travels inside a message and a hint (a Text, and an
    InvalidValue holding one): the 1CRM rendering maps them at any depth."""
    accepts = Text(CustomSelect.accepts)
    exc = BadRequest(
        "Invalid value for field {field} of type {type}: {reason}",
        "{field} takes {accepts}",
        field="tier",
        type="enum",
        reason=InvalidValue("expected {accepts}", accepts=accepts),
        accepts=accepts,
    )
    body = json.loads(bytes(render_error(exc, None).body))
    options = "one option id (an integer; GET /meta/fields lists the options)"
    assert body == {
        "error": "bad_request",
        "message": f"Invalid value for field tier of type enum: expected {options}",
        "hint": f"tier takes {options}",
    }


def echo_hint(exc: AmityError, request: Request | None) -> Response:
    return JSONResponse({"hint": exc.hint}, status_code=exc.status)


def test_another_dialect_gets_the_neutral_hint() -> None:
    dialect = Dialect("echo", "/echo", echo_hint)
    app = SimpleNamespace(state=SimpleNamespace(dialects=[dialect]))
    request = Request({"type": "http", "path": "/echo/x", "headers": [], "app": app})
    exc = NotFound("No webhook with id {id}", "list your webhooks to see them", id="w1")
    answer = render_error(exc, request)
    assert json.loads(bytes(answer.body)) == {"hint": "list your webhooks to see them"}
    assert json.loads(bytes(render_error(exc, None).body))["hint"] == "GET /webhooks lists yours"


def test_the_command_line_shows_the_1crm_words() -> None:
    exc = NotFound("No job with id {id}", "list the jobs to see them", id="7")
    assert native_hint(exc) == "GET /api.php/admin/jobs lists them"
    assert native_hint(NotFound("No file", "the file of this link is gone")) == (
        "the file of this link is gone"
    )
