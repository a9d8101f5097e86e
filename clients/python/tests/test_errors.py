"""Each Error subclass, raised from a real server's answer (or a real refused connection)."""

from __future__ import annotations

import pytest
from conftest import FAST_RETRY, MAX_BODY_BYTES, Faults, free_port, unique

from amity_client import (
    BadRequest,
    Client,
    Error,
    Forbidden,
    MethodNotAllowed,
    NetworkError,
    NotFound,
    PayloadTooLarge,
    RetryPolicy,
    ServerError,
    TokenAuth,
    Unauthorized,
    UnsupportedMediaType,
)


def test_unknown_model_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound) as info:
        client.model("Acount").list()
    error = info.value
    assert (error.status, error.type, error.message) == (404, "not_found", "Model Acount not found")
    assert error.hint


def test_unknown_id_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound) as info:
        client.model("Contact").get("no-such-id")
    assert info.value.message == "Not found"


def test_unknown_field_is_a_bad_request_naming_it(client: Client) -> None:
    with pytest.raises(BadRequest) as info:
        client.model("Contact").list(fields=["no_such_field"])
    assert info.value.status == 400 and info.value.type == "bad_request"
    assert "no_such_field" in info.value.message


def test_bad_write_is_a_bad_request(client: Client) -> None:
    with pytest.raises(BadRequest) as info:
        client.model("Contact").create({"last_name": unique(), "no_such_field": 1})
    assert "no_such_field" in info.value.message


def test_out_of_range_limit_is_a_bad_request(client: Client) -> None:
    with pytest.raises(BadRequest):
        client.model("Contact").list(limit=500)


def test_bad_token_is_unauthorized(url: str) -> None:
    with (
        Client(url, TokenAuth("amity_pat_not-a-real-token")) as client,
        pytest.raises(Unauthorized) as info,
    ):
        client.me()
    assert info.value.status == 401 and info.value.type == "unauthorized"


def test_no_credentials_is_unauthorized_with_a_hint(url: str) -> None:
    with Client(url) as client, pytest.raises(Unauthorized) as info:
        client.model("Contact").list()
    assert "token" in info.value.hint


def test_wrong_method_is_method_not_allowed(client: Client) -> None:
    with pytest.raises(MethodNotAllowed) as info:
        client.request("PUT", "/data/Contact")
    assert isinstance(info.value, BadRequest) and info.value.status == 405


def test_a_body_that_is_not_json_is_unsupported(client: Client) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        client.post(
            "/data/Contact",
            content=b"first_name=Ann",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert info.value.status == 415 and isinstance(info.value, BadRequest)


def test_an_oversized_body_is_too_large(client: Client) -> None:
    with pytest.raises(PayloadTooLarge) as info:
        client.model("Note").create({"name": "big", "description": "x" * MAX_BODY_BYTES})
    assert info.value.status == 413


def test_a_closed_port_is_a_network_error_with_status_0() -> None:
    no_retry = RetryPolicy(max_retries=0)
    with (
        Client(f"http://127.0.0.1:{free_port()}/api.php", retry=no_retry) as client,
        pytest.raises(NetworkError) as info,
    ):
        client.me()
    assert info.value.status == 0 and info.value.type == "network_error"
    assert "ConnectError" in info.value.message


def test_forbidden_comes_through(faults: Faults, token: str) -> None:
    faults.arm("/me", 403, 1, message="Not allowed to read yourself")
    with (
        Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client,
        pytest.raises(Forbidden) as info,
    ):
        client.me()
    assert (info.value.status, info.value.type, info.value.message) == (
        403,
        "forbidden",
        "Not allowed to read yourself",
    )


def test_a_server_failure_is_a_server_error_and_not_retried(faults: Faults, token: str) -> None:
    faults.arm("/version", 500, 5)
    with (
        Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client,
        pytest.raises(ServerError) as info,
    ):
        client.server_version()
    assert info.value.status == 500 and isinstance(info.value, Error)
    assert len(faults.arrivals("/version")) == 1
