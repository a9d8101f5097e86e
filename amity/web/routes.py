"""The dashboard's routes, all under /app: fixed pages first, then the pages of a model."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from amity.web.views import (
    account,
    admin,
    auth,
    calendar,
    detail,
    home,
    lists,
    ops,
    records,
    sales,
)

GET, POST = ["GET"], ["POST"]

routes: list[BaseRoute] = [
    Route("/app", home.home, methods=GET),
    Route("/app/login", auth.login_page, methods=GET),
    Route("/app/login", auth.login, methods=POST),
    Route("/app/logout", auth.logout, methods=POST),
    Route("/app/password", auth.password_page, methods=GET),
    Route("/app/password", auth.change_password, methods=POST),
    Mount("/app/static", app=StaticFiles(packages=[("amity.web", "static")]), name="web-static"),
    *account.routes,
    *ops.routes,
    *admin.routes,
    Route("/app/lookup/{model}", records.lookup, methods=GET),
    *detail.routes,
    *lists.routes,
    *calendar.routes,
    *sales.routes,
    Route("/app/{model}", records.list_view, methods=GET),
    Route("/app/{model}/new", records.new_form, methods=GET),
    Route("/app/{model}/new", records.create, methods=POST),
    Route("/app/{model}/{id}", records.detail_view, methods=GET),
    Route("/app/{model}/{id}/edit", records.edit_form, methods=GET),
    Route("/app/{model}/{id}/edit", records.update, methods=POST),
    Route("/app/{model}/{id}/delete", records.delete_confirm, methods=GET),
    Route("/app/{model}/{id}/delete", records.delete, methods=POST),
]
