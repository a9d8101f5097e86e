"""Every answer the in-process test clients get is checked against the live OpenAPI document
of the app that gave it: a response that contradicts the document fails the test."""

from __future__ import annotations

from typing import Any

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
    ServerNotFound,
)
from openapi_core.testing import MockRequest, MockResponse

from amity.api.openapi import build_document
from amity.api.paths import canonical

_specs: dict[int, tuple[Any, OpenAPI]] = {}


def spec_for(app: Any) -> OpenAPI:
    """The OpenAPI object for the app's current registry (rebuilt when metadata changes)."""
    services = app.state.services
    generation = services.metadata.generation
    cached = _specs.get(id(app))
    if cached is None or cached[0] != generation:
        document = build_document(services.records.registry, app.routes, "/api.php")
        cached = (generation, OpenAPI.from_dict(document, config=Config(spec_validator_cls=None)))
        _specs.clear()  # one app at a time: keep memory flat over the suite
        _specs[id(app)] = cached
    return cached[1]


def check_response(app: Any, response: httpx.Response) -> None:
    """Raise if a JSON answer of a documented operation contradicts the document."""
    request = response.request
    if not response.headers.get("content-type", "").startswith("application/json"):
        return
    path = canonical(request.url.path)  # the app answers /1crm/api.php/x/ as /api.php/x
    mock_request = MockRequest("http://testserver", request.method.lower(), path)
    mock_response = MockResponse(
        response.content, status_code=response.status_code, headers=dict(response.headers)
    )
    try:
        spec_for(app).validate_response(mock_request, mock_response)
    except (PathNotFound, OperationNotFound):
        return  # no such endpoint or method: the 404/405 tests cover those answers
    except ServerNotFound:
        return  # outside /api.php (`GET /`): not part of the document
    except Exception as exc:
        detail = getattr(exc, "__cause__", None) or exc
        raise AssertionError(
            f"{request.method} {request.url.path} -> {response.status_code} "
            f"contradicts the OpenAPI document: {detail}\n"
            f"{response.text[:500]}"
        ) from exc
