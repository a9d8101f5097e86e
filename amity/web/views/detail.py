"""A record's detail page beyond its fields: the related lists of the sub-panel layout
(paged, with add and remove link), the record's history from the audit, and its files
(upload, download, preview of images and PDFs). Everything through the same services as
the API, as the signed-in user: what the rules deny answers like a missing record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from amity.api.context import run_write, services
from amity.api.native.files import serve
from amity.core.actor import Actor
from amity.core.files.kinds import disposition, shown_inline
from amity.core.files.service import StoredFile, holds_file
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import AmityError, BadRequest, NotFound
from amity.schema.model import Field, Link, Model
from amity.web.models import menu_models, page_model
from amity.web.pages import Labels, render
from amity.web.refs import record_named
from amity.web.session import check_csrf, current_user
from amity.web.uploads import stream_upload
from amity.web.views import lists

RELATED_PAGE = 10
RELATED_EAGER = 2  # related lists loaded with the page; the others when opened
HISTORY_PAGE = 10
RELATED_COLUMNS = 3
INLINE_HEADERS = {
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass
class Panel:
    """One related list of the detail page: a page of the records linked through `link`."""

    link: Link
    target: Model
    label: str
    columns: list[Field]
    records: list[dict[str, Any]]
    page: int
    more: bool
    error: str = ""
    typed: str = ""
    loaded: bool = False

    @property
    def name(self) -> str:
        return self.link.name


@dataclass
class FileSlot:
    """A file field of the record and the file it holds (None when empty)."""

    field: Field
    file: StoredFile | None
    error: str = ""

    @property
    def preview(self) -> str:
        """ "image", "pdf" or "" (what the page shows inline)."""
        if self.file is None or not shown_inline(self.file.mimetype, self.file.sniffed_type):
            return ""
        return "pdf" if self.file.mimetype == "application/pdf" else "image"


def _int(raw: str | None, default: int = 1) -> int:
    try:
        return max(1, int(raw)) if raw is not None else default
    except ValueError:
        return default


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def panels_of(
    request: Request,
    actor: Actor,
    svc: Services,
    model: Model,
    record_id: str,
    errors: dict[str, tuple[str, str]] | None = None,
    only: str | None = None,
) -> list[Panel]:
    """The sub-panel layout's related lists the user may see. The first RELATED_EAGER,
    those whose page the URL names and those with an error are loaded at their page; the
    others load when opened (static/app.js asks the panel's route, or a link reloads
    the page with that panel)."""
    layout = svc.layouts.layout(actor, model.name, "sub_panels", None)
    labels = Labels(request)
    out: list[Panel] = []
    for entry in layout.get("panels", []):
        link = model.links.get(str(entry.get("name", "")))
        target = svc.records.registry.models.get(link.target) if link is not None else None
        if link is None or target is None or (only is not None and link.name != only):
            continue
        try:
            svc.records.policy.check(actor, target, "list")
        except AmityError:
            continue
        asked = request.query_params.get(f"{link.name}_page")
        error, typed = (errors or {}).get(link.name, ("", ""))
        columns = [target.fields[n] for n in target.list_fields if n in target.fields]
        panel = Panel(
            link=link,
            target=target,
            label=labels.label(_panel_label(str(entry.get("label") or ""), link)),
            columns=columns[:RELATED_COLUMNS],
            records=[],
            page=_int(asked),
            more=False,
            error=error,
            typed=typed,
        )
        if only is not None or len(out) < RELATED_EAGER or asked is not None or error:
            load_panel(actor, svc, model, record_id, panel)
        out.append(panel)
    if only is not None and not out:
        raise NotFound("No related list {link}", "open the record's page", link=only)
    return out


def load_panel(actor: Actor, svc: Services, model: Model, record_id: str, panel: Panel) -> None:
    """A page of the panel's records (one more than shown: is there a next page?)."""
    found = svc.relations.list_related(
        actor,
        model.name,
        record_id,
        panel.link.name,
        ListQuery(offset=(panel.page - 1) * RELATED_PAGE, limit=RELATED_PAGE + 1, count=False),
    )
    panel.records = found.records[:RELATED_PAGE]
    panel.more = len(found.records) > RELATED_PAGE
    panel.loaded = True


def _panel_label(label: str, link: Link) -> str:
    """A panel's heading: the layout's label, the link's, else its name as words."""
    if label and label != link.name:
        return label
    return link.label or link.name.replace("_", " ").capitalize()


def history_of(
    request: Request, actor: Actor, svc: Services, model: Model, record_id: str
) -> dict[str, Any]:
    """A page of the record's audit rows, newest first."""
    page = _int(request.query_params.get("history_page"))
    found = svc.audit.list(
        actor, model.name, record_id, offset=(page - 1) * HISTORY_PAGE, limit=HISTORY_PAGE
    )
    rows = []
    for row in found.records:
        fd = model.fields.get(row["field_name"])
        link = model.links.get(row["field_name"])
        rows.append(
            {
                **row,
                "field": fd,
                "field_label": (
                    (fd.label or fd.name) if fd else (_panel_label("", link) if link else "")
                ),
                "before": _audit_value(row, "before"),
                "after": _audit_value(row, "after"),
            }
        )
    pages = max(1, -(-found.total_results // HISTORY_PAGE))
    return {"rows": rows, "page": page, "pages": pages, "total": found.total_results}


def _audit_value(row: dict[str, Any], side: str) -> str:
    value = row.get(f"{side}_value_string")
    if value is None:
        value = row.get(f"{side}_value_text")
    return "" if value is None else str(value)


def file_slots(
    actor: Actor,
    svc: Services,
    model: Model,
    record: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> list[FileSlot]:
    """The record's file fields (those the user may read) and their files."""
    out = []
    for fd in model.fields.values():
        if not holds_file(fd) or fd.name not in record:
            continue
        stored = None
        if record.get(fd.name):
            try:
                stored = svc.files.find(actor, model.name, str(record["id"]), fd.name)
            except NotFound:
                stored = None
        out.append(FileSlot(fd, stored, (errors or {}).get(fd.name, "")))
    return out


def page_link(request: Request, path: str, **changes: Any) -> str:
    """The detail page's URL with this request's query parameters, some changed (pages
    of the panels and the history)."""
    params = {**dict(request.query_params), **{k: str(v) for k, v in changes.items()}}
    params = {k: v for k, v in params.items() if v != ""}
    return path + (f"?{urlencode(params)}" if params else "")


async def detail_page(
    request: Request,
    *,
    status: int = 200,
    panel_errors: dict[str, tuple[str, str]] | None = None,
    file_errors: dict[str, str] | None = None,
) -> Response:
    """/app/{model}/{id}: the detail layout's sections, the related lists, the files and
    the history."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    record = svc.records.get(actor, model.name, record_id)
    starred = await lists.note_view(request, model.name, str(record["id"]))
    layout = svc.layouts.layout(actor, model.name, "detail", None)
    sections = [
        {
            "label": section.get("label", ""),
            "fields": [model.fields[n] for n in section["fields"] if n in model.fields],
        }
        for section in layout.get("sections", [])
    ]
    return render(
        request,
        "records/detail.html",
        status=status,
        model=model,
        models=menu_models(svc, actor),
        record=record,
        sections=sections,
        starred=starred,
        panels=panels_of(request, actor, svc, model, record_id, panel_errors),
        files=file_slots(actor, svc, model, record, file_errors),
        history=history_of(request, actor, svc, model, record_id),
        page_link=lambda **changes: page_link(request, _record_url(model, record_id), **changes),
    )


async def related_panel(request: Request) -> Response:
    """GET /app/{model}/{id}/related/{link}[?page=N]: one related list's content, for
    the detail page to show when it is opened."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    link = svc.records.registry.link(model, request.path_params["link"])
    record = svc.records.get(actor, model.name, record_id, fields=["id"])
    panels = panels_of(request, actor, svc, model, record_id, only=link.name)
    page = _int(request.query_params.get("page"))
    if page != panels[0].page:
        panels[0].page = page
        load_panel(actor, svc, model, record_id, panels[0])
    return render(
        request,
        "records/related_panel.html",
        model=model,
        record=record,
        panel=panels[0],
        page_link=lambda **changes: page_link(request, _record_url(model, record_id), **changes),
    )


def _record_url(model: Model, record_id: str, anchor: str = "") -> str:
    return f"/app/{model.name}/{record_id}" + (f"#{anchor}" if anchor else "")


def _status(exc: AmityError) -> int:
    return exc.status if 400 <= exc.status < 500 else 400


# -- related lists ------------------------------------------------------------------------
async def link_record(request: Request) -> Response:
    """POST /app/{model}/{id}/related/{link}: link the picked record (its id, or the one
    record of that name), then back to the panel; a refusal shows beside the panel."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    link = svc.records.registry.link(model, request.path_params["link"])
    svc.records.get(actor, model.name, record_id, fields=["id"])  # 404 unless readable
    typed = _str(form.get("record_name")).strip()
    try:
        target_id = _str(form.get("record_id")).strip()
        if not target_id:
            if not typed:
                raise BadRequest("Pick a record to link", "type a name and pick a suggestion")
            target_id = record_named(request, link.target, typed, "record_name")
        await run_write(
            request,
            lambda: svc.relations.add_related(
                actor, model.name, record_id, link.name, [target_id], None
            ),
            svc.records.write_keys(model.name, record_id),
        )
    except AmityError as exc:
        picked_gone = isinstance(exc, NotFound) and "target_id" in exc.params
        if exc.status in (401, 403, 404) and not picked_gone:
            raise
        message = Labels(request).message(exc.message_id, exc.params)
        return await detail_page(
            request, status=_status(exc), panel_errors={link.name: (message, typed)}
        )
    return RedirectResponse(_record_url(model, record_id, f"panel-{link.name}"), status_code=303)


def _unlink_target(request: Request) -> tuple[Actor, Services, Model, Link, str, str]:
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    link = svc.records.registry.link(model, request.path_params["link"])
    return actor, svc, model, link, request.path_params["id"], request.path_params["target"]


async def unlink_confirm(request: Request) -> Response:
    """GET /app/{model}/{id}/related/{link}/{target}/remove: are you sure?"""
    actor, svc, model, link, record_id, target_id = _unlink_target(request)
    record = svc.records.get(actor, model.name, record_id)
    svc.records.policy.check(actor, model, "relate", record)
    target = svc.records.get(actor, link.target, target_id)
    return render(
        request,
        "records/unlink.html",
        model=model,
        models=menu_models(svc, actor),
        record=record,
        link=link,
        target=target,
    )


async def unlink(request: Request) -> Response:
    """POST /app/{model}/{id}/related/{link}/{target}/remove: remove the link."""
    actor, svc, model, link, record_id, target_id = _unlink_target(request)
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    await run_write(
        request,
        lambda: svc.relations.remove_related(actor, model.name, record_id, link.name, target_id),
        svc.records.write_keys(model.name, record_id),
    )
    return RedirectResponse(_record_url(model, record_id, f"panel-{link.name}"), status_code=303)


# -- files --------------------------------------------------------------------------------
def _file(request: Request) -> StoredFile:
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    field = request.path_params["field"]
    fd = model.fields.get(field)
    if fd is None or not holds_file(fd):
        raise NotFound(
            "No file", "{model} records hold no file in {field}", model=model.name, field=field
        )
    return svc.files.find(actor, model.name, request.path_params["id"], fd.name)


async def download(request: Request) -> Response:
    """GET /app/{model}/{id}/files/{field}: the file's bytes, as a download."""
    file = _file(request)
    response = serve(request, services(request).files, file)
    response.headers["Content-Disposition"] = disposition(file.name, False)
    response.headers.update(INLINE_HEADERS)
    return response


async def inline(request: Request) -> Response:
    """GET /app/{model}/{id}/files/{field}/inline: an image or PDF whose bytes confirm
    its type, to show in the page (anything else is no preview: 404)."""
    file = _file(request)
    if not shown_inline(file.mimetype, file.sniffed_type):
        raise NotFound("No preview", "download the file instead")
    response = serve(request, services(request).files, file)
    response.headers["Content-Disposition"] = disposition(file.name, True)
    response.headers.update(INLINE_HEADERS)
    if file.mimetype == "application/pdf":  # the browser's PDF viewer needs no sandbox
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; frame-ancestors 'self'; object-src 'self'"
        )
    else:
        response.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; frame-ancestors 'self'"
        )
    return response


async def upload(request: Request) -> Response:
    """POST /app/{model}/{id}/files/{field}: put the uploaded file into the field (it
    replaces the one there), then back to the record."""
    actor, svc, model, record_id, fd = _file_field(request)

    def check(fields: dict[str, str]) -> None:
        check_csrf(request, fields.get("csrf_token"))

    try:
        posted = await stream_upload(request, svc.files, actor, check)
        if posted.file_id is None:
            raise BadRequest("Pick a file to upload", "choose a file, then press Upload")
        data = {fd.name: posted.file_id}
        await run_write(
            request,
            lambda: svc.records.update(actor, model.name, record_id, data),
            svc.records.write_keys(model.name, record_id, data),
        )
    except AmityError as exc:
        if exc.status in (401, 403, 404):
            raise
        message = Labels(request).message(exc.message_id, exc.params)
        return await detail_page(request, status=_status(exc), file_errors={fd.name: message})
    return RedirectResponse(_record_url(model, record_id, f"file-{fd.name}"), status_code=303)


def _file_field(request: Request) -> tuple[Actor, Services, Model, str, Field]:
    """The signed-in user, services, model, record id and file field of a file URL; the
    record must exist for the user and the user may edit it."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    field = request.path_params["field"]
    fd = model.fields.get(field)
    record = svc.records.get(actor, model.name, record_id)
    if fd is None or not holds_file(fd) or fd.name not in record:
        raise NotFound(
            "No file", "{model} records hold no file in {field}", model=model.name, field=field
        )
    svc.records.policy.check(actor, model, "edit", record)
    return actor, svc, model, record_id, fd


async def remove_file_confirm(request: Request) -> Response:
    """GET /app/{model}/{id}/files/{field}/remove: are you sure?"""
    actor, svc, model, record_id, fd = _file_field(request)
    file = svc.files.find(actor, model.name, record_id, fd.name)
    return render(
        request,
        "records/remove_file.html",
        model=model,
        models=menu_models(svc, actor),
        record=svc.records.get(actor, model.name, record_id),
        field=fd,
        file=file,
    )


async def remove_file(request: Request) -> Response:
    """POST /app/{model}/{id}/files/{field}/remove: empty the field (its file goes)."""
    actor, svc, model, record_id, fd = _file_field(request)
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    data: dict[str, Any] = {fd.name: None}
    await run_write(
        request,
        lambda: svc.records.update(actor, model.name, record_id, data),
        svc.records.write_keys(model.name, record_id, data),
    )
    return RedirectResponse(_record_url(model, record_id, f"file-{fd.name}"), status_code=303)


GET, POST = ["GET"], ["POST"]
routes: list[BaseRoute] = [
    Route("/app/{model}/{id}/related/{link}", related_panel, methods=GET),
    Route("/app/{model}/{id}/related/{link}", link_record, methods=POST),
    Route("/app/{model}/{id}/related/{link}/{target}/remove", unlink_confirm, methods=GET),
    Route("/app/{model}/{id}/related/{link}/{target}/remove", unlink, methods=POST),
    Route("/app/{model}/{id}/files/{field}", download, methods=GET),
    Route("/app/{model}/{id}/files/{field}", upload, methods=POST),
    Route("/app/{model}/{id}/files/{field}/inline", inline, methods=GET),
    Route("/app/{model}/{id}/files/{field}/remove", remove_file_confirm, methods=GET),
    Route("/app/{model}/{id}/files/{field}/remove", remove_file, methods=POST),
]
