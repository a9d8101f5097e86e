"""Self-service under /app/account: every signed-in user's personal access tokens (the
token service, as /api/tokens and `amity token` use it) and webhooks (the webhooks
service, as the /webhooks API uses it): create, list, the delivery log, replay, rotate
the secret, pause and delete. A token or secret is shown once, on the page that made it;
the database holds only its hash (tokens) or its sealed form (secrets)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio.to_thread
import orjson
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from amity.api.context import run_write, services
from amity.core.actor import Actor
from amity.errors import AmityError, Forbidden, NotFound
from amity.schema.model import Model
from amity.web.filter_editor import (
    TYPE_LABELS,
    FilterText,
    WebhookForm,
    choices,
    error_place,
    filter_fields,
    form_of,
    posted_form,
    webhook_body,
)
from amity.web.models import menu_models, page_model
from amity.web.pages import Labels, render
from amity.web.session import check_csrf, current_user

PAGE_SIZE = 20
MAX_TOKEN_NAME = 100
ACCOUNT = "/app/account"


def form_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def when(moment: datetime | None) -> str:
    """A stored time as the pages show it (UTC)."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


async def _posted(request: Request) -> FormData:
    """The posted form, its CSRF token checked before anything else."""
    form = await request.form()
    check_csrf(request, form_text(form.get("csrf_token")))
    return form


def model_label(request: Request) -> Callable[[str], str]:
    """A model's label by its name, in the page's language."""
    labels = Labels(request)
    models = services(request).records.registry.models

    def label(name: str) -> str:
        model = models.get(name)
        return labels.model(model) if model is not None else name

    return label


def token_owner(request: Request) -> Actor:
    """The user whose tokens these are (a portal contact has none: 404)."""
    actor = current_user(request)
    if actor.is_contact:
        raise Forbidden("Portal contacts have no personal access tokens")
    return actor


# -- the account page -------------------------------------------------------------------
async def account(request: Request) -> Response:
    """/app/account: what a user manages of their own."""
    actor = current_user(request)
    return render(request, "account/index.html", models=menu_models(services(request), actor))


# -- tokens -----------------------------------------------------------------------------
async def tokens(request: Request) -> Response:
    """/app/account/tokens: my personal access tokens and a form for a new one."""
    return _tokens_page(request, revoked=request.query_params.get("revoked") == "1")


def _tokens_page(
    request: Request,
    *,
    made: tuple[str, str, str] | None = None,
    name: str = "",
    error: str = "",
    status: int = 200,
    revoked: bool = False,
) -> Response:
    actor = token_owner(request)
    svc = services(request)
    mine = [t for t in svc.auth.list_tokens(actor.user_name) if not t.get("revoked")]
    return render(
        request,
        "account/tokens.html",
        status=status,
        models=menu_models(svc, actor),
        tokens=mine,
        made=made,
        name=name,
        error=error,
        revoked=revoked,
        when=when,
    )


async def create_token(request: Request) -> Response:
    """POST /app/account/tokens: a new token, shown on this page once."""
    actor = token_owner(request)
    form = await _posted(request)
    name = form_text(form.get("name")).strip()
    if len(name) > MAX_TOKEN_NAME:
        error = Labels(request).ui("At most {count} characters.", count=MAX_TOKEN_NAME)
        return _tokens_page(request, name=name, error=error, status=400)
    auth = services(request).auth
    token_id, token = await run_write(
        request, lambda: auth.create_token(actor.user_name, name, actor=actor)
    )
    return _tokens_page(request, made=(token_id, name or "token", token))


async def revoke_token(request: Request) -> Response:
    """POST /app/account/tokens/{id}/revoke: one of my tokens stops working at once."""
    actor = token_owner(request)
    await _posted(request)
    token_id = request.path_params["id"]
    auth = services(request).auth
    mine = {t["id"] for t in auth.list_tokens(actor.user_name) if not t.get("revoked")}
    if token_id not in mine:
        raise NotFound("No token with id {token_id}", token_id=token_id)
    await run_write(request, lambda: auth.revoke_token(token_id, actor=actor))
    return RedirectResponse(f"{ACCOUNT}/tokens?revoked=1", status_code=303)


# -- webhooks: list and form ------------------------------------------------------------
async def webhooks(request: Request) -> Response:
    """/app/account/webhooks: my webhooks (also an admin's: only their own)."""
    actor = current_user(request)
    svc = services(request)
    page = page_number(request)
    rows, total = svc.webhooks.page(actor, (page - 1) * PAGE_SIZE, PAGE_SIZE, mine=True)
    return render(
        request,
        "account/webhooks.html",
        models=menu_models(svc, actor),
        webhooks=rows,
        total=total,
        page=page,
        pages=page_count(total),
        base=f"{ACCOUNT}/webhooks",
        owners={},
        admin_list=False,
        when=when,
        model_label=model_label(request),
        type_labels=TYPE_LABELS,
    )


def _form_page(
    request: Request,
    form: WebhookForm,
    *,
    webhook: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    actor = current_user(request)
    svc = services(request)
    models = menu_models(svc, actor)
    model = _model_of(request, form.model)
    return render(
        request,
        "account/webhook_form.html",
        status=status,
        models=models,
        form=form.with_blank_row(),
        webhook=webhook,
        fields=filter_fields(model) if model is not None else [],
        errors=errors or {},
        message=message,
        **choices(),
    )


def _model_of(request: Request, name: str) -> Model | None:
    """The model a form names, if the user may list it (the fields the editor offers)."""
    try:
        return page_model(services(request), current_user(request), name)
    except AmityError:
        return None


async def new_webhook(request: Request) -> Response:
    """/app/account/webhooks/new: the form with the filter editor."""
    current_user(request)
    model = request.query_params.get("model", "")
    return _form_page(request, WebhookForm(model=model) if model else WebhookForm())


async def create_webhook(request: Request) -> Response:
    """POST /app/account/webhooks/new: save (the secret is shown once, on the page that
    follows), or add a row to the filter editor."""
    actor = current_user(request)
    posted = await _posted(request)
    form = posted_form(posted)
    if form_text(posted.get("action")) == "add":
        return _form_page(request, form)
    hooks = services(request).webhooks
    try:
        body = await _prepared(request, form)
        row, secret = await run_write(request, lambda: hooks.create(actor, body))
    except (AmityError, FilterText) as exc:
        return _rejected(request, form, exc)
    return detail_page(request, row, secret=secret, notice="created")


async def edit_webhook(request: Request) -> Response:
    """/app/account/webhooks/{id}/edit: the webhook in its form."""
    actor = current_user(request)
    row = services(request).webhooks.get(actor, request.path_params["id"])
    return _form_page(request, form_of(row), webhook=row)


async def update_webhook(request: Request) -> Response:
    """POST /app/account/webhooks/{id}/edit: save the changes (or add a filter row)."""
    actor = current_user(request)
    hooks = services(request).webhooks
    row = hooks.get(actor, request.path_params["id"])
    posted = await _posted(request)
    form = posted_form(posted)
    if form_text(posted.get("action")) == "add":
        return _form_page(request, form, webhook=row)
    try:
        body = await _prepared(request, form)
        if "filters" not in body:  # no conditions: every write of the model
            body["filters"] = {"glue": form.glue, "conditions": []}
        await run_write(request, lambda: hooks.update(actor, row["id"], body))
    except (AmityError, FilterText) as exc:
        return _rejected(request, form, exc, webhook=row)
    return RedirectResponse(f"{ACCOUNT}/webhooks/{row['id']}?done=saved", status_code=303)


async def _prepared(request: Request, form: WebhookForm) -> dict[str, Any]:
    """The webhook body, its URL checked in a worker thread (the check resolves the host)."""
    body = webhook_body(form, _model_of(request, form.model))
    prepared: dict[str, Any] = await anyio.to_thread.run_sync(
        services(request).webhooks.prepare, body
    )
    return prepared


def _rejected(
    request: Request,
    form: WebhookForm,
    exc: AmityError | FilterText,
    webhook: dict[str, Any] | None = None,
) -> Response:
    """The form again as typed, the server's message beside the input it is about."""
    labels = Labels(request)
    if isinstance(exc, FilterText):
        text = labels.ui("The filter is not valid JSON: {reason}", reason=str(exc))
        return _form_page(request, form, webhook=webhook, errors={"filters": text}, status=400)
    if isinstance(exc, NotFound) and not exc.message_id.startswith("Model "):
        raise exc  # the webhook itself is gone
    text = labels.message(exc.message_id, exc.params)
    if exc.hint_id:
        text = f"{text} ({labels.message(exc.hint_id, exc.params)})"
    place = error_place(exc, form)
    status = exc.status if 400 <= exc.status < 500 else 400
    if place is None:
        return _form_page(request, form, webhook=webhook, message=text, status=status)
    return _form_page(request, form, webhook=webhook, errors={place: text}, status=status)


async def webhook_fields(request: Request) -> Response:
    """GET /app/account/webhook-fields?model=: the fields a filter on the model may test
    (the filter editor's field list when the model changes)."""
    actor = current_user(request)
    labels = Labels(request)
    model = page_model(services(request), actor, request.query_params.get("model", ""))
    return JSONResponse(
        [
            {"name": fd.name, "label": labels.field(fd), "kind": kind}
            for fd, kind in filter_fields(model)
        ]
    )


# -- webhooks: one webhook ----------------------------------------------------------------
async def webhook(request: Request) -> Response:
    """/app/account/webhooks/{id}: the webhook, its filter and its delivery log."""
    actor = current_user(request)
    row = services(request).webhooks.get(actor, request.path_params["id"])
    return detail_page(request, row, notice=request.query_params.get("done", ""))


def detail_page(
    request: Request,
    row: dict[str, Any],
    *,
    secret: str = "",
    notice: str = "",
    admin: bool = False,
) -> Response:
    actor = current_user(request)
    svc = services(request)
    page = page_number(request)
    deliveries, total = svc.webhooks.deliveries(actor, row["id"], (page - 1) * PAGE_SIZE, PAGE_SIZE)
    owner = svc.auth.user_by_id(str(row["assigned_user_id"]))
    base = "/app/admin/webhooks" if admin else f"{ACCOUNT}/webhooks"
    return render(
        request,
        "account/webhook.html",
        models=menu_models(svc, actor),
        webhook=row,
        filter_text=_pretty(row["filters"]),
        owner=owner["user_name"] if owner else "",
        deliveries=deliveries,
        total=total,
        page=page,
        pages=page_count(total),
        secret=secret,
        notice=notice,
        actions=f"{ACCOUNT}/webhooks/{row['id']}",
        back=base,
        here=f"{base}/{row['id']}",
        admin_view=admin,
        when=when,
        model_label=model_label(request),
        **choices(),
    )


def _pretty(stored: str) -> str:
    return orjson.dumps(orjson.loads(stored), option=orjson.OPT_INDENT_2).decode()


def _back(request: Request, form: FormData, webhook_id: str, done: str) -> RedirectResponse:
    """After an action: the page it was taken on (mine or the admin console's)."""
    target = form_text(form.get("back"))
    allowed = (f"{ACCOUNT}/webhooks/{webhook_id}", f"/app/admin/webhooks/{webhook_id}")
    if target not in allowed:
        target = allowed[0]
    return RedirectResponse(f"{target}?done={done}", status_code=303)


async def rotate_secret(request: Request) -> Response:
    """POST /app/account/webhooks/{id}/rotate: a new secret, shown once; for 24 hours
    deliveries are signed with the old one too."""
    actor = current_user(request)
    form = await _posted(request)
    hooks = services(request).webhooks
    webhook_id = request.path_params["id"]
    row, secret = await run_write(request, lambda: hooks.rotate_secret(actor, webhook_id))
    admin = form_text(form.get("back")).startswith("/app/admin/")
    return detail_page(request, row, secret=secret, notice="rotated", admin=admin)


async def pause(request: Request) -> Response:
    """POST /app/account/webhooks/{id}/pause: no deliveries until resumed."""
    return await _switch(request, True)


async def resume(request: Request) -> Response:
    """POST /app/account/webhooks/{id}/resume: deliver again."""
    return await _switch(request, False)


async def _switch(request: Request, disabled: bool) -> Response:
    actor = current_user(request)
    form = await _posted(request)
    hooks = services(request).webhooks
    webhook_id = request.path_params["id"]
    await run_write(request, lambda: hooks.update(actor, webhook_id, {"disabled": disabled}))
    return _back(request, form, webhook_id, "paused" if disabled else "resumed")


async def delete_confirm(request: Request) -> Response:
    """GET /app/account/webhooks/{id}/delete: are you sure?"""
    actor = current_user(request)
    svc = services(request)
    row = svc.webhooks.get(actor, request.path_params["id"])
    return render(
        request, "account/webhook_delete.html", models=menu_models(svc, actor), webhook=row
    )


async def delete_webhook(request: Request) -> Response:
    """POST /app/account/webhooks/{id}/delete: the webhook, its queue and its log go."""
    actor = current_user(request)
    await _posted(request)
    hooks = services(request).webhooks
    webhook_id = request.path_params["id"]
    await run_write(request, lambda: hooks.delete(actor, webhook_id))
    return RedirectResponse(f"{ACCOUNT}/webhooks", status_code=303)


async def replay(request: Request) -> Response:
    """POST /app/account/webhooks/{id}/deliveries/{delivery_id}/replay: send the logged
    message again (the same webhook-id)."""
    actor = current_user(request)
    form = await _posted(request)
    hooks = services(request).webhooks
    webhook_id, delivery_id = request.path_params["id"], request.path_params["delivery_id"]
    await run_write(request, lambda: hooks.replay(actor, webhook_id, delivery_id))
    return _back(request, form, webhook_id, "replayed")


GET, POST = ["GET"], ["POST"]
HOOK = f"{ACCOUNT}/webhooks/{{id}}"
routes: list[BaseRoute] = [
    Route(ACCOUNT, account, methods=GET),
    Route(f"{ACCOUNT}/tokens", tokens, methods=GET),
    Route(f"{ACCOUNT}/tokens", create_token, methods=POST),
    Route(f"{ACCOUNT}/tokens/{{id}}/revoke", revoke_token, methods=POST),
    Route(f"{ACCOUNT}/webhook-fields", webhook_fields, methods=GET),
    Route(f"{ACCOUNT}/webhooks", webhooks, methods=GET),
    Route(f"{ACCOUNT}/webhooks/new", new_webhook, methods=GET),
    Route(f"{ACCOUNT}/webhooks/new", create_webhook, methods=POST),
    Route(HOOK, webhook, methods=GET),
    Route(f"{HOOK}/edit", edit_webhook, methods=GET),
    Route(f"{HOOK}/edit", update_webhook, methods=POST),
    Route(f"{HOOK}/rotate", rotate_secret, methods=POST),
    Route(f"{HOOK}/pause", pause, methods=POST),
    Route(f"{HOOK}/resume", resume, methods=POST),
    Route(f"{HOOK}/delete", delete_confirm, methods=GET),
    Route(f"{HOOK}/delete", delete_webhook, methods=POST),
    Route(f"{HOOK}/deliveries/{{delivery_id}}/replay", replay, methods=POST),
]
