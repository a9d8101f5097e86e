"""The IO-free core: request building, answer decoding, retry decisions, pagination state."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from amity_client import (
    BadRequest,
    Conflict,
    Error,
    NotFound,
    PreconditionFailed,
    RateLimited,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
)
from amity_client._core import (
    build_request,
    decode_response,
    encode_params,
    error_from_response,
    join_url,
    parse_retry_after,
    path,
    raw_call,
)
from amity_client._data import list_call, related_body
from amity_client._paging import Page, PageWalk, parse_page


# -- requests --------------------------------------------------------------------------------
@pytest.mark.parametrize("base", ["http://h/api.php", "http://h/api.php/"])
@pytest.mark.parametrize("endpoint", ["/data/Contact", "data/Contact"])
def test_urls_join_like_the_php_client(base: str, endpoint: str) -> None:
    assert join_url(base, endpoint) == "http://h/api.php/data/Contact"


def test_path_segments_are_percent_encoded() -> None:
    assert path("data", "Contact", "a/b c") == "/data/Contact/a%2Fb%20c"


def test_params_flatten_php_style() -> None:
    pairs = encode_params(
        {
            "fields": ["first_name", "last_name"],
            "filters": {
                "account_type": ["Customer", "Supplier"],
                "due_date-operator": "before_date",
            },
            "query_favorite": True,
            "skip": None,
            "offset": 0,
        }
    )
    assert pairs == [
        ("fields[0]", "first_name"),
        ("fields[1]", "last_name"),
        ("filters[account_type][0]", "Customer"),
        ("filters[account_type][1]", "Supplier"),
        ("filters[due_date-operator]", "before_date"),
        ("query_favorite", "1"),
        ("offset", "0"),
    ]


def test_param_values_are_written_as_1crm_reads_them() -> None:
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert encode_params([("d", dt.date(2024, 1, 31)), ("t", when), ("b", False)]) == [
        ("d", "2024-01-31"),
        ("t", "2024-05-01 10:30:00"),
        ("b", "0"),
    ]


def test_json_body_encodes_dates_and_decimals() -> None:
    call = raw_call(
        "post",
        "/data/Opportunity",
        json={"data": {"date_closed": dt.date(2024, 9, 30), "amount": Decimal("12.50")}},
    )
    request = build_request("http://h/api.php", call)
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert isinstance(request.content, bytes)
    assert json.loads(request.content) == {"data": {"date_closed": "2024-09-30", "amount": "12.50"}}


def test_json_and_content_together_are_refused() -> None:
    with pytest.raises(ValueError):
        raw_call("POST", "/x", json={}, content=b"{}")


def test_related_body_accepts_an_id_a_list_or_a_mapping() -> None:
    assert related_body("a") == {"records": ["a"]}
    assert related_body(["a", "b"]) == {"records": ["a", "b"]}
    assert related_body({"a": {"contact_role": "Buyer"}, "b": None}) == {
        "records": ["b"],
        "records_with_data": [{"contact_role": "Buyer", "id": "a"}],
    }


# -- answers ---------------------------------------------------------------------------------
def test_success_answers_decode_as_json() -> None:
    assert decode_response(200, {}, b'{"result": true}') == {"result": True}
    assert decode_response(204, {}, b"") is None


def test_a_success_that_is_not_json_is_an_error() -> None:
    with pytest.raises(Error) as info:
        decode_response(200, {}, b"<html>")
    assert info.value.type == "invalid_response" and info.value.hint == "<html>"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (404, NotFound),
        (409, Conflict),
        (412, PreconditionFailed),
        (422, BadRequest),
        (418, BadRequest),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServiceUnavailable),
        (302, Error),
    ],
)
def test_error_classes_follow_the_status(status: int, cls: type[Error]) -> None:
    error = error_from_response(status, {}, b"")
    assert type(error) is cls and error.status == status


def test_error_shape_is_read_from_the_body() -> None:
    body = b'{"error": "not_found", "message": "Model Acount not found", "hint": "see /meta"}'
    error = error_from_response(404, {"retry-after": "3"}, body)
    assert (error.type, error.message, error.hint, error.retry_after) == (
        "not_found",
        "Model Acount not found",
        "see /meta",
        3.0,
    )
    assert "Model Acount not found" in str(error) and "404" in str(error)


def test_an_error_without_the_shape_keeps_the_body_as_hint() -> None:
    error = error_from_response(502, {}, b"Bad Gateway from proxy")
    assert isinstance(error, ServerError)
    assert error.type == "bad_gateway" and error.hint == "Bad Gateway from proxy"


def test_retry_after_takes_seconds_or_a_date() -> None:
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# -- retry decisions -------------------------------------------------------------------------
def test_rate_limits_and_unavailability_are_retried_for_any_method() -> None:
    policy = RetryPolicy(max_retries=2)
    for method in ("GET", "POST", "PATCH"):
        assert policy.after_status(method, 429, 1.5, 0) == 1.5
        assert policy.after_status(method, 503, None, 1) is not None
    assert policy.after_status("GET", 500, None, 0) is None
    assert policy.after_status("GET", 404, None, 0) is None


def test_retries_stop_at_the_limit() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.after_status("GET", 429, None, 1) is not None
    assert policy.after_status("GET", 429, None, 2) is None
    assert policy.after_error("GET", True, 2) is None
    assert RetryPolicy(max_retries=0).after_status("GET", 503, None, 0) is None


def test_a_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    policy = RetryPolicy(max_retry_after=10)
    assert policy.after_status("GET", 429, 10, 0) == 10
    assert policy.after_status("GET", 429, 11, 0) is None


def test_connection_failures_retry_only_what_is_safe() -> None:
    policy = RetryPolicy()
    assert policy.after_error("GET", True, 0) is not None
    assert policy.after_error("PUT", True, 0) is not None
    assert policy.after_error("DELETE", True, 0) is not None
    assert policy.after_error("POST", True, 0) is None
    assert policy.after_error("PATCH", True, 0) is None
    # the connection was never made, so the server cannot have acted on it
    assert policy.after_error("POST", False, 0) is not None


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(backoff_factor=0.5, max_backoff=3, jitter=0.5)
    assert [policy.backoff(n, lambda: 0.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert [policy.backoff(n, lambda: 1.0) for n in range(3)] == [0.25, 0.5, 1.0]
    assert RetryPolicy(jitter=0).backoff(1, lambda: 0.9) == 1.0


def test_bad_retry_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2)


# -- pagination ------------------------------------------------------------------------------
def records(*ids: int) -> list[dict[str, object]]:
    return [{"id": str(i)} for i in ids]


def test_page_walk_asks_for_the_next_offset_until_the_total() -> None:
    walk = PageWalk(list_call("Contact", offset=5, limit=10))
    assert walk.take(Page(records(*range(5, 15)), 27))[0]["id"] == "5"
    nxt = walk.next_call()
    assert nxt is not None and nxt.params == {"offset": 15, "limit": 10}
    walk.take(Page(records(*range(15, 25)), 27))
    walk.take(Page(records(25, 26), 27))
    assert walk.next_call() is None


def test_page_walk_follows_the_servers_cursors() -> None:
    walk = PageWalk(list_call("Contact", offset=0, limit=2))
    walk.take(Page(records(1, 2), 5, "c1", keyset=True))
    nxt = walk.next_call()
    assert nxt is not None and nxt.params == {"limit": 2, "cursor": "c1"}
    walk.take(Page(records(3, 4), 3, "c2", keyset=True))  # past the total: cursors go on
    nxt = walk.next_call()
    assert nxt is not None and nxt.params == {"limit": 2, "cursor": "c2"}
    walk.take(Page(records(5), 3, None, keyset=True))
    assert walk.next_call() is None
    assert parse_page({"records": [], "total_results": 0, "next_cursor": None}).keyset
    assert not parse_page({"records": [], "total_results": 0}).keyset


def test_page_walk_stops_on_an_empty_page() -> None:
    walk = PageWalk(list_call("Contact", limit=10))
    walk.take(Page(records(*range(10)), 30))
    walk.take(Page([], 30))
    assert walk.next_call() is None


def test_a_list_answer_without_records_is_an_error() -> None:
    with pytest.raises(Error):
        parse_page({"total_results": 1})
