"""Sales documents (quotes, orders, invoices and the other tally objects): the line editor
with the server's totals, payments, convert and the PDF.

Every amount on these pages is computed by the core tally service (amity/core/tally/):
the editor posts the lines as typed, and the server answers the page (or, from
static/sales.js, a fragment of it) with the totals recomputed. Nothing here does money.

Form inputs are named after the part's field they edit, prefixed by where the part sits:
`g0-name` (group 0), `g0-l1-quantity` (its line 1), `g0-l1-a0-rate` (an adjustment of
that line), `g0-a0-type` (an adjustment of the group), `g0-c0-body` (a comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import anyio.to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from amity.api.context import run_write, services
from amity.api.native.printer import print_locale
from amity.core.access import Action
from amity.core.actor import Actor
from amity.core.files.kinds import disposition
from amity.core.filters import filter_conditions
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.core.tally.service import CONVERSIONS, PAYMENT_LINKS, tally_kind
from amity.errors import AmityError, BadRequest, NotFound
from amity.schema.builtin.catalog import PAYMENT_TYPES
from amity.schema.builtin.tally import ADJUSTMENT_TYPES, KINDS_BY_NAME, TallyKind
from amity.schema.model import Model
from amity.web.models import menu_models, page_model
from amity.web.pages import ENV, SECURITY_HEADERS, Labels, render
from amity.web.session import check_csrf, current_user

SALES_MODELS = frozenset(KINDS_BY_NAME)
# the generic detail page links to the line editor of these models
ENV.globals["sales_models"] = SALES_MODELS

NAME = re.compile(r"^g(\d{1,4})(?:-l(\d{1,4}))?(?:-([ac])(\d{1,4}))?-([a-z_]{1,30})$")
LINE_FIELDS = (
    "id",
    "name",
    "product",
    "related_id",
    "mfr_part_no",
    "quantity",
    "unit_price",
    "list_price",
    "cost_price",
    "tax_class_id",
)
ADJUSTMENT_FIELDS = ("id", "type", "name", "rate", "amount")
COMMENT_FIELDS = ("id", "name", "body")
AMOUNTS = ("subtotal", "discount", "shipping", "pretax", "tax", "amount")
PAYMENT_SHOWN = ("payment_number", "payment_date", "payment_type", "customer_reference")
CATALOG = "ProductCatalog"  # a line's related_type for a product
PRODUCT_FIELDS = ("name", "manufacturers_part_no", "list_price", "cost", "tax_code_id")


# -- the editor's state: the parts as typed -------------------------------------------------
@dataclass
class Part:
    """A line, adjustment or comment as its inputs hold it (all text), with the amounts the
    server computed for it (None until computed)."""

    key: int
    values: dict[str, str]
    remove: bool = False
    adjustments: list[Part] = field(default_factory=list)
    totals: dict[str, Any] | None = None
    error: str = ""

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Group:
    key: int
    values: dict[str, str]
    remove: bool = False
    lines: list[Part] = field(default_factory=list)
    adjustments: list[Part] = field(default_factory=list)
    comments: list[Part] = field(default_factory=list)
    totals: dict[str, Any] | None = None

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Draft:
    """What the editor shows: the groups, the document's totals and an error, if any."""

    groups: list[Group]
    totals: dict[str, Any] | None = None
    error: str = ""


def text(value: Any) -> str:
    """A stored value as an input shows it (numbers as the service gives them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def quantity_text(value: Any) -> str:
    """A quantity or rate without the trailing zeros of its four decimal places
    (2.0000 -> 2, 19.5000 -> 19.5)."""
    shown = text(value)
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown


def draft_from_stored(groups: list[dict[str, Any]]) -> Draft:
    """The editor's state of a stored document (GET /tally's groups)."""
    out = []
    for g_key, group in enumerate(groups):
        lines = []
        by_id: dict[str, Part] = {}
        for l_key, line in enumerate(group.get("lines", [])):
            values = {name: text(line.get(name)) for name in LINE_FIELDS if name != "product"}
            values["quantity"] = quantity_text(line.get("quantity"))
            part = Part(l_key, values)
            lines.append(part)
            by_id[str(line["id"])] = part
        own: list[Part] = []
        for adj in group.get("adjustments", []):
            part = Part(0, {name: text(adj.get(name)) for name in ADJUSTMENT_FIELDS})
            part.values["rate"] = quantity_text(adj.get("rate"))
            owner = by_id.get(str(adj.get("line_id") or ""))
            if owner is not None:
                part.key = len(owner.adjustments)
                owner.adjustments.append(part)
            else:
                part.key = len(own)
                own.append(part)
        comments = [
            Part(c_key, {name: text(c.get(name)) for name in COMMENT_FIELDS})
            for c_key, c in enumerate(group.get("comments", []))
        ]
        values = {"id": text(group.get("id")), "name": text(group.get("name"))}
        out.append(Group(g_key, values, lines=lines, adjustments=own, comments=comments))
    return Draft(out)


def draft_from_form(form: FormData) -> Draft:
    """The editor's state from a posted form; parts keep the numbers of their inputs."""
    groups: dict[int, Group] = {}
    lines: dict[tuple[int, int], Part] = {}
    parts: dict[tuple[int, int | None, str, int], Part] = {}
    for name, raw in form.multi_items():
        match = NAME.match(name)
        if match is None or not isinstance(raw, str):
            continue
        g_text, l_text, kind, p_text, field_name = match.groups()
        g = int(g_text)
        group = groups.setdefault(g, Group(g, {}))
        target: Group | Part = group
        if l_text is not None:
            line_key = (g, int(l_text))
            if line_key not in lines:
                lines[line_key] = Part(int(l_text), {})
                group.lines.append(lines[line_key])
            target = lines[line_key]
        if kind is not None:
            key = (g, None if l_text is None else int(l_text), kind, int(p_text))
            if key not in parts:
                parts[key] = Part(int(p_text), {})
                if kind == "c" and l_text is None:
                    group.comments.append(parts[key])
                elif kind == "a":
                    target.adjustments.append(parts[key])
                else:
                    continue  # a comment belongs to a group, not a line
            target = parts[key]
        if field_name == "remove":
            target.remove = True
        else:
            target.values[field_name] = raw.strip()
    ordered = sorted(groups.values(), key=lambda grp: grp.key)
    for group in ordered:
        group.lines.sort(key=lambda p: p.key)
        group.adjustments.sort(key=lambda p: p.key)
        group.comments.sort(key=lambda p: p.key)
        for line in group.lines:
            line.adjustments.sort(key=lambda p: p.key)
    return Draft(ordered)


def blank_line(line: Part) -> bool:
    """A line row nobody filled in (the empty row of a new group)."""
    if line.get("id"):
        return False
    typed = ("name", "product", "related_id", "unit_price")
    return not any(line.get(n) for n in typed) and line.get("quantity") in ("", "1")


def blank_part(part: Part, names: tuple[str, ...]) -> bool:
    return not part.get("id") and not any(part.get(n) for n in names if n != "id")


def blank_group(group: Group) -> bool:
    return not group.get("id") and not group.get("name") and not group.lines


def cleaned(draft: Draft) -> Draft:
    """The draft without the rows marked for removal and the rows left empty."""
    groups = []
    for group in draft.groups:
        if group.remove:
            continue
        group.lines = [ln for ln in group.lines if not ln.remove and not blank_line(ln)]
        for line in group.lines:
            line.adjustments = [
                a for a in line.adjustments if not a.remove and not blank_part(a, ADJUSTMENT_FIELDS)
            ]
        group.adjustments = [
            a for a in group.adjustments if not a.remove and not blank_part(a, ADJUSTMENT_FIELDS)
        ]
        group.comments = [
            c for c in group.comments if not c.remove and not blank_part(c, COMMENT_FIELDS)
        ]
        if not blank_group(group):
            groups.append(group)
    return Draft(groups)


def body_of(draft: Draft) -> list[dict[str, Any]]:
    """The groups of a tally write (POST /tally's body) from a cleaned draft."""
    return [
        {
            **_id(group.values),
            "name": group.get("name") or None,
            "lines": [_line_body(line) for line in group.lines],
            "adjustments": [_adjustment_body(a) for a in group.adjustments],
            "comments": [
                {**_id(c.values), "name": c.get("name") or None, "body": c.get("body") or None}
                for c in group.comments
            ],
        }
        for group in draft.groups
    ]


def _id(values: dict[str, str]) -> dict[str, str]:
    return {"id": values["id"]} if values.get("id") else {}


def _line_body(line: Part) -> dict[str, Any]:
    out: dict[str, Any] = _id(line.values)
    for name in LINE_FIELDS:
        if name not in ("id", "product") and name in line.values:
            out[name] = line.values[name] or None
    if line.get("related_id"):
        out["related_type"] = CATALOG
    out["adjustments"] = [_adjustment_body(a) for a in line.adjustments]
    return out


def _adjustment_body(adj: Part) -> dict[str, Any]:
    return {
        **_id(adj.values),
        "type": adj.get("type") or None,
        "name": adj.get("name") or None,
        "rate": adj.get("rate") or None,
        "amount": adj.get("amount") or None,
    }


def attach_totals(draft: Draft, computed: dict[str, Any]) -> None:
    """Put the service's amounts (Tally.preview's answer, in the body's order) on the
    draft's parts."""
    draft.totals = computed["record"]
    for group, g_totals in zip(draft.groups, computed["groups"], strict=True):
        group.totals = g_totals
        for line, l_totals in zip(group.lines, g_totals["lines"], strict=True):
            line.totals = l_totals
            for adj, a_totals in zip(line.adjustments, l_totals["adjustments"], strict=True):
                adj.totals = a_totals
        for adj, a_totals in zip(group.adjustments, g_totals["adjustments"], strict=True):
            adj.totals = a_totals


def renumbered(draft: Draft) -> Draft:
    """Parts numbered 0, 1, ... in order, as a freshly rendered form names them."""
    for g, group in enumerate(draft.groups):
        group.key = g
        for parts in (group.lines, group.adjustments, group.comments):
            for n, part in enumerate(parts):
                part.key = n
        for line in group.lines:
            for n, adj in enumerate(line.adjustments):
                adj.key = n
    return draft


# -- the catalog -----------------------------------------------------------------------------
def product_values(product: dict[str, Any]) -> dict[str, str]:
    """What a line takes from a product of the catalog."""
    return {
        "related_id": text(product.get("id")),
        "name": text(product.get("name")),
        "mfr_part_no": text(product.get("manufacturers_part_no")),
        "unit_price": text(product.get("list_price")),
        "list_price": text(product.get("list_price")),
        "cost_price": text(product.get("cost")),
        "tax_class_id": text(product.get("tax_code_id")),
    }


def find_products(svc: Services, actor: Actor, typed: str, limit: int) -> list[dict[str, Any]]:
    model = svc.records.model("Product")
    page = svc.records.list_records(
        actor,
        model.name,
        ListQuery(
            fields=list(PRODUCT_FIELDS),
            conditions=filter_conditions(model, actor, search=typed),
            limit=limit,
            count=False,
        ),
    )
    return page.records


def fill_from_catalog(request: Request, draft: Draft) -> None:
    """Lines whose product was typed by name (no script picked it): the one product of that
    name fills the line; none or several is an error beside the line."""
    svc, actor, labels = services(request), current_user(request), Labels(request)
    for group in draft.groups:
        for line in group.lines:
            typed = line.get("product")
            if not typed:
                continue
            if line.get("related_id"):
                line.values["product"] = ""  # picked from the suggestions already
                continue
            found = [
                p
                for p in find_products(svc, actor, typed, 20)
                if str(p.get("name", "")).casefold() == typed.casefold()
            ]
            if len(found) != 1:
                line.error = labels.ui("No single product is named {name}.", name=typed)
                continue
            line.values.update(product_values(found[0]))
            line.values["product"] = ""


async def catalog(request: Request) -> Response:
    """GET /app/sales/catalog?q=: products whose name starts with q, with what a line takes
    from them (a line's product input suggests these as the user types)."""
    actor = current_user(request)
    svc = services(request)
    typed = request.query_params.get("q", "")[:100].strip()
    rows = [product_values(p) for p in find_products(svc, actor, typed, 10)] if typed else []
    return JSONResponse(rows, headers={"Cache-Control": "no-store"})


# -- pages -----------------------------------------------------------------------------------
def sales_model(request: Request) -> tuple[Services, Actor, Model, TallyKind]:
    """The services, the user, the model of the URL and its tally kind (404 for a model
    the user may not list, or one that is no sales document)."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    return svc, actor, model, tally_kind(model.name)


def editor_page(
    request: Request,
    model: Model,
    kind: TallyKind,
    record: dict[str, Any] | None,
    draft: Draft,
    *,
    status: int = 200,
    payment_values: dict[str, str] | None = None,
    payment_errors: dict[str, str] | None = None,
    header: dict[str, str] | None = None,
) -> Response:
    svc, actor = services(request), current_user(request)
    record_id = str(record["id"]) if record else None
    payments: list[dict[str, Any]] = []
    if record_id and kind.name in PAYMENT_LINKS:
        payments = payment_rows(svc, actor, kind, record_id)
    defaults = {
        "amount": text(record.get("amount_due")) if record else "",
        "payment_date": date.today().isoformat(),
        "payment_type": "",
        "customer_reference": "",
    }
    return render(
        request,
        "sales/editor.html",
        can_edit=record is None or allowed(svc, actor, model, "edit", record),
        status=status,
        model=model,
        models=menu_models(svc, actor),
        kind=kind,
        record=record,
        action=f"/app/{model.name}/{record_id or 'new'}/lines",
        draft=draft,
        line_model=svc.records.model(kind.part("Line")),
        adjustment_model=svc.records.model(kind.part("Adjustment")),
        group_model=svc.records.model(kind.part("LineGroup")),
        adjustment_types=ADJUSTMENT_TYPES,
        tax_codes=tax_codes(svc, actor),
        amounts=amount_fields(model),
        conversions=[svc.records.model(n) for n in CONVERSIONS.get(kind.name, ())]
        if record
        else [],
        takes_payments=record is not None and kind.name in PAYMENT_LINKS,
        payments=payments,
        payment_model=svc.records.model("Payment"),
        payment_types=PAYMENT_TYPES,
        payment_values={**defaults, **(payment_values or {})},
        payment_errors=payment_errors or {},
        header=header or {},
    )


def allowed(
    svc: Services, actor: Actor, model: Model, action: Action, record: dict[str, Any]
) -> bool:
    """Whether the rules let the user do `action` (the page then offers it)."""
    try:
        svc.records.policy.check(actor, model, action, record)
    except AmityError:
        return False
    return True


def amount_fields(model: Model) -> list[Any]:
    names = [*AMOUNTS, *(("amount_due",) if "amount_due" in model.fields else ())]
    return [model.fields[n] for n in names]


def tax_codes(svc: Services, actor: Actor) -> list[tuple[str, str]]:
    """(id, name) of the tax codes a line may name (none when the user may not list them)."""
    try:
        page = svc.records.list_records(actor, "TaxCode", ListQuery(limit=100, count=False))
    except AmityError:
        return []
    return [(str(r["id"]), str(r.get("name") or r["id"])) for r in page.records]


def payment_rows(
    svc: Services, actor: Actor, kind: TallyKind, record_id: str
) -> list[dict[str, Any]]:
    """The payments applied to the document: each link's amount with its payment's date,
    type and reference (what the user may read of it)."""
    link_model, column = PAYMENT_LINKS[kind.name]
    out = []
    for link in svc.records.children(actor, link_model, column, record_id):
        row = {"id": str(link["id"]), "amount": link.get("amount")}
        if link.get("payment_id"):
            try:
                payment = svc.records.get(actor, "Payment", str(link["payment_id"]))
            except AmityError:
                payment = {}  # a payment the user may not read: its amount only
            row |= {name: payment.get(name) for name in PAYMENT_SHOWN}
        out.append(row)
    return out


def stored(svc: Services, actor: Actor, kind: TallyKind, record_id: str) -> dict[str, Any]:
    return svc.tally.get(actor, kind.name, record_id)


async def editor(request: Request) -> Response:
    """GET /app/{model}/{id}/lines: the document's lines, its totals, payments, convert and
    the PDF; /app/{model}/new/lines: a new document."""
    svc, actor, model, kind = sales_model(request)
    record_id = request.path_params["id"]
    if record_id == "new":
        svc.records.policy.check(actor, model, "create")
        draft = Draft([Group(0, {}, lines=[Part(0, {"quantity": "1"})])])
        return editor_page(request, model, kind, None, with_blanks(draft, ""))
    whole = stored(svc, actor, kind, record_id)
    draft = draft_from_stored(whole["groups"])
    attach_totals(draft, svc.tally.preview(actor, kind.name, record_id, {"groups": body_of(draft)}))
    return editor_page(request, model, kind, whole["record"], with_blanks(draft, ""))


def with_blanks(draft: Draft, action: str) -> Draft:
    """The rows the pressed button adds: `add-group`, `add-line-G`, `add-adjustment-G`,
    `add-comment-G` or `add-line-adjustment-G-L` (G and L as numbered after renumbering); a
    group always has a line row to fill in."""
    renumbered(draft)
    parts = action.split("-")
    where = [int(p) for p in parts if p.isdigit()]
    if action == "add-group" or not draft.groups:
        draft.groups.append(Group(len(draft.groups), {}))
    try:
        if action.startswith("add-line-adjustment-") and len(where) == 2:
            line = draft.groups[where[0]].lines[where[1]]
            line.adjustments.append(Part(len(line.adjustments), {}))
        elif action.startswith("add-line-") and len(where) == 1:
            group = draft.groups[where[0]]
            group.lines.append(Part(len(group.lines), {"quantity": "1"}))
        elif action.startswith("add-adjustment-") and len(where) == 1:
            group = draft.groups[where[0]]
            group.adjustments.append(Part(len(group.adjustments), {}))
        elif action.startswith("add-comment-") and len(where) == 1:
            group = draft.groups[where[0]]
            group.comments.append(Part(len(group.comments), {}))
    except IndexError:
        pass  # a button of a row that is gone
    for group in draft.groups:
        if not group.lines:
            group.lines.append(Part(0, {"quantity": "1"}))
    return draft


def computed(request: Request, kind: TallyKind, record_id: str | None, draft: Draft) -> Draft:
    """The draft with the service's totals on its parts, or with the service's message."""
    svc, actor, labels = services(request), current_user(request), Labels(request)
    fill_from_catalog(request, draft)
    if any(line.error for group in draft.groups for line in group.lines):
        draft.error = labels.ui("Some lines need a fix.")
        return draft
    try:
        answer = svc.tally.preview(actor, kind.name, record_id, {"groups": body_of(draft)})
    except BadRequest as exc:
        draft.error = labels.message(exc.message_id, exc.params)
        return draft
    attach_totals(draft, answer)
    return draft


async def posted_draft(request: Request) -> tuple[FormData, Draft, str]:
    """The posted form (its CSRF token checked), its cleaned draft and the button."""
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    action = _str(form.get("action"))
    raw = draft_from_form(form)
    marked = mark_action(raw, action)
    draft = cleaned(raw)
    return form, draft, marked_action(draft, marked)


def mark_action(draft: Draft, action: str) -> tuple[str, Part | Group | None]:
    """The object the pressed button is about (numbers of the form), to find it again
    after cleaning and renumbering."""
    where = [int(p) for p in action.split("-") if p.isdigit()]
    try:
        if action.startswith("add-line-adjustment-") and len(where) == 2:
            group = next(g for g in draft.groups if g.key == where[0])
            return action, next(ln for ln in group.lines if ln.key == where[1])
        if action.startswith(("add-line-", "add-adjustment-", "add-comment-")) and len(where) == 1:
            return action, next(g for g in draft.groups if g.key == where[0])
    except StopIteration:
        pass
    return action, None


def marked_action(draft: Draft, marked: tuple[str, Part | Group | None]) -> str:
    """The button's action in the numbers the cleaned draft will have once renumbered."""
    action, target = marked
    if target is None:
        return action if action == "add-group" else ""
    for g, group in enumerate(draft.groups):
        if group is target:
            return f"{action.rsplit('-', 1)[0]}-{g}"
        for n, line in enumerate(group.lines):
            if line is target:
                return f"add-line-adjustment-{g}-{n}"
    return ""


async def save_lines(request: Request) -> Response:
    """POST /app/{model}/{id}/lines: save the lines (the button `save`), or show the page
    again with the totals recomputed and nothing saved (`recalculate`, or a button that
    adds a row). /app/{model}/new/lines creates the document."""
    current_user(request)
    form, draft, action = await posted_draft(request)
    svc, actor, model, kind = sales_model(request)
    new = request.path_params["id"] == "new"
    record_id = None if new else str(request.path_params["id"])
    if record_id is None:
        svc.records.policy.check(actor, model, "create")
        record = None
    else:
        record = stored(svc, actor, kind, record_id)["record"]
    header = {"name": _str(form.get("name")).strip()} if new else {}
    draft = computed(request, kind, record_id, draft)
    if _str(form.get("action")) != "save" or draft.error:
        status = 400 if draft.error else 200
        page = with_blanks(draft, action)
        return editor_page(request, model, kind, record, page, status=status, header=header)
    body = {"record": header, "groups": body_of(draft)}
    try:
        saved = await run_write(
            request,
            lambda: svc.tally.save(actor, kind.name, record_id, body),
            svc.records.write_keys(kind.name, record_id),
        )
    except BadRequest as exc:
        draft.error = Labels(request).message(exc.message_id, exc.params)
        page = with_blanks(draft, "")
        return editor_page(request, model, kind, record, page, status=400, header=header)
    return RedirectResponse(f"/app/{model.name}/{saved}/lines", status_code=303)


async def preview(request: Request) -> Response:
    """POST /app/{model}/{id}/lines/preview: the totals of the posted lines as an HTML
    fragment (static/sales.js swaps its parts into the page by id); nothing is saved."""
    current_user(request)
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    svc, actor, model, kind = sales_model(request)
    record_id: str | None = request.path_params["id"]
    if record_id == "new":
        svc.records.policy.check(actor, model, "create")
        record_id = None
    draft = cleaned(draft_from_form(form))
    draft = computed(request, kind, record_id, draft)
    return render(
        request,
        "sales/preview.html",
        status=400 if draft.error else 200,
        model=model,
        draft=draft,
        amounts=amount_fields(model),
        group_model=svc.records.model(kind.part("LineGroup")),
    )


async def record_payment(request: Request) -> Response:
    """POST /app/{model}/{id}/payments: a payment applied to the invoice (or bill): the
    Payment, its link with the amount, and the document's amount due computed again."""
    current_user(request)
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    svc, actor, model, kind = sales_model(request)
    record_id = request.path_params["id"]
    if kind.name not in PAYMENT_LINKS:
        raise NotFound("A {model} takes no payments", "pay an invoice or a bill", model=model.name)
    whole = stored(svc, actor, kind, record_id)
    names = ("amount", "payment_date", "payment_type", "customer_reference")
    values = {name: _str(form.get(name)).strip() for name in names}
    record = whole["record"]
    link_model, column = PAYMENT_LINKS[kind.name]
    payment = {
        "name": Labels(request).ui("Payment for {number}", number=record.get("full_number") or ""),
        "account_id": record.get("billing_account_id"),
        "direction": "incoming" if kind.name == "Invoice" else "outgoing",
        "payment_date": values["payment_date"] or None,
        "payment_type": values["payment_type"] or None,
        "customer_reference": values["customer_reference"] or None,
        "amount": values["amount"] or None,
        "total_amount": values["amount"] or None,
        "applied_amount": values["amount"] or None,
        "currency_id": record.get("currency_id"),
        **({"related_invoice_id": record_id} if kind.name == "Invoice" else {}),
    }

    def unit() -> None:
        payment_id = svc.records.create(actor, "Payment", payment)
        svc.records.create(
            actor,
            link_model,
            {"payment_id": payment_id, column: record_id, "amount": values["amount"] or None},
        )
        current = svc.tally.get(actor, kind.name, record_id)
        svc.tally.save(actor, kind.name, record_id, {"record": {}, "groups": current["groups"]})

    if not values["amount"]:
        errors = {"amount": Labels(request).ui("Enter the amount paid.")}
        return payment_rejected(request, model, kind, whole, values, errors)
    try:
        await run_write(request, unit, svc.records.write_keys(kind.name, record_id))
    except BadRequest as exc:
        message = Labels(request).message(exc.message_id, exc.params)
        target = str(exc.params.get("field", ""))
        errors = {target if target in names else "payment": message}
        return payment_rejected(request, model, kind, whole, values, errors)
    return RedirectResponse(f"/app/{model.name}/{record_id}/lines#payments", status_code=303)


def payment_rejected(
    request: Request,
    model: Model,
    kind: TallyKind,
    whole: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    svc, actor = services(request), current_user(request)
    draft = draft_from_stored(whole["groups"])
    attach_totals(
        draft,
        svc.tally.preview(actor, kind.name, str(whole["record"]["id"]), {"groups": body_of(draft)}),
    )
    return editor_page(
        request,
        model,
        kind,
        whole["record"],
        with_blanks(draft, ""),
        status=400,
        payment_values=values,
        payment_errors=errors,
    )


async def convert(request: Request) -> Response:
    """POST /app/{model}/{id}/convert: a new document of the kind `to` made from this one
    (the core's conversion), then its line editor."""
    current_user(request)
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    svc, actor, _, kind = sales_model(request)
    record_id = request.path_params["id"]
    target = _str(form.get("to")) or None
    made = await run_write(
        request,
        lambda: svc.tally.convert(actor, kind.name, record_id, target),
        svc.records.write_keys(kind.name, record_id),
    )
    return RedirectResponse(f"/app/{made[0]}/{made[1]}/lines", status_code=303)


async def pdf(request: Request) -> Response:
    """GET /app/{model}/{id}/pdf: the document as the core's printer renders it (opened in
    the browser), in the page's language."""
    svc, actor, _, kind = sales_model(request)
    record_id = request.path_params["id"]
    person = svc.preferences.for_user(actor.user_id)
    locale = print_locale(request, person)
    data, name = await anyio.to_thread.run_sync(
        svc.printer.pdf, actor, kind.name, record_id, locale, person
    )
    headers = {
        "Content-Disposition": disposition(name, True),
        "Cache-Control": SECURITY_HEADERS["Cache-Control"],
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type="application/pdf", headers=headers)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


GET, POST = ["GET"], ["POST"]
routes: list[BaseRoute] = [
    Route("/app/sales/catalog", catalog, methods=GET),
    Route("/app/{model}/{id}/lines", editor, methods=GET),
    Route("/app/{model}/{id}/lines", save_lines, methods=POST),
    Route("/app/{model}/{id}/lines/preview", preview, methods=POST),
    Route("/app/{model}/{id}/payments", record_payment, methods=POST),
    Route("/app/{model}/{id}/convert", convert, methods=POST),
    Route("/app/{model}/{id}/pdf", pdf, methods=GET),
]
