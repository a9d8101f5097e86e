"""Client and AsyncClient: turn Calls into HTTP with retries, one log line per request.

Everything but sending and sleeping lives in the IO-free core (_core, _retry, _paging);
the two clients differ only in `await`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from amity_client import _utility
from amity_client._calendar import AsyncCalendar, Calendar
from amity_client._changes import AsyncChangeFeed, ChangeFeed
from amity_client._core import (
    IDEMPOTENCY_HEADER,
    Call,
    QueryParams,
    build_request,
    check_base_url,
    decode_response,
    error_from_response,
    has_header,
    parse_retry_after,
    raw_call,
    with_idempotency_key,
)
from amity_client._data import AsyncModel, Model
from amity_client._errors import Error, NetworkError, Timeout
from amity_client._files import AsyncFiles, Files
from amity_client._printer import AsyncPrinter, Printer
from amity_client._reports import AsyncReports, Reports
from amity_client._retry import RetryPolicy
from amity_client._tally import AsyncTally, Tally
from amity_client._version import __version__
from amity_client._webhooks import AsyncWebhooks, Webhooks

T = TypeVar("T")
AuthTypes = httpx.Auth | tuple[str, str] | None
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""30 s to read an answer, 10 s to connect."""
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
NO_RETRY = RetryPolicy(max_retries=0)

log = logging.getLogger("amity_client")


def request_was_sent(exc: httpx.TransportError) -> bool:
    """False when the connection failed before the request could leave."""
    return not isinstance(exc, NOT_SENT)


def transport_error(exc: httpx.TransportError, url: str) -> NetworkError:
    cls = Timeout if isinstance(exc, httpx.TimeoutException) else NetworkError
    kind = "timeout" if cls is Timeout else "network_error"
    return cls(
        f"{type(exc).__name__}: {exc or 'connection failed'}",
        type=kind,
        hint=f"is the server at {url} reachable?",
    )


def is_keyed(call: Call[Any]) -> bool:
    return has_header(call.headers, IDEMPOTENCY_HEADER)


class _BaseClient:
    def __init__(
        self, url: str, retry: RetryPolicy | None, headers: Mapping[str, str] | None
    ) -> None:
        self.url = check_base_url(url)
        self.retry = retry or RetryPolicy()
        self._headers = {
            "User-Agent": f"amity-client/{__version__}",
            "Accept": "application/json",
            **(headers or {}),
        }

    def _build(self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        spec = build_request(self.url, call)
        return http.build_request(
            spec.method, spec.url, params=spec.params, headers=spec.headers, content=spec.content
        )

    def _policy(self, call: Call[Any]) -> RetryPolicy:
        """The client's retry policy, or none for a call whose body cannot be sent twice."""
        return self.retry if call.resendable else NO_RETRY

    def _after_error(
        self, call: Call[Any], exc: httpx.RequestError, start: float, attempt: int
    ) -> float:
        """The wait before retrying after a connection failure; raises when not retrying."""
        if not isinstance(exc, httpx.TransportError):
            self._log(call, type(exc).__name__, start, attempt, None)
            raise Error(f"{type(exc).__name__}: {exc}", type="invalid_response") from exc
        delay = self._policy(call).after_error(
            call.method, request_was_sent(exc), attempt, keyed=is_keyed(call)
        )
        self._log(call, f"{type(exc).__name__}: {exc}", start, attempt, delay)
        if delay is None:
            raise transport_error(exc, self.url) from exc
        return delay

    def _after_answer(
        self, call: Call[Any], response: httpx.Response, start: float, attempt: int
    ) -> float | None:
        """The wait before retrying this answer, or None to keep it."""
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        delay = self._policy(call).after_status(
            call.method, response.status_code, retry_after, attempt, keyed=is_keyed(call)
        )
        self._log(call, str(response.status_code), start, attempt, delay, ok=response.is_success)
        return delay

    def _log(
        self,
        call: Call[Any],
        outcome: str,
        start: float,
        attempt: int,
        delay: float | None,
        ok: bool = False,
    ) -> None:
        """One line per request: DEBUG when it worked, INFO when it failed, WARNING when
        it is about to be retried."""
        ms = (time.perf_counter() - start) * 1000
        if delay is not None:
            level, retry = (
                logging.WARNING,
                (f"; retry {attempt + 1}/{self.retry.max_retries} in {delay:.2f}s"),
            )
        else:
            level, retry = (logging.DEBUG if ok else logging.INFO), ""
        log.log(level, "%s %s -> %s (%.0f ms)%s", call.method, call.endpoint, outcome, ms, retry)

    @staticmethod
    def _decode(call: Call[T], response: httpx.Response) -> T:
        result = call.parse(
            decode_response(response.status_code, response.headers, response.content)
        )
        return result if call.annotate is None else call.annotate(result, response.headers)

    @staticmethod
    def _failure(response: httpx.Response) -> Error:
        return error_from_response(response.status_code, response.headers, response.content)


class Client(_BaseClient):
    """A synchronous client for one server.

    `url` is the entry point including api.php (`http://127.0.0.1:8000/api.php`); `auth`
    is a BasicAuth, TokenAuth or OAuth (or a (user, password) tuple). `timeout` (seconds
    or an httpx.Timeout) and `retry` (a RetryPolicy) are the limits; `transport` swaps the
    HTTP transport (e.g. httpx.MockTransport in tests).
    """

    def __init__(
        self,
        url: str,
        auth: AuthTypes = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        super().__init__(url, retry, headers)
        self._http = httpx.Client(
            auth=auth, timeout=timeout, headers=self._headers, transport=transport, verify=verify
        )

    @property
    def auth(self) -> httpx.Auth | None:
        return self._http.auth

    @auth.setter
    def auth(self, auth: httpx.Auth | tuple[str, str]) -> None:
        self._http.auth = auth

    def _send(self, call: Call[Any], stream: bool = False) -> httpx.Response:
        """The answer, after the retries the policy allows; with stream=True its body is
        not read yet."""
        call = with_idempotency_key(call)  # one key for every attempt of this call
        attempt = 0
        while True:
            request = self._build(self._http, call)
            start = time.perf_counter()
            try:
                response = self._http.send(request, stream=stream)
            except httpx.RequestError as exc:
                delay = self._after_error(call, exc, start, attempt)
            else:
                answer_delay = self._after_answer(call, response, start, attempt)
                if answer_delay is None:
                    return response
                response.close()
                delay = answer_delay
            time.sleep(delay)
            attempt += 1

    def _run(self, call: Call[T]) -> T:
        return self._decode(call, self._send(call))

    @contextmanager
    def _stream(self, call: Call[Any]) -> Iterator[httpx.Response]:
        """A successful answer whose body is still to be read (a download). A failed one
        is read and raised as its Error; a connection lost while reading, a NetworkError."""
        response = self._send(call, stream=True)
        try:
            if not response.is_success:
                response.read()
                raise self._failure(response)
            yield response
        except httpx.TransportError as exc:
            raise transport_error(exc, self.url) from exc
        finally:
            response.close()

    # -- low level -------------------------------------------------------------------------
    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        """Send any request; returns the decoded JSON answer, raises Error otherwise.
        `params` may nest lists and dicts; they are sent PHP-style (fields[0]=...)."""
        return self._run(
            raw_call(method, endpoint, params=params, json=json, headers=headers, content=content)
        )

    def get(
        self,
        endpoint: str,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.request("GET", endpoint, params=params, headers=headers)

    def post(
        self,
        endpoint: str,
        json: Any = None,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return self.request(
            "POST", endpoint, params=params, json=json, headers=headers, content=content
        )

    def patch(
        self,
        endpoint: str,
        json: Any = None,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return self.request(
            "PATCH", endpoint, params=params, json=json, headers=headers, content=content
        )

    def put(
        self,
        endpoint: str,
        json: Any = None,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return self.request(
            "PUT", endpoint, params=params, json=json, headers=headers, content=content
        )

    def delete(
        self,
        endpoint: str,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.request("DELETE", endpoint, params=params, headers=headers)

    # -- areas -----------------------------------------------------------------------------
    def model(self, name: str) -> Model:
        """Work with the records of one model, e.g. client.model("Contact")."""
        return Model(self, name)

    @property
    def webhooks(self) -> Webhooks:
        """Webhooks: list, create, update, deliveries, replay, test, recover, rotate_secret."""
        return Webhooks(self)

    @property
    def files(self) -> Files:
        """Files: upload (raw or base64), download, info."""
        return Files(self)

    @property
    def tally(self) -> Tally:
        """Tally objects (quotes, orders, invoices, ...): get, save, convert, pdf."""
        return Tally(self)

    @property
    def calendar(self) -> Calendar:
        """The calendar: events in a date range."""
        return Calendar(self)

    @property
    def reports(self) -> Reports:
        """Reports: list, runs, data, define, update, delete, run (and wait), export."""
        return Reports(self)

    @property
    def printer(self) -> Printer:
        """PDFs: any record (pdf) and a person's personal data (personal_pdf)."""
        return Printer(self)

    def me(self) -> dict[str, Any]:
        """The authenticated user."""
        return self._run(_utility.me_call())

    def changes(
        self,
        after: str | None = None,
        *,
        models: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> ChangeFeed:
        """Every change committed after the cursor `after` (None: the oldest kept), deletes
        included, oldest first; iterate the feed, then store `feed.cursor` for next time."""
        return ChangeFeed(self._run, after, models, limit)

    def server_version(self) -> dict[str, Any]:
        """{"version", "products", "authenticated"}."""
        return self._run(_utility.version_call())

    def server_key(self) -> str:
        """The PEM public key that verifies the server's OAuth access tokens."""
        return self._run(_utility.public_key_call())

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"


class AsyncClient(_BaseClient):
    """The asyncio twin of Client: the same arguments and methods, awaited; list results
    iterate with `async for`."""

    def __init__(
        self,
        url: str,
        auth: AuthTypes = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        super().__init__(url, retry, headers)
        self._http = httpx.AsyncClient(
            auth=auth, timeout=timeout, headers=self._headers, transport=transport, verify=verify
        )

    @property
    def auth(self) -> httpx.Auth | None:
        return self._http.auth

    @auth.setter
    def auth(self, auth: httpx.Auth | tuple[str, str]) -> None:
        self._http.auth = auth

    async def _send(self, call: Call[Any], stream: bool = False) -> httpx.Response:
        call = with_idempotency_key(call)  # one key for every attempt of this call
        attempt = 0
        while True:
            request = self._build(self._http, call)
            start = time.perf_counter()
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.RequestError as exc:
                delay = self._after_error(call, exc, start, attempt)
            else:
                answer_delay = self._after_answer(call, response, start, attempt)
                if answer_delay is None:
                    return response
                await response.aclose()
                delay = answer_delay
            await asyncio.sleep(delay)
            attempt += 1

    async def _run(self, call: Call[T]) -> T:
        return self._decode(call, await self._send(call))

    @asynccontextmanager
    async def _stream(self, call: Call[Any]) -> AsyncIterator[httpx.Response]:
        """Client._stream, awaited."""
        response = await self._send(call, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise self._failure(response)
            yield response
        except httpx.TransportError as exc:
            raise transport_error(exc, self.url) from exc
        finally:
            await response.aclose()

    # -- low level -------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return await self._run(
            raw_call(method, endpoint, params=params, json=json, headers=headers, content=content)
        )

    async def get(
        self,
        endpoint: str,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return await self.request("GET", endpoint, params=params, headers=headers)

    async def post(
        self,
        endpoint: str,
        json: Any = None,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return await self.request(
            "POST", endpoint, params=params, json=json, headers=headers, content=content
        )

    async def patch(
        self,
        endpoint: str,
        json: Any = None,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return await self.request(
            "PATCH", endpoint, params=params, json=json, headers=headers, content=content
        )

    async def put(
        self,
        endpoint: str,
        json: Any = None,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        return await self.request(
            "PUT", endpoint, params=params, json=json, headers=headers, content=content
        )

    async def delete(
        self,
        endpoint: str,
        params: QueryParams | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return await self.request("DELETE", endpoint, params=params, headers=headers)

    # -- areas -----------------------------------------------------------------------------
    def model(self, name: str) -> AsyncModel:
        return AsyncModel(self, name)

    @property
    def webhooks(self) -> AsyncWebhooks:
        return AsyncWebhooks(self)

    @property
    def files(self) -> AsyncFiles:
        return AsyncFiles(self)

    @property
    def tally(self) -> AsyncTally:
        return AsyncTally(self)

    @property
    def calendar(self) -> AsyncCalendar:
        return AsyncCalendar(self)

    @property
    def reports(self) -> AsyncReports:
        return AsyncReports(self)

    @property
    def printer(self) -> AsyncPrinter:
        return AsyncPrinter(self)

    async def me(self) -> dict[str, Any]:
        return await self._run(_utility.me_call())

    def changes(
        self,
        after: str | None = None,
        *,
        models: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> AsyncChangeFeed:
        """Every change committed after the cursor `after`: `async for` the feed, then
        store `feed.cursor` for next time."""
        return AsyncChangeFeed(self._run, after, models, limit)

    async def server_version(self) -> dict[str, Any]:
        return await self._run(_utility.version_call())

    async def server_key(self) -> str:
        return await self._run(_utility.public_key_call())

    # -- lifecycle -------------------------------------------------------------------------
    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncClient({self.url!r})"
