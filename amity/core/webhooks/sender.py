"""The one HTTP path of webhook deliveries: a POST whose every connection is checked.

The client's network backend resolves a target's host itself, refuses the connection when
any address is not allowed (TargetPolicy.check_address), and connects to the checked IP;
TLS still verifies the host name (SNI and certificate), since httpcore hands it to
start_tls. No redirects are followed, no cookies kept, no proxy or .netrc is read, one
deadline bounds the whole exchange and the answer is read only up to MAX_ANSWER bytes.
"""

from __future__ import annotations

import email.utils
import functools
import http.cookiejar
import ssl
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import anyio.to_thread
import httpcore
import httpx

from amity import __version__
from amity.core.webhooks.targets import TargetPolicy, UnsafeTarget, resolve

USER_AGENT = f"Amity-Webhooks/{__version__}"
DEFAULT_TIMEOUT = 10.0
MAX_ANSWER = 64 * 1024
BODY_HEAD = 1024


@dataclass
class Answer:
    """What a receiver answered to one delivery."""

    status: int | None  # None: no HTTP answer (error says why)
    duration_ms: int
    body: str  # the first BODY_HEAD bytes of the answer body, decoded
    error: str | None  # "timeout", "refused address 127.0.0.1", "connection refused", ...
    retry_after: float | None  # seconds, from Retry-After on 429/503


class Unresolved(httpcore.ConnectError):
    """The target's host name does not resolve (now)."""


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's AnyIO backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await anyio.to_thread.run_sync(resolve, host, port, abandon_on_cancel=True)
        except (OSError, UnicodeError):
            raise Unresolved(f"{host} does not resolve") from None
        for address in addresses:
            self._policy.check_address(address)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or Unresolved(f"{host} does not resolve")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks do not connect to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore's errors as httpx's, most specific first (as httpx's own transport maps them)
_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for kind in type(exc).__mro__:
            if kind in _ERRORS:
                raise _ERRORS[kind](str(exc)) from exc
        raise


class _Stream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes] | Iterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, AsyncIterable)
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            with _as_httpx_errors():
                await close()


class _Transport(httpx.AsyncBaseTransport):
    """httpx over an httpcore pool whose connections go through the guarded backend (a
    transport of our own rather than httpx's with its private pool swapped: an httpx
    release that renamed it would otherwise leave the unguarded pool in place)."""

    def __init__(self, policy: TargetPolicy, max_connections: int) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=min(20, max_connections),
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            answer = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Stream(answer.stream),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA bundle takes milliseconds)."""
    return httpx.create_ssl_context()


def _no_cookies() -> http.cookiejar.CookieJar:
    """A jar whose policy accepts no cookie from any domain (so none is ever sent)."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def client(
    policy: TargetPolicy, *, timeout: float = DEFAULT_TIMEOUT, max_connections: int = 100
) -> httpx.AsyncClient:
    """The HTTP client of deliveries; timeout bounds each post() as a whole (s)."""
    return httpx.AsyncClient(
        transport=_Transport(policy, max_connections),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        cookies=_no_cookies(),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


def _deadline(http_client: httpx.AsyncClient) -> float:
    limits = http_client.timeout.as_dict().values()
    return max((limit for limit in limits if limit is not None), default=DEFAULT_TIMEOUT)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (a date
    in the past is 0); None when missing or malformed."""
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    start = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - start)


def _in_chain(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _describe(exc: httpx.HTTPError) -> str:
    unresolved = _in_chain(exc, Unresolved)
    if unresolved is not None:
        return str(unresolved)
    if _in_chain(exc, ConnectionRefusedError) is not None:
        return "connection refused"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {exc}" if str(exc) else "connection failed"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def post(
    http_client: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str]
) -> Answer:
    """POST body to url and record the answer; never raises for what the receiver or the
    network does (the error says it), only for a cancelled task."""
    started = time.monotonic()
    status: int | None = None
    retry_after: float | None = None
    head = b""
    error: str | None = None
    try:
        with anyio.fail_after(_deadline(http_client)):
            async with http_client.stream("POST", url, content=body, headers=headers) as answer:
                status = answer.status_code
                if status in (429, 503):
                    retry_after = parse_retry_after(answer.headers.get("Retry-After"))
                size = 0
                async for chunk in answer.aiter_raw():
                    size += len(chunk)
                    head += chunk[: BODY_HEAD - len(head)]
                    if size > MAX_ANSWER:
                        error = "answer larger than 64 KiB"
                        break
    except UnsafeTarget as exc:
        error = str(exc)
    except (TimeoutError, httpx.TimeoutException):
        error = "timeout"
    except httpx.HTTPError as exc:
        error = _describe(exc)
    except httpx.InvalidURL as exc:
        error = f"invalid URL: {exc}"
    return Answer(
        status=status,
        duration_ms=round((time.monotonic() - started) * 1000),
        body=head.decode("utf-8", errors="replace"),
        error=error,
        retry_after=retry_after,
    )
