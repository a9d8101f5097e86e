"""The ceiling for the benchmarks: a bare Starlette app answering with orjson.

No middleware, no auth, no database: one route shaped like GET /data/{model}/{id},
returning a fixed record of about the size of a contact. Served the same way as
`amity serve` (uvicorn, one worker, no access log):

    .venv/bin/uvicorn bare_app:app --app-dir bench --port 8101 --no-access-log
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

RECORD: dict[str, Any] = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "salutation": "Dr.",
    "email1": "grace.hopper@example.com",
    "phone_work": "+1 555 000001",
    "primary_address_city": "Boston",
    "primary_address_country": "USA",
    "lead_source": "Web Site",
    "do_not_call": False,
    "email_opt_out": False,
    "date_entered": "2024-01-02 03:04:05",
    "date_modified": "2024-01-02 03:04:05",
}


class OrjsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def get_record(request: Request) -> OrjsonResponse:
    return OrjsonResponse({"record": {"id": request.path_params["id"], **RECORD}})


app = Starlette(routes=[Route("/api.php/data/{model}/{id}", get_record, methods=["GET"])])
