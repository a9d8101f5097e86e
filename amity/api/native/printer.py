"""/printer/pdf: a record as a PDF, in the language the request asks for."""

from __future__ import annotations

from dataclasses import replace

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.core.files.kinds import disposition
from amity.core.preferences import PersonFormat


def print_locale(request: Request, person: PersonFormat) -> str:
    """The first language of Accept-Language (numbers and dates follow it even where no
    catalog translates the labels); without one, the user's preferred language."""
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first if first and first != "*" else person.locale


def reader(request: Request) -> PersonFormat:
    """How the PDF is formatted for the one who asks: their preferences (a portal contact:
    the server's language), the language of Accept-Language first."""
    actor = require_actor(request)
    svc = services(request)
    person = (
        PersonFormat(locale=svc.settings.language)
        if actor.is_contact
        else svc.preferences.for_user(actor.user_id)
    )
    return replace(person, locale=print_locale(request, person))


async def print_pdf(request: Request) -> Response:
    actor, person = require_actor(request), reader(request)
    model, record_id = request.path_params["model"], request.path_params["id"]
    # rendering takes a while (fonts, layout): in a worker thread, off the event loop
    data, name = await anyio.to_thread.run_sync(
        services(request).printer.pdf, actor, model, record_id, person.locale, person
    )
    return pdf_response(data, name)


async def print_personal_pdf(request: Request) -> Response:
    """A person's data as a PDF they can be sent (GDPR access)."""
    actor, person = require_actor(request), reader(request)
    model, record_id = request.path_params["model"], request.path_params["id"]
    data, name = await anyio.to_thread.run_sync(
        services(request).printer.personal_pdf, actor, model, record_id, person.locale, person
    )
    return pdf_response(data, name)


def pdf_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": disposition(name, False)},
    )


routes = [
    Route("/printer/pdf/personal/{model}/{id}", print_personal_pdf, methods=["GET"]),
    Route("/printer/pdf/{model}/{id}", print_pdf, methods=["GET"]),
]
