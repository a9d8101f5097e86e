"""The 1CRM query parameters of the /data read routes, declared per route in one place
(`KNOWN_PARAMS`), and the list parameters (`fields`, `filter_text`, `filters`, `order`,
`offset`, `limit`, `query_favorite`, and beyond 1CRM `cursor`) parsed into the records
service's neutral query.

A parameter a route does not know is a 400 naming it, never silently ignored: a misspelt
`filter` or a `page` would otherwise answer as if it had not been sent."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from amity.api.context import services
from amity.api.params import bool_param, dict_param, int_param, list_param, parse_query, str_param
from amity.core.actor import Actor
from amity.core.filters import filter_conditions, parse_order
from amity.core.records import ListQuery
from amity.errors import BadRequest

# The list parameters 1CRM documents for its record lists, plus those Amity documents
# beyond it (query_favorite on related and linked lists, filters and filter_text on
# linked lists): the same list query is parsed for all three.
LIST_PARAMS = frozenset(
    {"fields", "filter_text", "filters", "order", "offset", "limit", "query_favorite", "cursor"}
)

# Route kind -> the query parameters it takes (bracket forms like fields[] or
# filters[x] are known by their name before the bracket).
KNOWN_PARAMS: dict[str, frozenset[str]] = {
    "list": LIST_PARAMS,
    "get": frozenset({"fields"}),
    "related": LIST_PARAMS,
    "linked": LIST_PARAMS,
}


def query_params(request: Request, route: str | None = None) -> dict[str, Any]:
    """The request's query parameters; with a `route` kind of `KNOWN_PARAMS`, 400 for the
    first one that route does not take."""
    params = parse_query(request.scope["query_string"])
    if route is not None:
        check_params(params, route)
    return params


def check_params(params: dict[str, Any], route: str) -> None:
    """400 naming the first of `params` that the `route` kind does not take."""
    known = KNOWN_PARAMS[route]
    for name in params:
        if name not in known:
            raise BadRequest(
                "Unknown parameter {parameter}",
                "this endpoint takes: {known}",
                parameter=name,
                known=", ".join(sorted(known)),
            )


def list_query(request: Request, actor: Actor, model_name: str, route: str = "list") -> ListQuery:
    """The list query of a request on `model_name` (the model whose records are listed),
    checked against its metadata; 400 naming what it lacks, or a parameter that `route`
    (a kind of `KNOWN_PARAMS`) does not take."""
    params = query_params(request)
    svc = services(request)
    model = svc.records.model(model_name)
    svc.records.policy.check(actor, model, "list")  # a forbidden model: 403 before its 400s
    check_params(params, route)
    fields = list_param(params, "fields")
    search = str_param(params, "filter_text")
    filters = dict_param(params, "filters")
    order = str_param(params, "order")
    offset, limit = int_param(params, "offset", 0), int_param(params, "limit", 20)
    favorites = bool_param(params, "query_favorite")
    cursor = str_param(params, "cursor")
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
        keyset=True,
        cursor=cursor,
    )
