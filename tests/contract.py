"""Every answer the in-process test clients get is checked against the live OpenAPI document
of the app that gave it: a response that contradicts the document fails the test."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
)
from openapi_core.testing import MockRequest, MockResponse

from amity.api.openapi import build_document
from amity.api.paths import canonical

PREFIX = "/api.php"
_PARAM = re.compile(r"\\\{[^}]+\\\}")  # a {name} of a path template, once re.escape'd


@dataclass
class Contract:
    """The document of one metadata generation, its path templates as patterns, and an
    OpenAPI object per template: openapi-core looks a path up by trying every template of
    the document in turn, which costs more than the validation once there are thousands."""

    generation: int
    document: dict[str, Any]
    patterns: list[tuple[re.Pattern[str], str]]
    specs: dict[str, OpenAPI] = field(default_factory=dict)

    def template(self, path: str) -> str | None:
        """The document's template for a path: the one with the fewest parameters."""
        found = [t for pattern, t in self.patterns if pattern.fullmatch(path)]
        return min(found, key=lambda t: t.count("{"), default=None)

    def spec(self, template: str) -> OpenAPI:
        spec = self.specs.get(template)
        if spec is None:
            one_path = {**self.document, "paths": {template: self.document["paths"][template]}}
            spec = OpenAPI.from_dict(one_path, config=Config(spec_validator_cls=None))
            self.specs[template] = spec
        return spec


_contracts: dict[int, Contract] = {}
_patterns: dict[str, re.Pattern[str]] = {}  # template -> pattern, kept over the suite
STATIC_PREFIXES = ("/admin/",)
"""Paths whose answers the document describes the same whatever the models: a custom
field or model added through them is checked against the document from before it."""


def pattern(template: str) -> re.Pattern[str]:
    found = _patterns.get(template)
    if found is None:
        found = _patterns[template] = re.compile(_PARAM.sub("[^/]+", re.escape(template)))
    return found


def contract_for(app: Any, path: str) -> Contract:
    """The contract for the app's current registry (rebuilt when metadata changes, and
    the answer is one that depends on it)."""
    services = app.state.services
    generation = services.metadata.generation
    cached = _contracts.get(id(app))
    stale = cached is None or cached.generation != generation
    if stale and not (cached is not None and path.startswith(STATIC_PREFIXES)):
        document = build_document(services.records.registry, app.routes, PREFIX)
        patterns = [(pattern(template), template) for template in document["paths"]]
        cached = Contract(generation, document, patterns)
        _contracts.clear()  # one app at a time: keep memory flat over the suite
        _contracts[id(app)] = cached
    return cached


def check_response(app: Any, response: httpx.Response) -> None:
    """Raise if a JSON answer of a documented operation contradicts the document."""
    request = response.request
    if not response.headers.get("content-type", "").startswith("application/json"):
        return
    if "content-disposition" in response.headers:
        return  # a file's bytes, whatever they look like (a file of "{" is sniffed as JSON)
    path = canonical(request.url.path)  # the app answers /1crm/api.php/x/ as /api.php/x
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return  # outside /api.php (`GET /`): not part of the document
    relative = path.removeprefix(PREFIX) or "/"
    contract = contract_for(app, relative)
    template = contract.template(relative)
    if template is None:
        return  # no such endpoint: the 404 tests cover those answers
    mock_request = MockRequest("http://testserver", request.method.lower(), path)
    mock_response = MockResponse(
        response.content, status_code=response.status_code, headers=dict(response.headers)
    )
    try:
        contract.spec(template).validate_response(mock_request, mock_response)
    except (PathNotFound, OperationNotFound):
        return  # no such method: the 405 tests cover those answers
    except Exception as exc:
        detail = getattr(exc, "__cause__", None) or exc
        raise AssertionError(
            f"{request.method} {request.url.path} -> {response.status_code} "
            f"contradicts the OpenAPI document: {detail}\n"
            f"{response.text[:500]}"
        ) from exc
