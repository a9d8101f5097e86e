"""Admin console pages for operating Amity: the API call log, background jobs and every
user's webhooks. Administrators only (the services check it; anyone else gets 404, as
for every page the rules deny)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from amity.api.context import run_write, services
from amity.core.actor import ensure_admin
from amity.core.apilog import CallFilter
from amity.errors import AmityError
from amity.store.jobs import STATES
from amity.web.filter_editor import TYPE_LABELS
from amity.web.models import menu_models
from amity.web.pages import Labels, render
from amity.web.session import check_csrf, current_user
from amity.web.views.account import (
    detail_page,
    form_text,
    model_label,
    page_count,
    page_number,
    when,
)

PAGE_SIZE = 50
CALL_FILTERS = ("user", "status", "path", "method")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _pager(base: str, kept: dict[str, str]) -> Any:
    def link(page: int) -> str:
        params = {k: v for k, v in {**kept, "page": str(page)}.items() if v}
        return f"{base}?{urlencode(params)}"

    return link


# -- the API call log -----------------------------------------------------------------
async def api_calls(request: Request) -> Response:
    """/app/admin/api-calls: the logged API calls, newest first, by user, status, method
    and path (its start)."""
    actor = current_user(request)
    svc = services(request)
    params = request.query_params
    values = {name: params.get(name, "").strip() for name in CALL_FILTERS}
    errors: dict[str, str] = {}
    status: int | None = None
    if values["status"]:
        try:
            status = int(values["status"])
        except ValueError:
            errors["status"] = Labels(request).ui("Enter a status code such as 404.")
    method = values["method"].upper()
    where = CallFilter(
        user_name=values["user"] or None,
        status=status,
        path=values["path"] or None,
        method=method if method in METHODS else None,
    )
    page = page_number(request)
    calls, total = svc.api_log.list_calls(actor, where, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return render(
        request,
        "ops/api_calls.html",
        status=400 if errors else 200,
        models=menu_models(svc, actor),
        calls=calls,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        values=values,
        errors=errors,
        methods=METHODS,
        link=_pager("/app/admin/api-calls", values),
    )


# -- jobs -------------------------------------------------------------------------------
async def jobs(request: Request) -> Response:
    """/app/admin/jobs: background jobs newest first, by state; retry and cancel."""
    return _jobs_page(request)


def _jobs_page(request: Request, message: str = "", status: int = 200) -> Response:
    actor = current_user(request)
    svc = services(request)
    state = request.query_params.get("state", "")
    page = page_number(request)
    rows, total = svc.jobs.list_jobs(
        actor,
        state=state if state in STATES else None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "ops/jobs.html",
        status=status,
        models=menu_models(svc, actor),
        jobs=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        state=state if state in STATES else "",
        states=STATES,
        message=message,
        done=request.query_params.get("done", ""),
        link=_pager("/app/admin/jobs", {"state": state if state in STATES else ""}),
    )


async def retry_job(request: Request) -> Response:
    """POST /app/admin/jobs/{id}/retry: run a failed or cancelled job again now."""
    return await _job_action(request, "retry")


async def cancel_job(request: Request) -> Response:
    """POST /app/admin/jobs/{id}/cancel: a job that waits to run will not."""
    return await _job_action(request, "cancel")


async def _job_action(request: Request, action: str) -> Response:
    actor = current_user(request)
    form = await request.form()
    check_csrf(request, form_text(form.get("csrf_token")))
    jobs_service = services(request).jobs
    job_id = request.path_params["id"]
    state = form_text(form.get("state"))
    try:
        if action == "retry":
            await run_write(request, lambda: jobs_service.retry(actor, job_id))
        else:
            await run_write(request, lambda: jobs_service.cancel(actor, job_id))
    except AmityError as exc:
        if exc.status == 409:  # the job moved on meanwhile: the list again, saying so
            labels = Labels(request)
            return _jobs_page(request, labels.message(exc.message_id, exc.params), 409)
        raise
    query = urlencode({k: v for k, v in {"state": state, "done": action}.items() if v})
    return RedirectResponse(f"/app/admin/jobs?{query}", status_code=303)


# -- every user's webhooks --------------------------------------------------------------
async def webhooks(request: Request) -> Response:
    """/app/admin/webhooks: every user's webhooks, with their owners."""
    actor = current_user(request)
    svc = services(request)
    page = page_number(request)
    rows, total = svc.webhooks.page(actor, (page - 1) * 20, 20, mine=False)
    owners = {}
    for row in rows:
        user = svc.auth.user_by_id(str(row["assigned_user_id"]))
        owners[row["assigned_user_id"]] = user["user_name"] if user else ""
    return render(
        request,
        "account/webhooks.html",
        models=menu_models(svc, actor),
        webhooks=rows,
        total=total,
        page=page,
        pages=page_count(total),
        base="/app/admin/webhooks",
        owners=owners,
        admin_list=True,
        when=when,
        model_label=model_label(request),
        type_labels=TYPE_LABELS,
    )


async def webhook(request: Request) -> Response:
    """/app/admin/webhooks/{id}: any user's webhook and its delivery log."""
    actor = current_user(request)
    ensure_admin(actor, "every user's webhooks")
    row = services(request).webhooks.get(actor, request.path_params["id"])
    return detail_page(request, row, notice=request.query_params.get("done", ""), admin=True)


GET, POST = ["GET"], ["POST"]
routes: list[BaseRoute] = [
    Route("/app/admin/api-calls", api_calls, methods=GET),
    Route("/app/admin/jobs", jobs, methods=GET),
    Route("/app/admin/jobs/{id}/retry", retry_job, methods=POST),
    Route("/app/admin/jobs/{id}/cancel", cancel_job, methods=POST),
    Route("/app/admin/webhooks", webhooks, methods=GET),
    Route("/app/admin/webhooks/{id}", webhook, methods=GET),
]
