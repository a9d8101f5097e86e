"""One exception hierarchy for every layer; the API renders it as the 1CRM error shape.

AmityError
 +-- BadRequest            400 bad_request
 |    +-- UnknownField     400 bad_request (a name the model lacks; maybe new elsewhere)
 +-- Unauthorized          401 unauthorized
 +-- Forbidden             403 forbidden
 |    +-- CsrfFailed        403 csrf_failed
 |    +-- HttpsRequired     403 https_required
 |    +-- InsufficientScope 403 insufficient_scope
 +-- NotFound              404 not_found
 +-- MethodNotAllowed      405 method_not_allowed
 +-- Conflict              409 conflict
 |    +-- InProgress        409 conflict, Retry-After (an Idempotency-Key's request still runs)
 +-- Gone                  410 gone (e.g. a change-feed cursor older than the retention)
 +-- PreconditionFailed    412 precondition_failed (If-Match: the record has changed)
 +-- PayloadTooLarge       413 payload_too_large
 +-- UnsupportedMediaType  415 unsupported_media_type
 +-- Unprocessable         422 unprocessable (e.g. an Idempotency-Key reused for another request)
 +-- RateLimited           429 rate_limited
 +-- ServiceUnavailable    503 service_unavailable (e.g. the database cannot be reached)

An error carries a message id and its params: `NotFound("No {model} with id {id}",
model=name, id=rid)`. The id is the English template; `message` and `hint` are the English
text (the template filled by str.format), and a catalog's "messages" translate by id. An
error without params keeps its text as is (braces need no doubling). A param that is a
`Text` (an id with params of its own) is translated along.
"""

from __future__ import annotations


class Text:
    """A message id and params that is part of a message (a param), translated with it."""

    def __init__(self, message_id: str, **params: object) -> None:
        self.message_id = message_id
        self.params = params

    def __str__(self) -> str:
        return self.message_id.format(**self.params) if self.params else self.message_id


class AmityError(Exception):
    """An error a client caused or may see; carries its HTTP status and 1CRM error type."""

    status = 500
    error = "server_error"

    def __init__(self, message: str, hint: str = "", **params: object) -> None:
        self.message_id = message
        self.hint_id = hint
        self.params = params
        self.message = message.format(**params) if params else message
        self.hint = hint.format(**params) if params else hint
        super().__init__(self.message)

    def as_body(self) -> dict[str, str]:
        """The 1CRM wire shape of this error."""
        return {"error": self.error, "message": self.message, "hint": self.hint}


class BadRequest(AmityError):
    status = 400
    error = "bad_request"


class UnknownField(BadRequest):
    """A request names a field, filter or order key its model does not have. Another
    worker may have just added it: the API re-reads the metadata and tries once more."""


class Unauthorized(AmityError):
    status = 401
    error = "unauthorized"


class Forbidden(AmityError):
    status = 403
    error = "forbidden"


class CsrfFailed(Forbidden):
    """A cookie-authenticated change without the session's CSRF token."""

    error = "csrf_failed"


class HttpsRequired(Forbidden):
    """Plain HTTP from a remote client while AMITY_REQUIRE_HTTPS is on."""

    error = "https_required"


class AddressRefused(Forbidden):
    """A client address outside AMITY_API_ALLOW."""


class NotFound(AmityError):
    status = 404
    error = "not_found"


class UnknownModel(NotFound):
    """A request names a model this process does not know; another worker may have just
    defined it (a custom model), so the API re-reads the metadata and tries once more."""


class MethodNotAllowed(AmityError):
    status = 405
    error = "method_not_allowed"


class Conflict(AmityError):
    status = 409
    error = "conflict"


class InProgress(Conflict):
    """409 while an earlier attempt of the same request (its Idempotency-Key) still runs;
    Retry-After tells the client when to ask again."""

    retry_after = 1


class Gone(AmityError):
    status = 410
    error = "gone"


class PreconditionFailed(AmityError):
    """A conditional write whose record is not in the expected state (412): `model` and
    `record_id` name the record, `version` is its current version (None when there is no
    record); the API answers with the matching ETag."""

    status = 412
    error = "precondition_failed"

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        model: str,
        record_id: str,
        version: int | None = None,
        **params: object,
    ) -> None:
        super().__init__(message, hint, model=model, id=record_id, **params)
        self.model = model
        self.record_id = record_id
        self.version = version


class PayloadTooLarge(AmityError):
    status = 413
    error = "payload_too_large"


class UnsupportedMediaType(AmityError):
    status = 415
    error = "unsupported_media_type"


class Unprocessable(AmityError):
    """Well-formed, but not to be done (422): an Idempotency-Key sent before with a
    different request."""

    status = 422
    error = "unprocessable"


class InsufficientScope(Forbidden):
    """An OAuth token without the scope the request needs (RFC 6750 3.1)."""

    error = "insufficient_scope"


class RateLimited(AmityError):
    """Too many requests (429); `retry_after` is the seconds until the budget comes back
    (the Retry-After header)."""

    status = 429
    error = "rate_limited"

    def __init__(
        self, message: str, hint: str = "", retry_after: int = 1, **params: object
    ) -> None:
        super().__init__(message, hint, retry_after=retry_after, **params)
        self.retry_after = retry_after


class ServiceUnavailable(AmityError):
    """The server cannot answer now (503): something it needs, such as its database, is
    busy or cannot be reached or opened; try again after `retry_after` seconds (the
    Retry-After header)."""

    status = 503
    error = "service_unavailable"

    def __init__(
        self, message: str, hint: str = "", retry_after: int = 1, **params: object
    ) -> None:
        super().__init__(message, hint, retry_after=retry_after, **params)
        self.retry_after = retry_after
