"""/meta: model metadata (field and filter definitions)."""

from __future__ import annotations

from typing import Any

from amity_client._core import Call, as_dict, path


def fields_call(model: str) -> Call[dict[str, Any]]:
    """GET /meta/fields/{model} -> {"fields": {...}, "filters": {...}}."""
    return Call("GET", path("meta", "fields", model), as_dict)
