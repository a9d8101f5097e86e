"""The native 1CRM dialect: one module per path, so a path finds its module.

`/data/...` is data.py, `/session` session.py, `/auth/...` auth.py; `/admin/X` is
admin/X.py and `/meta/X` meta/X.py (the list, detail and sub-panel views: meta/views.py).
docs/architecture.md has the whole table.
"""
