"""Errors: every failure of a call is an `Error`; catch a subclass to handle one meaning.

Error                          status type, message, hint as the server sent them
 +-- NetworkError              0    no HTTP answer: refused, reset, DNS, TLS, dropped
 |    +-- Timeout              0    no answer within the client's timeout
 +-- BadRequest                400  the request is wrong: fix it before sending it again
 |    +-- MethodNotAllowed     405  the endpoint exists, the method does not
 |    +-- Conflict             409  a deleted record holds the id, a unique value is taken,
 |    |                             or a concurrent write got in first
 |    +-- PreconditionFailed   412  if_match= named another version of the record; `etag`
 |    |                             is its current one
 |    +-- PayloadTooLarge      413  the body is over the server's limit
 |    +-- UnsupportedMediaType 415  the body is not JSON
 |    (422 and any other 4xx without a class of its own are a plain BadRequest)
 +-- Unauthorized              401  no, bad, expired or revoked credentials
 +-- Forbidden                 403  authenticated, but not allowed to do this
 +-- NotFound                  404  unknown model, record id, link or endpoint
 +-- RateLimited               429  too many requests; `retry_after` says how long to wait
 +-- ServerError               5xx  the server failed
 |    +-- ServiceUnavailable   503  busy or down for a moment; `retry_after` if it said
 +-- WebhookVerificationError  0    a webhook delivery your receiver got did not verify
                                    (verify_webhook); no API call was made

Conflict is a BadRequest because sending the same request again usually fails the same
way. A status with no meaning here (a 3xx, or an unreadable 2xx answer) is a plain Error.
"""

from __future__ import annotations

from typing import Any


class Error(Exception):
    """A failed API call: HTTP `status` (0 when there was no answer), the server's error
    `type`, its `message` and its `hint` (how to fix it; may be empty)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        type: str = "error",
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.hint = hint
        self.retry_after = retry_after

    def __str__(self) -> str:
        text = f"{self.status} {self.type}: {self.message}" if self.status else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, type={self.type!r}, "
            f"message={self.message!r}, hint={self.hint!r})"
        )


class NetworkError(Error):
    """No HTTP answer: the connection could not be made, broke, or timed out."""


class Timeout(NetworkError):
    """The server did not answer within the configured timeout."""


class BadRequest(Error):
    """The server refused the request as it was sent (400 and other 4xx)."""


class MethodNotAllowed(BadRequest):
    """405: the endpoint does not take this HTTP method."""


class Conflict(BadRequest):
    """409: the write conflicts with existing data."""


class PreconditionFailed(BadRequest):
    """412: the record changed since the ETag given as `if_match=` was read (or, for an
    upsert, does not exist). `etag` is the record's current ETag (None when there is none):
    read it again, merge, and retry with that one."""

    def __init__(self, message: str, *, etag: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.etag = etag


class PayloadTooLarge(BadRequest):
    """413: the request body is larger than the server accepts."""


class UnsupportedMediaType(BadRequest):
    """415: the request body has a content type the endpoint does not read."""


class Unauthorized(Error):
    """401: credentials are missing, wrong, expired or revoked."""


class Forbidden(Error):
    """403: the user may not do this."""


class NotFound(Error):
    """404: unknown model, record, link or endpoint."""


class RateLimited(Error):
    """429: too many requests, even after the client's retries."""


class ServerError(Error):
    """5xx: the server failed to answer the request."""


class ServiceUnavailable(ServerError):
    """503: the server is busy or briefly down, even after the client's retries."""


class WebhookVerificationError(Error):
    """A webhook delivery that verify_webhook refused: a header is missing, its timestamp
    is outside the tolerance, or no signature matches the secret. `message` says which;
    answer the sender with a 4xx and do not act on the body."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type="webhook_verification_failed")


BY_STATUS: dict[int, type[Error]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_class(status: int) -> type[Error]:
    """The Error subclass for an HTTP status."""
    if status in BY_STATUS:
        return BY_STATUS[status]
    if 400 <= status < 500:
        return BadRequest
    if status >= 500:
        return ServerError
    return Error
