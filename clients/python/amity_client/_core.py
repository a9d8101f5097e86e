"""The IO-free core shared by Client and AsyncClient: what a call sends (`Call`, URLs,
PHP-style query parameters, JSON bodies) and what its answer means (`decode_response`).

Nothing here opens a connection; the clients turn a Call into HTTP and hand the answer
back to these functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json as jsonlib
import uuid
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from amity_client._errors import Error, PreconditionFailed, error_class

T = TypeVar("T")
Record = dict[str, Any]


class FetchedRecord(dict[str, Any]):
    """A record as `get` read it: a dict of its fields, and `etag`, the server's ETag of
    the version read (None from a server without ETags), for `update(..., if_match=)` and
    `delete(..., if_match=)`."""

    etag: str | None = None


QueryParams = Mapping[str, Any] | Sequence[tuple[str, Any]]
Content = bytes | str | Iterable[bytes] | AsyncIterable[bytes]
"""A request body: bytes or text, or chunks streamed as they come (an upload)."""

_ERROR_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call: method, endpoint (relative to the entry point), what to send, and
    `parse`, which turns the decoded JSON answer into the caller's result."""

    method: str
    endpoint: str
    parse: Callable[[Any], T]
    params: QueryParams | None = None
    json: Any = None
    content: Content | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # what the answer's headers add to the parsed result (a record's ETag), when anything
    annotate: Callable[[T, Mapping[str, str]], T] | None = None
    # False when `content` streams from a source that cannot be read twice: never retried
    resendable: bool = True


def raw_call(
    method: str,
    endpoint: str,
    *,
    params: QueryParams | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    content: bytes | str | None = None,
) -> Call[Any]:
    """A call whose result is the decoded JSON answer as it came."""
    if json is not None and content is not None:
        raise ValueError("pass json or content, not both")
    return Call(method.upper(), endpoint, identity, params, json, content, dict(headers or {}))


WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
IDEMPOTENCY_HEADER = "Idempotency-Key"


def with_idempotency_key(call: Call[T]) -> Call[T]:
    """The call with an Idempotency-Key header when it writes (POST, PATCH, PUT, DELETE)
    and has none yet: the server then answers a retry of it with the first answer instead
    of acting twice, so a write whose connection dropped can be sent again.
    An empty Idempotency-Key header opts a call out: it is sent without one."""
    given = [k for k in call.headers if k.lower() == IDEMPOTENCY_HEADER.lower()]
    if given and not call.headers[given[0]]:
        headers = {k: v for k, v in call.headers.items() if k not in given}
        return dataclasses.replace(call, headers=headers)
    if call.method not in WRITE_METHODS or given:
        return call
    headers = {**call.headers, IDEMPOTENCY_HEADER: uuid.uuid4().hex}
    return dataclasses.replace(call, headers=headers)


def has_header(headers: Mapping[str, str], name: str) -> bool:
    lowered = name.lower()
    return any(k.lower() == lowered for k in headers)


def path(*segments: object) -> str:
    """An endpoint from segments, each percent-encoded: path("data", "Contact", id)."""
    return "/" + "/".join(quote(str(s), safe="") for s in segments)


def join_url(base: str, endpoint: str) -> str:
    """The entry point (with api.php) without its trailing '/', a '/', then the endpoint."""
    return base.rstrip("/") + "/" + endpoint.lstrip("/")


def check_base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be the http(s) URL of the entry point, got {url!r}")
    return url.rstrip("/")


# -- request encoding ------------------------------------------------------------------------
def scalar(value: Any) -> str:
    """A query parameter value the way PHP's http_build_query writes it."""
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, dt.datetime):
        return wire_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def encode_params(params: QueryParams | None) -> list[tuple[str, str]]:
    """Nested lists and mappings flattened PHP-style, as the 1CRM PHP client sends them:
    {"fields": ["a", "b"], "filters": {"x": 1}} -> fields[0]=a, fields[1]=b, filters[x]=1.
    None values are left out."""
    if params is None:
        return []
    items: Iterable[tuple[str, Any]] = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str]] = []
    for key, value in items:
        _flatten(str(key), value, out)
    return out


def _flatten(key: str, value: Any, out: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{key}[{k}]", v, out)
    elif isinstance(value, list | tuple | set | frozenset):
        values = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        for i, v in enumerate(values):
            _flatten(f"{key}[{i}]", v, out)
    else:
        out.append((key, scalar(value)))


def wire_datetime(value: dt.datetime) -> str:
    """1CRM's date-time format, Y-m-d H:i:s in GMT (naive values are taken as GMT)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return wire_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def encode_json(value: Any) -> bytes:
    """A JSON body; dates, date-times (GMT), decimals and sets are written as 1CRM reads them."""
    return jsonlib.dumps(
        value, default=_json_default, ensure_ascii=False, separators=(",", ":")
    ).encode()


@dataclass(frozen=True)
class HttpRequest:
    """What goes on the wire for a call: method, absolute URL, query pairs, headers, body."""

    method: str
    url: str
    params: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    content: bytes | Iterable[bytes] | AsyncIterable[bytes] | None


def build_request(base: str, call: Call[Any]) -> HttpRequest:
    headers = dict(call.headers)
    content: bytes | Iterable[bytes] | AsyncIterable[bytes] | None = None
    if call.json is not None:
        content = encode_json(call.json)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    elif call.content is not None:
        content = call.content.encode() if isinstance(call.content, str) else call.content
    return HttpRequest(
        call.method,
        join_url(base, call.endpoint),
        tuple(encode_params(call.params)),
        headers,
        content,
    )


# -- answers ---------------------------------------------------------------------------------
def decode_response(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """The decoded JSON of a 2xx answer; raises the matching Error for anything else."""
    if not 200 <= status < 300:
        raise error_from_response(status, headers, body)
    if not body.strip():
        return None
    try:
        return jsonlib.loads(body)
    except ValueError:
        raise Error(
            "Unexpected reply from server: the body is not JSON",
            status=status,
            type="invalid_response",
            hint=_snippet(body),
        ) from None


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> Error:
    """The Error for a failed answer, from the 1CRM error shape {"error", "message", "hint"}
    when the body has it, else from the status."""
    payload: Any = None
    try:
        payload = jsonlib.loads(body) if body.strip() else None
    except ValueError:
        payload = None
    default_type = _ERROR_TYPES.get(status, "error")
    if isinstance(payload, dict) and ("message" in payload or "error" in payload):
        kind = str(payload.get("error") or default_type)
        message = str(payload.get("message") or kind)
        hint = str(payload.get("hint") or "")
    else:
        kind = default_type
        message = f"HTTP {status}"
        hint = _snippet(body)
    error = error_class(status)(
        message,
        status=status,
        type=kind,
        hint=hint,
        retry_after=parse_retry_after(headers.get("retry-after")),
    )
    if isinstance(error, PreconditionFailed):
        error.etag = headers.get("etag")
    return error


def _snippet(body: bytes) -> str:
    return body[:200].decode("utf-8", "replace").strip()


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


# -- result parsers --------------------------------------------------------------------------
def key(name: str) -> Callable[[Any], Any]:
    """A parser taking one key of the answer object; a missing key is a protocol error."""

    def parse(body: Any) -> Any:
        if not isinstance(body, dict) or name not in body:
            raise Error(
                f"Unexpected reply from server: no {name!r} in the answer",
                status=200,
                type="invalid_response",
            )
        return body[name]

    return parse


def with_etag(record: Record, headers: Mapping[str, str]) -> FetchedRecord:
    """The record as a FetchedRecord carrying the answer's ETag."""
    fetched = FetchedRecord(record)
    fetched.etag = headers.get("etag")
    return fetched


def as_dict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Error(
            "Unexpected reply from server: expected a JSON object",
            status=200,
            type="invalid_response",
        )
    return body
