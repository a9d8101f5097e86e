"""The fastest receiver we can run locally: a bare ASGI app that counts POSTs.

    uvicorn bench.webhook_receiver:app --port 9100 --no-access-log

GET /count answers how many POSTs arrived since it started.
"""

from __future__ import annotations

from typing import Any

received = 0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global received
    if scope["type"] != "http":
        return
    while True:  # read the whole body
        message = await receive()
        if not message.get("more_body"):
            break
    if scope["method"] == "POST":
        received += 1
        body = b"ok"
    else:
        body = str(received).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
