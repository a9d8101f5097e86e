"""The App CRM dialect (seed 003), mounted at /api: resources by plural model name with
flat JSON payloads, bearer personal access tokens, Laravel-style paging and errors.

OpenCRM's /api/rest lies inside this prefix and belongs to that dialect (the longest
prefix owns a path): the routes here are listed after every other dialect's."""

from __future__ import annotations

from amity.api.appcrm.custom_fields import routes as custom_field_routes
from amity.api.appcrm.errors import render_error
from amity.api.appcrm.resources import routes as resource_routes
from amity.api.appcrm.tokens import routes as token_routes
from amity.api.dialects import Dialect

PREFIX = "/api"

DIALECT = Dialect(name="appcrm", prefix=PREFIX, render_error=render_error)

# tokens and custom fields first: a resource route would take their paths for a plural
routes = [*token_routes, *custom_field_routes, *resource_routes]
