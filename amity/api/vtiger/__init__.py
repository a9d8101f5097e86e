"""The Vtiger RestfulApi dialect (seed 002), mounted at /modules/RestfulApi: log in for a
token (password or access key), then modules by their Vtiger names with Vtiger field names,
every call in two URL forms (path segments, or index.php with query parameters)."""

from __future__ import annotations

from amity.api.dialects import Dialect
from amity.api.vtiger.auth import authenticate
from amity.api.vtiger.calls import PREFIX
from amity.api.vtiger.errors import render_error
from amity.api.vtiger.resources import routes

DIALECT = Dialect(
    name="vtiger", prefix=PREFIX, render_error=render_error, authenticate=authenticate
)

__all__ = ["DIALECT", "routes"]
