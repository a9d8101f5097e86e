"""429 and 503 come from the one exception hierarchy (RateLimited, ServiceUnavailable):
the 1CRM error shape and a Retry-After header, wherever they are raised."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from amity.core.services import Services
from amity.errors import AmityError, RateLimited, ServiceUnavailable
from tests.conftest import ApiClient


def failing_list(monkeypatch: pytest.MonkeyPatch, services: Services, exc: Exception) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(services.records, "list_records", fail)


@pytest.mark.parametrize(
    ("exc", "status", "retry_after"),
    [
        (RateLimited("Too many exports", "retry after 7 s", retry_after=7), 429, "7"),
        (ServiceUnavailable("Maintenance", "back soon", retry_after=30), 503, "30"),
    ],
)
def test_raised_anywhere_they_answer_with_retry_after(
    api: ApiClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    exc: AmityError,
    status: int,
    retry_after: str,
) -> None:
    failing_list(monkeypatch, services, exc)
    resp = api.get("/data/Account")
    assert resp.status_code == status
    assert resp.headers["Retry-After"] == retry_after
    assert resp.json() == exc.as_body()
    assert isinstance(exc, AmityError) and exc.status == status


def test_a_busy_database_is_service_unavailable(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_list(
        monkeypatch, services, OperationalError("SELECT", {}, Exception("database is locked"))
    )
    resp = api.get("/data/Account")
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "1"
    assert (
        resp.json()
        == ServiceUnavailable("The database is busy or unavailable", "retry in a moment").as_body()
    )
