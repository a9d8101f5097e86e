"""Neutral list queries for tests that call the records service directly."""

from __future__ import annotations

from typing import Any

from amity.core.actor import Actor
from amity.core.filters import filter_conditions, parse_order
from amity.core.records import ListQuery
from amity.core.services import Services


def filtered(
    services: Services,
    actor: Actor,
    model: str,
    filters: dict[str, Any] | None = None,
    order: str | None = None,
    **rest: Any,
) -> ListQuery:
    """A ListQuery of a filter set and an order spec, as the 1CRM adapter builds it."""
    meta = services.records.model(model)
    return ListQuery(
        conditions=filter_conditions(meta, actor, filters=filters),
        order=parse_order(meta, order),
        **rest,
    )
