"""The OpenCRM dialect (seed 004), mounted at /api/rest (inside App CRM's /api: the
longer prefix owns it): end points per entity, API key pairs or a login access key, and
the date overrides in the path. docs/opencrm.md describes the wire."""

from __future__ import annotations

from amity.api.dialects import Dialect
from amity.api.opencrm.auth import authenticate
from amity.api.opencrm.endpoints import PREFIX, routes
from amity.api.opencrm.errors import render_error

DIALECT = Dialect(
    name="opencrm", prefix=PREFIX, render_error=render_error, authenticate=authenticate
)

__all__ = ["DIALECT", "routes"]
