"""The admin console under /app/admin (administrators only: for anyone else every page
and action is missing, 404): users, roles and teams, OAuth API clients, custom fields and
models, layouts and picklist dependencies."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from amity.web.views.admin import access, clients, fields, layouts, users
from amity.web.views.admin.common import admin_actor, page

GET, POST = ["GET"], ["POST"]


async def index(request: Request) -> Response:
    """GET /app/admin: links to every admin page."""
    admin_actor(request, "the admin console")
    return page(
        request,
        "admin/index.html",
    )


routes: list[BaseRoute] = [
    Route("/app/admin", index, methods=GET),
    Route("/app/admin/users", users.users_page, methods=GET),
    Route("/app/admin/users", users.add_user, methods=POST),
    Route("/app/admin/users/{user}", users.user_page, methods=GET),
    Route("/app/admin/users/{user}/active", users.set_active, methods=POST),
    Route("/app/admin/users/{user}/password", users.reset_password, methods=POST),
    Route("/app/admin/users/{user}/role", users.set_role, methods=POST),
    Route("/app/admin/roles", access.roles_page, methods=GET),
    Route("/app/admin/roles", access.add_role, methods=POST),
    Route("/app/admin/roles/{role}", access.role_page, methods=GET),
    Route("/app/admin/roles/{role}", access.save_role, methods=POST),
    Route("/app/admin/roles/{role}/users", access.assign_role, methods=POST),
    Route("/app/admin/roles/{role}/delete", access.remove_role, methods=POST),
    Route("/app/admin/teams", access.teams_page, methods=GET),
    Route("/app/admin/teams", access.add_team, methods=POST),
    Route("/app/admin/teams/{team}", access.team_page, methods=GET),
    Route("/app/admin/teams/{team}/members", access.add_members, methods=POST),
    Route("/app/admin/teams/{team}/members/{user}/delete", access.remove_member, methods=POST),
    Route("/app/admin/teams/{team}/delete", access.remove_team, methods=POST),
    Route("/app/admin/clients", clients.clients_page, methods=GET),
    Route("/app/admin/clients", clients.add_client, methods=POST),
    Route("/app/admin/clients/{client_id}/delete", clients.remove_client, methods=POST),
    Route("/app/admin/fields", fields.models_index, methods=GET),
    Route("/app/admin/fields/{model}", fields.fields_page, methods=GET),
    Route("/app/admin/fields/{model}", fields.add_field, methods=POST),
    Route("/app/admin/fields/{model}/{name}/delete", fields.remove_field, methods=POST),
    Route("/app/admin/models", fields.models_page, methods=GET),
    Route("/app/admin/models", fields.add_model, methods=POST),
    Route("/app/admin/models/{model}/delete", fields.remove_model, methods=POST),
    Route("/app/admin/layouts", fields.models_index, methods=GET),
    Route("/app/admin/layouts/{model}", layouts.layouts_page, methods=GET),
    Route("/app/admin/layouts/{model}/{view}", layouts.save_layout, methods=POST),
    Route("/app/admin/layouts/{model}/{view}/reset", layouts.reset_layout, methods=POST),
    Route("/app/admin/dependencies/{model}", layouts.dependencies_page, methods=GET),
    Route("/app/admin/dependencies/{model}", layouts.save_dependency, methods=POST),
    Route(
        "/app/admin/dependencies/{model}/{field}/delete", layouts.remove_dependency, methods=POST
    ),
]
