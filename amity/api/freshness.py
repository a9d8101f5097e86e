"""Current metadata for every request, when several worker processes share a database.

`MetadataRefresh` checks the metadata version (at most every
AMITY_METADATA_CHECK_SECONDS) before a request runs. `retry_on_unknown_field` wraps an
endpoint: when it fails because it names a field or model this process does not know, and
the metadata turns out to have changed since the request began, the request runs again (its
body replayed) on the new metadata, so a field or model added through another worker works
at once.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amity.core.metadata import MetadataSync
from amity.errors import UnknownField, UnknownModel

Endpoint = Callable[[Request], Awaitable[Response]]


class MetadataRefresh:
    """Before each HTTP request: pick up metadata changed by another process."""

    def __init__(self, app: ASGIApp, sync: MetadataSync) -> None:
        self.app = app
        self.sync = sync

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.sync.refresh_if_due()
        await self.app(scope, receive, send)


def retry_on_unknown_field(endpoint: Endpoint) -> Endpoint:
    """Run `endpoint` once more when it names an unknown field and the metadata moved."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        sync: MetadataSync = request.app.state.services.metadata
        limit = int(request.app.state.services.settings.max_body_bytes)
        generation = sync.generation
        received: list[Message] = []
        kept = 0  # bytes of body recorded; a body larger than a JSON body may be (a file
        # upload) is not kept, and its request not retried

        async def recording() -> Message:
            nonlocal kept
            message = await request.receive()
            if kept <= limit:
                kept += len(message.get("body", b""))
                received.append(message)
                if kept > limit:
                    received.clear()
            return message

        try:
            return await endpoint(Request(request.scope, recording))
        except (UnknownField, UnknownModel):
            sync.refresh()
            if sync.generation == generation or kept > limit:
                raise
        replay = iter(received)

        async def replaying() -> Message:
            return next(replay, {"type": "http.request", "body": b"", "more_body": False})

        return await endpoint(Request(request.scope, replaying))

    return wrapped
