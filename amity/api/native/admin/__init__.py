"""/admin/...: what administrators manage, one module per path (/admin/fields is
fields.py)."""

from __future__ import annotations

from amity.api.native.admin import (
    api_calls,
    clients,
    dependencies,
    fields,
    jobs,
    layouts,
    metadata,
    models,
    rate_limits,
    roles,
    schema,
    teams,
)

routes = [
    *api_calls.routes,
    *clients.routes,
    *dependencies.routes,
    *fields.routes,
    *jobs.routes,
    *layouts.routes,
    *metadata.routes,
    *models.routes,
    *rate_limits.routes,
    *roles.routes,
    *schema.routes,
    *teams.routes,
]
