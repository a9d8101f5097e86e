"""The 1CRM list parameters of a request (`fields`, `filter_text`, `filters`, `order`,
`offset`, `limit`, `query_favorite`) parsed into the records service's neutral query."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from amity.api.context import services
from amity.api.params import bool_param, dict_param, int_param, list_param, parse_query, str_param
from amity.core.actor import Actor
from amity.core.filters import filter_conditions, parse_order
from amity.core.records import ListQuery


def query_params(request: Request) -> dict[str, Any]:
    return parse_query(request.scope["query_string"])


def list_query(request: Request, actor: Actor, model_name: str) -> ListQuery:
    """The list query of a request on `model_name` (the model whose records are listed),
    checked against its metadata; 400 naming what it lacks."""
    params = query_params(request)
    svc = services(request)
    model = svc.records.model(model_name)
    svc.records.policy.check(actor, model, "list")  # a forbidden model: 403 before its 400s
    fields = list_param(params, "fields")
    search = str_param(params, "filter_text")
    filters = dict_param(params, "filters")
    order = str_param(params, "order")
    offset, limit = int_param(params, "offset", 0), int_param(params, "limit", 20)
    favorites = bool_param(params, "query_favorite")
    conditions = filter_conditions(
        model,
        actor,
        search=search,
        filters=filters,
        fiscal_start_month=svc.settings.fiscal_year_start_month,
    )
    return ListQuery(
        fields=fields,
        conditions=conditions,
        order=parse_order(model, order),
        offset=offset,
        limit=limit,
        favorites=favorites,
    )
