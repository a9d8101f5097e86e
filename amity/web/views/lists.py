"""Record lists: the list layout's filters (each as the input its kind needs), search,
sort, paging, favorites (the star and "favorites only") and the CSV export of a list.

A list's URL holds its filters as the core filter set reads them (amity/core/filters.py):
`name` and, for date and number filters, `name-operator`, `name-end` and `name-period`;
multi-valued filters repeat their name. The export link carries the same query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from amity.api.context import run_write, services
from amity.core.actor import Actor
from amity.core.favorites import favorites_condition, is_favorite, toggle_favorite
from amity.core.files.kinds import disposition
from amity.core.filters import (
    COMPANIONS,
    NUMBER_OPERATORS,
    filter_conditions,
    order_key,
    parse_order,
)
from amity.core.layouts import DEFAULT
from amity.core.recent import is_latest_view, record_view
from amity.core.records import ListQuery
from amity.core.reports.execute import layout_of, report_rows
from amity.core.reports.export import csv_chunks
from amity.core.reports.reader_dates import ReaderDates
from amity.core.reports.spec import ReportSpec
from amity.core.services import Services
from amity.errors import AmityError, BadRequest
from amity.schema.model import Filter, Model
from amity.store import conditions as c
from amity.web.models import menu_models, page_model
from amity.web.pages import SECURITY_HEADERS, Labels, render
from amity.web.session import check_csrf, current_user

PAGE_SIZE = 20
LIST_PARAMS = ("filter_text", "order", "dir", "page", "favorites", "layout")
MULTI_KINDS = frozenset({"multienum", "option_set"})
# operators that compare with the value typed beside them: without one, no filter
NEEDS_VALUE = frozenset(
    {"on_date", "not_on_date", "before_date", "after_date", "between_dates"}
    | (set(NUMBER_OPERATORS) - {"empty", "not_empty"})
)
INPUT_KINDS = {
    "text": "text",
    "any_email": "text",
    "id": "text",
    "enum": "select",
    "option": "select",
    "owner": "select",
    "multienum": "multi",
    "option_set": "multi",
    "bool": "bool",
    "number": "number",
    "date": "date",
    "ref": "ref",
}


@dataclass
class FilterInput:
    """One filter of the list form: its filter, the input it needs and what is set."""

    filter: Filter
    kind: str  # text, select, multi, bool, number, date, ref
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    value: str = ""
    values: list[str] = field(default_factory=list)  # a multi filter's picked values
    operator: str = ""
    end: str = ""
    period: str = ""

    @property
    def name(self) -> str:
        return self.filter.name


@dataclass
class ListRequest:
    """What a list's URL asks for."""

    model: Model
    layout: dict[str, Any]  # the list layout: its columns and filters
    layouts: list[str]  # the names of the model's list layouts
    inputs: list[FilterInput]
    filters: dict[str, Any]  # the filter set, as amity.core.filters reads it
    search: str
    order: str
    descending: bool
    page: int
    favorites_only: bool
    kept: list[tuple[str, str]]  # the query's parameters a link to another page keeps

    def url(self, base: str, **changes: Any) -> str:
        """`base` with the kept parameters, `changes` put in (an empty value drops one)."""
        pairs = [(k, v) for k, v in self.kept if k not in changes]
        pairs += [(k, str(v)) for k, v in changes.items() if str(v) != ""]
        return base + (f"?{urlencode(pairs)}" if pairs else "")

    def conditions(self, svc: Services, actor: Actor) -> list[c.Condition]:
        """The list's conditions (400 naming a bad filter value)."""
        out = filter_conditions(
            self.model,
            actor,
            search=self.search,
            filters=self.filters,
            fiscal_start_month=svc.settings.fiscal_year_start_month,
        )
        if self.favorites_only:
            out.append(favorites_condition(svc.records, actor, self.model.name))
        return out

    def order_keys(self) -> list[c.OrderKey]:
        """The order asked for, else the layout's (400 naming an unknown field)."""
        if self.order:
            return [order_key(self.model, self.order, self.descending)]
        return parse_order(self.model, self.order_spec())

    def order_spec(self) -> str | None:
        """The order as a report spells it."""
        if not self.order:
            chosen = self.layout.get("order_by")
            return chosen if isinstance(chosen, str) and chosen else None
        return f"{self.order} desc" if self.descending else self.order


def list_request(request: Request, svc: Services, actor: Actor, model: Model) -> ListRequest:
    """The list's filters, search, order and page from the query of `request`."""
    params = request.query_params
    layout_name = params.get("layout") or None
    if layout_name is None:
        choice = svc.layouts.list_choice(actor, model.name).get("layout")
        layout_name = choice if isinstance(choice, str) else None
    layouts = svc.layouts.layouts(actor, model.name, "list")
    layout = layouts.get(layout_name or DEFAULT)
    if layout is None:
        if params.get("layout"):
            raise BadRequest(
                "No list layout {layout!r} for {model}", layout=layout_name, model=model.name
            )
        layout = layouts[DEFAULT]
    labels = Labels(request)
    inputs: list[FilterInput] = []
    filters: dict[str, Any] = {}
    names: set[str] = set()
    for name in layout["filters"]:
        flt = model.filters.get(name)
        kind = INPUT_KINDS.get(flt.kind, "") if flt is not None else ""
        if flt is None or not kind or name in names or (flt.kind == "ref" and not flt.ref_model):
            continue
        names.add(name)
        item = FilterInput(flt, kind, options=_options(flt, labels))
        if kind == "multi":
            item.values = [v for v in params.getlist(name) if v != ""]
            if item.values:
                filters[name] = item.values
        else:
            item.value = params.get(name, "").strip()
        if flt.kind in ("date", "number"):
            item.operator = params.get(f"{name}-operator", "")
            item.end = params.get(f"{name}-end", "").strip()
            item.period = params.get(f"{name}-period", "")
            needs_value = item.operator in NEEDS_VALUE or not item.operator
            if item.value or not needs_value:
                for key, given in (
                    (name, item.value),
                    (f"{name}-operator", item.operator),
                    (f"{name}-end", item.end),
                    (f"{name}-period", item.period),
                ):
                    if given:
                        filters[key] = given
        elif kind != "multi" and item.value:
            filters[name] = item.value
        inputs.append(item)
    kept_names = set(LIST_PARAMS) | {n + s for n in names for s in ("", *COMPANIONS)}
    return ListRequest(
        model=model,
        layout=layout,
        layouts=list(layouts),
        inputs=inputs,
        filters=filters,
        search=params.get("filter_text", "").strip(),
        order=params.get("order", ""),
        descending=params.get("dir") == "desc",
        page=max(1, _int(params.get("page"), 1)),
        favorites_only=params.get("favorites") == "1",
        kept=[(k, v) for k, v in params.multi_items() if k in kept_names and v != ""],
    )


def _options(flt: Filter, labels: Labels) -> list[tuple[str, str]]:
    if flt.kind == "owner":
        return [
            ("all", labels.ui("All")),
            ("mine", labels.ui("Mine")),
            ("not_mine", labels.ui("Not mine")),
        ]
    if flt.choices:
        return [(str(ch.id), labels.option(ch.label)) for ch in flt.choices if not ch.retired]
    return [(option, labels.option(option)) for option in flt.options]


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def shown_fields(model: Model, columns: list[str]) -> list[str]:
    """What a list reads: the layout's columns, the id and name, and the id behind each ref
    column (its link)."""
    out = ["id", *(n for n in ("name",) if n in model.fields)]
    for name in columns:
        fd = model.fields.get(name)
        if fd is None:
            continue
        out.append(name)
        if fd.type == "ref" and fd.id_name and fd.id_name in model.fields:
            out.append(fd.id_name)
    return list(dict.fromkeys(out))


async def list_view(request: Request) -> Response:
    """/app/{model}: the list layout's columns, its filters, search, sort and paging; a bad
    filter value shows the list again with the message (status 400), as typed."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    wanted = list_request(request, svc, actor, model)
    layout = wanted.layout
    base = f"/app/{model.name}"
    records: list[dict[str, Any]] = []
    total, message, status = 0, "", 200
    try:
        found = svc.records.list_records(
            actor,
            model.name,
            ListQuery(
                fields=shown_fields(model, layout["columns"]),
                conditions=wanted.conditions(svc, actor),
                order=wanted.order_keys(),
                offset=(wanted.page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
                favorites=True,
            ),
        )
        records, total = found.records, found.total_results
    except AmityError as exc:
        if not 400 <= exc.status < 500 or exc.status == 404:
            raise
        message = Labels(request).message(exc.message_id, exc.params)
        status = 400
    columns = [model.fields[name] for name in layout["columns"] if name in model.fields]
    return render(
        request,
        "records/list.html",
        status=status,
        model=model,
        models=menu_models(svc, actor),
        columns=columns,
        records=records,
        total=total,
        page=wanted.page,
        pages=max(1, -(-total // PAGE_SIZE)),
        search=wanted.search,
        order=wanted.order,
        descending=wanted.descending,
        inputs=wanted.inputs,
        favorites_only=wanted.favorites_only,
        layout_name=str(layout.get("name", DEFAULT)),
        layouts=wanted.layouts,
        message=message,
        link=lambda **changes: wanted.url(base, **changes),
        export_url=wanted.url(f"/app/export/{model.name}", page=""),
        here=wanted.url(base),
    )


async def export_csv(request: Request) -> Response:
    """/app/export/{model}: the list as CSV, with the list's filters and order, all pages,
    streamed; only what the user may read (the reports' CSV writer, dates in the user's
    zone and format)."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    wanted = list_request(request, svc, actor, model)
    layout = wanted.layout
    wanted.conditions(svc, actor)  # bad filters or order: a 400 before the download starts
    wanted.order_keys()
    filters = dict(wanted.filters)
    if wanted.search:
        filters["filter_text"] = wanted.search
    extra = [favorites_condition(svc.records, actor, model.name)] if wanted.favorites_only else []
    columns = tuple(name for name in layout["columns"] if name in model.fields)
    spec = ReportSpec(columns=columns, filters=filters, order=wanted.order_spec())
    header = layout_of(model, spec)
    dates = ReaderDates.of(model, [n for n, _ in header], svc.preferences.for_user(actor.user_id))

    def rows() -> Iterator[dict[str, Any]]:
        for batch in report_rows(svc.records, actor, model, spec, extra):
            yield from (values for _, values in batch)

    return StreamingResponse(  # a sync iterator: Starlette runs it in a worker thread
        csv_chunks(header, dates.rows(rows())),
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": disposition(f"{model.name}.csv", False),
        },
    )


async def favorite(request: Request) -> Response:
    """POST /app/{model}/{id}/favorite: star or unstar the record, then back to the page
    the form came from (a path of this site only)."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    form = await request.form()
    sent = form.get("csrf_token")
    check_csrf(request, sent if isinstance(sent, str) else None)
    await run_write(
        request,
        lambda: toggle_favorite(svc.records, actor, model.name, record_id),
        svc.records.write_keys(model.name, record_id),
    )
    back = form.get("next")
    target = back if isinstance(back, str) and _own_path(back) else f"/app/{model.name}/{record_id}"
    return RedirectResponse(target, status_code=303)


def _own_path(target: str) -> bool:
    """A path under /app of this site (never another host, `//host` or `/\\host`)."""
    return target.startswith("/app") and not target.startswith(("//", "/\\")) and "\\" not in target


async def note_view(request: Request, model_name: str, record_id: str) -> bool:
    """A detail page is shown: the record goes to the top of the user's recently viewed;
    whether it is one of their favorites (for the page's star)."""
    actor = current_user(request)
    svc = services(request)
    if not is_latest_view(svc.records, actor, model_name, record_id):
        await run_write(request, lambda: record_view(svc.records, actor, model_name, record_id))
    return is_favorite(svc.records, actor, model_name, record_id)


routes: list[BaseRoute] = [
    Route("/app/export/{model}", export_csv, methods=["GET"]),
    Route("/app/{model}/{id}/favorite", favorite, methods=["POST"]),
]
