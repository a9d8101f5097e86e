"""The App CRM dialect (seed 003), mounted at /api: resources by plural model name with
flat JSON payloads, bearer personal access tokens, Laravel-style paging and errors.

OpenCRM's /api/rest lies inside this prefix and belongs to that dialect (the longest
prefix owns a path): the routes here are listed after every other dialect's."""

from __future__ import annotations

from amity.api.appcrm.errors import render_error
from amity.api.appcrm.resources import routes as resource_routes
from amity.api.appcrm.tokens import routes as token_routes
from amity.api.dialects import Dialect

PREFIX = "/api"

DIALECT = Dialect(name="appcrm", prefix=PREFIX, render_error=render_error)

# tokens first: a resource route would take /api/tokens for a model's plural
routes = [*token_routes, *resource_routes]
