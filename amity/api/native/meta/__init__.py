"""/meta/...: the 1CRM metadata endpoints, one module per path (/meta/fields is fields.py;
the list, detail and sub-panel views are views.py)."""

from __future__ import annotations

from amity.api.native.meta import dependencies, fields, locale, modules, views

routes = [*fields.routes, *locale.routes, *modules.routes, *views.routes, *dependencies.routes]
