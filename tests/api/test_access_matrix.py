"""The access-control matrix: every route that takes a model or an id, for every kind of
actor, answers exactly the status its policy says, and no list shows what it must not.

The routes come from the app's router: a new route with a path parameter and no entry in
POLICY fails `test_every_route_with_a_parameter_has_a_policy`.

Actors (tests/api/acl_world.py): owner (alice, team east, role staff: owned records),
mate (bob, team east), other (carol, team west), reader (role reader: reads all, changes
nothing), blocked (role blocked: no access to any model), portal (contact C's portal
token), admin. Records are alice's unless said otherwise.

USER_POLICY adds user administration, an admin right whatever the roles say: it is
checked for norole (nora: no role, AMITY_DEFAULT_ROLE empty) and full (fred: every right
on `*`) in place of mate and other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from amity.api.dialects import dialect_of
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.auth.clients import ClientSpec
from amity.core.clock import utcnow
from amity.core.services import Services
from tests.api.acl_world import ACTORS, FULL, World, build_world
from tests.api.test_changes import settle
from tests.conftest import ApiClient, User, settings_for

Fresh = Callable[[World, str], Any]  # (world, actor) -> a value made for this one request
_counter = itertools.count()


@dataclass(frozen=True)
class Case:
    """One request and the status each actor must get, in ACTORS order."""

    url: str | Fresh  # '{key}' is replaced by world.ids[key]
    expect: tuple[int, int, int, int, int, int, int]  # one status per actor
    body: Any = None
    shows: str = ""  # a list answer holds ids[shows] exactly for the actors in `sees`
    sees: str = ""
    fresh_portal_token: bool = False  # the request spends the portal token it uses
    content: bytes | None = None  # a raw body (a file upload), with `headers`
    headers: tuple[tuple[str, str], ...] = ()


READ = (200, 200, 404, 200, 403, 200, 200)  # alice's portal-visible record
READ_NO_PORTAL_RECORD = (200, 200, 404, 200, 403, 404, 200)  # portal model, not visible
READ_NO_PORTAL_MODEL = (200, 200, 404, 200, 403, 403, 200)
LIST = (200, 200, 200, 200, 403, 200, 200)
LIST_NO_PORTAL = (200, 200, 200, 200, 403, 403, 200)
WRITE = (200, 200, 404, 403, 403, 403, 200)  # change alice's record
ADMIN_ONLY = (403, 403, 403, 403, 403, 403, 200)
AUDIT = (200, 200, 200, 200, 404, 403, 200)  # a model one may not use is 404; portal 403
ALL_BUT_PORTAL_SEE = "owner mate reader admin"
ALL_SEE = "owner mate reader portal admin"


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


def fresh_contact(world: World, actor: str) -> str:
    return world.create("Contact", {"last_name": unique("Temp")})


def fresh_portal_case(world: World, actor: str) -> str:
    record_id = world.create(
        "aCase", {"name": unique("Case"), "cust_contact_id": world.ids["contact"]}, portal=True
    )
    return f"/data/aCase/{record_id}"


def fresh_linked_document(world: World, actor: str) -> str:
    doc = world.create("Document", {"name": unique("Doc"), "portal_flag": True}, portal=True)
    world.link("Contact", world.ids["contact"], "documents", doc)
    return f"/data/Contact/{world.ids['contact']}/documents/{doc}"


def alices_feed(world: World, actor: str) -> str:
    alice = Actor(user_id=world.users["alice"], user_name="alice")
    token = world.services.calendar.tokens.issue(alice, alice.user_id)
    return f"/calendar/ics/{token}"


def fresh_rate_limit(world: World, actor: str) -> str:
    world.services.rate_limits.set(world.admin, "user", world.users["bob"], "999/minute")
    return f"/admin/rate_limits/user/{world.users['bob']}"


def fresh_layout(world: World, actor: str) -> str:
    name = unique("Layout")
    world.services.layouts.put(world.admin, "Contact", "list", name, {"columns": ["last_name"]})
    return f"/admin/layouts/Contact/list/{name}"


def fresh_dependency(world: World, actor: str) -> str:
    world.services.picklists.put(
        world.admin, "Lead", "lead_source", {"source": "status", "map": {"New": ["Email"]}}
    )
    return "/admin/dependencies/Lead/lead_source"


def fresh_field(world: World, actor: str) -> str:
    name = unique("matrix") + "_c"
    world.services.fields.add(world.admin, "Contact", {"name": name, "type": "Text"})
    return f"/admin/fields/Contact/{name}"


def fresh_custom_model(world: World, actor: str) -> str:
    name = unique("Matrix")
    world.services.models.create(world.admin, {"name": name})
    return f"/admin/models/{name}"


def fresh_removed_model(world: World, actor: str) -> str:
    path = fresh_custom_model(world, actor)
    world.services.models.remove(world.admin, path.rsplit("/", 1)[1])
    return path


def fresh_model_link(world: World, actor: str) -> str:
    name = unique("Matrix")
    world.services.models.create(
        world.admin,
        {
            "name": name,
            "links": [
                {"name": "lead", "kind": "many_to_one", "target": "Lead", "reverse": unique("subs")}
            ],
        },
    )
    return f"/admin/models/{name}/links/lead"


def fresh_hidden_link(world: World, actor: str) -> str:
    """alice's account linked to a contact of carol's (which alice's team cannot read)."""
    contact = world.create(
        "Contact", {"last_name": unique("Carols"), "assigned_user_id": world.users["carol"]}
    )
    world.link("Account", world.ids["account"], "contacts", contact)
    return f"/data/Account/{world.ids['account']}/contacts/{contact}"


def fresh_client(world: World, actor: str) -> str:
    client, _ = world.services.clients.add(
        world.admin, ClientSpec(name=unique("app"), redirect_uris=["https://app.example/cb"])
    )
    return f"/admin/clients/{client['client_id']}"


def fresh_role(world: World, actor: str) -> str:
    return world.services.acl.add_role(world.admin, unique("role"))["name"]


def fresh_team(world: World, actor: str) -> str:
    return world.services.acl.add_team(world.admin, unique("team"), members=["zed"])["name"]


def role_with_zed(world: World, actor: str) -> str:
    name = fresh_role(world, actor)
    world.services.acl.assign_role(world.admin, name, ["zed"])
    return f"/admin/roles/{name}/users/zed"


def fresh_job(world: World, actor: str) -> str:
    """A job that waits to run (an hour from now)."""
    jobs = world.services.jobs
    with world.services.db.write() as conn:
        job_id = jobs.defer(conn, "amity.noop", run_at=utcnow() + timedelta(hours=1))
    return f"/admin/jobs/{job_id}"


HOOK_URL = "http://127.0.0.1:9/hook"  # allowed below; nothing listens: attempts fail fast
OWN_HOOK = (200, 404, 404, 404, 404, 403, 200)  # alice's webhook: hers and the admin's


def alices_hook(world: World) -> str:
    alice = Actor(user_id=world.users["alice"], user_name="alice")
    row, _ = world.services.webhooks.create(
        alice, {"type": "create", "url": HOOK_URL, "model": "Contact"}
    )
    return f"/webhooks/{row['id']}"


def fresh_hook(world: World, actor: str) -> str:
    return alices_hook(world)


def fresh_delivery(world: World, actor: str) -> str:
    """A logged (failed) attempt of a fresh webhook of alice's, to replay."""
    path = alices_hook(world)
    webhook_id = path.rsplit("/", 1)[1]
    delivery = asyncio.run(world.services.webhooks.test(world.admin, webhook_id))
    return f"{path}/deliveries/{delivery['id']}/replay"


# alice's report, shared with her team (east: bob): the owner and admins change it
OWN_REPORT = (200, 403, 404, 404, 403, 403, 200)
SHARED_REPORT = (200, 200, 404, 404, 403, 403, 200)
# a run of alice's: its rows are hers and the admins' (a reader runs the report themselves)
OWN_RUN = (200, 404, 404, 404, 403, 403, 200)


def alices_report(world: World) -> str:
    """A report of alice's on contacts, shared with team east."""
    alice = Actor(user_id=world.users["alice"], user_name="alice")
    east = next(t for t in world.services.acl.list_teams(world.admin) if t["name"] == "east")
    return world.services.reports.define(
        alice,
        {
            "name": unique("Report"),
            "primary_module": "Contact",
            "columns": ["last_name"],
            "shared_with": {"teams": [east["id"]]},
        },
    )


def fresh_report(world: World, actor: str) -> str:
    return f"/reports/Contact/{alices_report(world)}"


def alices_report_run(world: World) -> str:
    """A finished run of alice's shared report."""
    alice = Actor(user_id=world.users["alice"], user_name="alice")
    run = world.services.reports.run(alice, "Contact", world.ids["report"])
    world.services.jobs.drain()
    return str(run["id"])


def fresh_cancelled_job(world: World, actor: str) -> str:
    url = fresh_job(world, actor)
    world.services.jobs.cancel(world.admin, url.rsplit("/", 1)[1])
    return url


def attach_files(world: World) -> None:
    """Files on records of every kind of visibility, attached by the admin."""
    services, admin = world.services, world.admin
    services.fields.add(admin, "aCase", {"name": "attachment_c", "type": "File"})

    def attach(model: str, key: str, field: str, data: bytes = b"file bytes") -> None:
        file_id = services.files.keep_bytes(admin, data, f"{key}.txt", "text/plain")
        services.records.update(admin, model, world.ids[key], {field: file_id})

    attach("Document", "document", "revision_filename")
    attach("Document", "draft", "revision_filename")
    attach("aCase", "case", "attachment_c")
    attach("aCase", "hidden_case", "attachment_c")
    attach("Contact", "carols", "photo", PNG)
    world.create("Note", {"name": "Alices note"}, key="note")
    world.create(
        "Note", {"name": "Carols note", "assigned_user_id": world.users["carol"]}, key="carols_note"
    )
    attach("Note", "note", "filename")
    attach("Note", "carols_note", "filename")


PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


def temp_url(world: World, model: str, key: str) -> str:
    info = world.services.files.find(world.admin, model, world.ids[key])
    expires, signature = world.services.files.signed_query(info)
    return f"/files/temp/{info.id}?expires={expires}&signature={signature}"


ONE_LINE = [{"name": "Items", "lines": [{"name": "Seat", "quantity": "2", "unit_price": "50"}]}]


def tally_document(world: World, model: str, name: str, owner: str = "alice") -> str:
    """A tally object written whole by the admin, assigned to `owner` (its parts too)."""
    record = {"name": name, "assigned_user_id": world.users[owner]}
    body = {"record": record, "groups": ONE_LINE}
    record_id = world.services.tally.save(world.admin, model, None, body)
    if owner == "alice":
        world.alice_ids.add(record_id)
    return record_id


def first_line(world: World, model: str, record_id: str) -> str:
    whole = world.services.tally.get(world.admin, model, record_id)
    return str(whole["groups"][0]["lines"][0]["id"])


def add_tally_documents(world: World) -> None:
    """alice's invoice, quote and order and carol's invoice, each with a line."""
    world.ids["invoice"] = tally_document(world, "Invoice", "Alices invoice")
    world.ids["invoice_line"] = first_line(world, "Invoice", world.ids["invoice"])
    world.ids["carols_invoice"] = tally_document(world, "Invoice", "Carols invoice", "carol")
    world.ids["carols_line"] = first_line(world, "Invoice", world.ids["carols_invoice"])
    world.ids["quote"] = tally_document(world, "Quote", "Alices quote")
    world.ids["order"] = tally_document(world, "SalesOrder", "Alices order")


def fresh_invoice(world: World, actor: str) -> str:
    return f"/tally/Invoice/{tally_document(world, 'Invoice', unique('Invoice'))}"


def tally_body(world: World, actor: str) -> dict[str, Any]:
    return {
        "record": {"name": unique("Offer"), "assigned_user_id": world.users["alice"]},
        "groups": ONE_LINE,
    }


POLICY: dict[tuple[str, str], list[Case]] = {
    ("GET", "/data/{model}/{id}"): [
        Case("/data/Contact/{contact}", READ),
        Case("/data/Contact/{contact2}", READ_NO_PORTAL_RECORD),
        Case("/data/Contact/{carols}", (404, 404, 200, 200, 403, 404, 200)),
        Case("/data/Contact/no-such-id", (404, 404, 404, 404, 403, 404, 404)),
        Case("/data/Account/{account}", READ_NO_PORTAL_MODEL),
        Case("/data/Opportunity/{opportunity}", READ_NO_PORTAL_MODEL),
        Case("/data/aCase/{case}", READ),
        Case("/data/aCase/{hidden_case}", READ_NO_PORTAL_RECORD),
        Case("/data/Document/{document}", READ),
        Case("/data/Document/{draft}", READ_NO_PORTAL_RECORD),
        # users are admin's; one's own user record is readable
        Case("/data/User/{alice}", (200, 404, 404, 200, 403, 403, 200)),
        Case("/data/Subscription/{subscription}", READ_NO_PORTAL_MODEL),
        Case("/data/Subscription/{carols_sub}", (404, 404, 200, 200, 403, 403, 200)),
        # a tally part takes its document's rights
        Case("/data/Invoice/{invoice}", READ_NO_PORTAL_MODEL),
        Case("/data/InvoiceLine/{invoice_line}", READ_NO_PORTAL_MODEL),
        Case("/data/InvoiceLine/{carols_line}", (404, 404, 200, 200, 403, 403, 200)),
    ],
    ("GET", "/data/{model}"): [
        Case("/data/Contact?limit=200", LIST, shows="contact", sees=ALL_SEE),
        Case("/data/Contact?limit=200", LIST, shows="carols", sees="other reader admin"),
        Case("/data/Account?limit=200", LIST_NO_PORTAL, shows="account", sees=ALL_BUT_PORTAL_SEE),
        Case("/data/aCase?limit=200", LIST, shows="case", sees=ALL_SEE),
        Case("/data/aCase?limit=200", LIST, shows="hidden_case", sees=ALL_BUT_PORTAL_SEE),
        Case("/data/Document?limit=200", LIST, shows="document", sees=ALL_SEE),
        Case(
            "/data/Document?limit=200&filter_text=Dra", LIST, shows="draft", sees=ALL_BUT_PORTAL_SEE
        ),
        Case("/data/User?limit=200", LIST_NO_PORTAL, shows="alice", sees="owner reader admin"),
        Case("/data/Contact?limit=200&query_favorite=1", LIST, shows="contact", sees=ALL_SEE),
        Case(
            "/data/Subscription?limit=200",
            LIST_NO_PORTAL,
            shows="subscription",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case(
            "/data/Subscription?limit=200&filters[account_id]={account}",
            LIST_NO_PORTAL,
            shows="carols_sub",
            sees="other reader admin",
        ),
        Case(
            "/data/InvoiceLine?limit=200",
            LIST_NO_PORTAL,
            shows="invoice_line",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case(
            "/data/InvoiceLine?limit=200",
            LIST_NO_PORTAL,
            shows="carols_line",
            sees="other reader admin",
        ),
        Case("/data/Invoice?limit=200", LIST_NO_PORTAL, shows="invoice", sees=ALL_BUT_PORTAL_SEE),
    ],
    ("POST", "/data/{model}"): [
        Case(
            "/data/Contact",
            (200, 200, 403, 403, 403, 403, 200),
            body=lambda w, a: {
                "data": {"last_name": unique("New"), "assigned_user_id": w.users["alice"]}
            },
        ),
        Case("/data/aCase", (200, 200, 200, 403, 403, 200, 200), body={"data": {"name": "Help"}}),
        # carol may not read contact2: refused like an id of no record
        Case(
            "/data/aCase",
            (200, 200, 400, 403, 403, 403, 200),
            body=lambda w, a: {"data": {"name": "Not mine", "cust_contact_id": w.ids["contact2"]}},
        ),
        Case(
            "/data/Account", (200, 200, 200, 403, 403, 403, 200), body={"data": {"name": "New Co"}}
        ),
        Case(
            "/data/Subscription",
            (200, 200, 200, 403, 403, 403, 200),
            body={"data": {"name": "New plan"}},
        ),
        Case(
            "/data/Contact",
            (403, 403, 200, 403, 403, 403, 200),  # assigned to carol
            body=lambda w, a: {
                "data": {"last_name": unique("Given"), "assigned_user_id": w.users["carol"]}
            },
        ),
    ],
    ("POST", "/data/favorites/{model}/{id}"): [
        Case("/data/favorites/Contact/{contact}", (200, 200, 404, 200, 403, 403, 200)),
        Case("/data/favorites/Account/{account}", (200, 200, 404, 200, 403, 403, 200)),
        Case("/data/favorites/Contact/{carols}", (404, 404, 200, 200, 403, 404, 200)),
    ],
    # a portal contact may not erase even its own data (that is asked of the company): 403
    ("POST", "/data/erase_personal/{model}/{id}"): [
        Case(
            lambda w, a: f"/data/erase_personal/Contact/{fresh_contact(w, a)}",
            (200, 200, 404, 403, 403, 403, 200),
            body={"data": {"fields": "phone_mobile"}},
        ),
        Case(
            "/data/erase_personal/Contact/{carols}",
            (404, 404, 200, 403, 403, 403, 200),
            body={"data": {"fields": "phone_mobile"}},
        ),
    ],
    ("PATCH", "/data/erase_personal/{model}/{id}"): [
        Case(
            lambda w, a: f"/data/erase_personal/Contact/{fresh_contact(w, a)}",
            (200, 200, 404, 403, 403, 403, 200),
            body={"data": {"fields": "email2"}},
        ),
    ],
    ("GET", "/data/link/{model}/linked-records/{link}"): [
        Case("/data/link/Contact/linked-records/cases?limit=200", LIST, shows="case", sees=ALL_SEE),
        Case(
            "/data/link/Contact/linked-records/documents?limit=200",
            LIST,
            shows="draft",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case(
            "/data/link/Account/linked-records/contacts?limit=200",
            LIST_NO_PORTAL,
            shows="contact",
            sees=ALL_BUT_PORTAL_SEE,
        ),
    ],
    ("PATCH", "/data/{model}/{id}"): [
        Case("/data/Contact/{contact}", WRITE, body={"data": {"title": "CEO"}}),
        Case("/data/aCase/{case}", WRITE, body={"data": {"priority": "P1"}}),
        Case("/data/Account/{account}", WRITE, body={"data": {"industry": "Other"}}),
        Case("/data/Subscription/{subscription}", WRITE, body={"data": {"seats": 7}}),
        Case("/data/InvoiceLine/{invoice_line}", WRITE, body={"data": {"name": "Renamed"}}),
        Case(
            "/data/InvoiceLine/{carols_line}",
            (404, 404, 200, 403, 403, 403, 200),
            body={"data": {"name": "Renamed"}},
        ),
        Case(
            "/data/Contact/{carols}",
            (404, 404, 200, 403, 403, 404, 200),
            body={"data": {"title": "Boss"}},
        ),
        Case(
            lambda w, a: f"/data/Contact/{unique('upsert-')}",
            (200, 200, 200, 403, 403, 403, 200),
            body={"data": {"last_name": "Upserted"}, "create": True},
        ),
        # giving a record away obeys the rule of creating it with that assignee
        Case(
            lambda w, a: f"/data/Contact/{fresh_contact(w, a)}",
            (403, 403, 404, 403, 403, 404, 200),
            body=lambda w, a: {"data": {"assigned_user_id": w.users["carol"]}},
        ),
        Case(
            lambda w, a: f"/data/Contact/{fresh_contact(w, a)}",
            (200, 200, 404, 403, 403, 404, 200),
            body=lambda w, a: {"data": {"assigned_user_id": w.users["bob"]}},
        ),
    ],
    ("PUT", "/data/{model}/{id}"): [
        Case("/data/Contact/{contact}", WRITE, body={"data": {"title": "CTO"}}),
    ],
    ("DELETE", "/data/{model}/{id}"): [
        Case(
            lambda w, a: f"/data/Contact/{fresh_contact(w, a)}", (200, 200, 404, 403, 403, 404, 200)
        ),
        Case(fresh_portal_case, WRITE),
    ],
    ("GET", "/data/{model}/{id}/{link}"): [
        Case("/data/Contact/{contact}/cases?limit=200", READ, shows="case", sees=ALL_SEE),
        Case(
            "/data/Contact/{contact}/cases?limit=200",
            READ,
            shows="hidden_case",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case("/data/Contact/{contact}/documents?limit=200", READ, shows="document", sees=ALL_SEE),
        Case(
            "/data/Contact/{contact}/opportunities",
            READ_NO_PORTAL_MODEL,
            shows="opportunity",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case(
            "/data/Account/{account}/contacts",
            READ_NO_PORTAL_MODEL,
            shows="contact",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case("/data/Contact/{contact2}/cases", READ_NO_PORTAL_RECORD),
        Case(
            "/data/Invoice/{invoice}/lines_link?fields[]=name&fields[]=position",
            READ_NO_PORTAL_MODEL,
            shows="invoice_line",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case("/data/Invoice/{carols_invoice}/lines_link", (404, 404, 200, 200, 403, 403, 200)),
        Case(
            "/data/Account/{account}/subscriptions",
            READ_NO_PORTAL_MODEL,
            shows="subscription",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case(
            "/data/Account/{account}/subscriptions",
            READ_NO_PORTAL_MODEL,
            shows="carols_sub",
            sees="reader admin",
        ),
        Case(
            "/data/Contact/{contact}/subscriptions",
            READ_NO_PORTAL_MODEL,
            shows="subscription",
            sees=ALL_BUT_PORTAL_SEE,
        ),
        Case(
            "/data/Subscription/{subscription}/contacts",
            READ_NO_PORTAL_MODEL,
            shows="contact",
            sees=ALL_BUT_PORTAL_SEE,
        ),
    ],
    ("POST", "/data/{model}/{id}/{link}"): [
        Case(
            "/data/Contact/{contact}/documents",
            WRITE,
            body=lambda w, a: {"records": [w.ids["document"]]},
        ),
        Case(
            "/data/Account/{account}/cases", WRITE, body=lambda w, a: {"records": [w.ids["case"]]}
        ),
        Case(
            "/data/Account/{account}/contacts",
            (404, 404, 404, 403, 403, 403, 200),
            body=lambda w, a: {"records": [w.ids["carols"]]},
        ),
        Case(
            "/data/Subscription/{subscription}/contacts",
            WRITE,
            body=lambda w, a: {"records": [w.ids["contact2"]]},
        ),
    ],
    ("DELETE", "/data/{model}/{id}/{link}/{rel_id}"): [
        Case(fresh_linked_document, WRITE),
        Case(fresh_hidden_link, (404, 404, 404, 403, 403, 403, 200)),
    ],
    # audit rows only of records the actor may read, deleted ones included
    ("GET", "/audit/{model}"): [
        Case("/audit/Contact?limit=200", AUDIT, shows="contact", sees="owner mate reader admin"),
        Case("/audit/Contact?limit=200", AUDIT, shows="carols", sees="other reader admin"),
        Case("/audit/Contact?limit=200", AUDIT, shows="gone", sees="owner mate reader admin"),
        Case("/audit/Account?limit=200", AUDIT, shows="account", sees="owner mate reader admin"),
        Case("/audit/aCase?limit=200", AUDIT, shows="hidden_case", sees="owner mate reader admin"),
        Case("/audit/User?limit=200", AUDIT, shows="alice", sees="owner reader admin"),
        Case(
            "/audit/Subscription?limit=200",
            AUDIT,
            shows="carols_sub",
            sees="other reader admin",
        ),
        Case("/audit/NoSuchModel", (404, 404, 404, 404, 404, 403, 404)),
    ],
    ("GET", "/audit/{model}/{id}"): [
        Case("/audit/Contact/{contact}", AUDIT, shows="contact", sees="owner mate reader admin"),
        Case("/audit/Contact/{carols}", AUDIT, shows="carols", sees="other reader admin"),
        Case("/audit/Contact/{gone}", AUDIT, shows="gone", sees="owner mate reader admin"),
        Case("/audit/Account/{account}", AUDIT, shows="account", sees="owner mate reader admin"),
        Case("/audit/User/{alice}", AUDIT, shows="alice", sees="owner reader admin"),
    ],
    ("GET", "/meta/fields/{model}"): [
        Case("/meta/fields/Contact", LIST),
        Case("/meta/fields/aCase", LIST),
        Case("/meta/fields/Account", LIST_NO_PORTAL),
        Case("/meta/fields/User", LIST_NO_PORTAL),
        Case("/meta/fields/Subscription", LIST_NO_PORTAL),
    ],
    ("GET", "/admin/models/{model}"): [Case("/admin/models/Subscription", ADMIN_ONLY)],
    ("PATCH", "/admin/models/{model}"): [
        Case("/admin/models/Subscription", ADMIN_ONLY, body={"label": "Plan"})
    ],
    ("PUT", "/admin/models/{model}"): [
        Case("/admin/models/Subscription", ADMIN_ONLY, body={"label": "Plan"})
    ],
    ("DELETE", "/admin/models/{model}"): [Case(fresh_custom_model, ADMIN_ONLY)],
    ("POST", "/admin/models/{model}/links"): [
        Case(
            lambda w, a: fresh_custom_model(w, a) + "/links",
            ADMIN_ONLY,
            body=lambda w, a: {
                "name": unique("lead"),
                "kind": "many_to_one",
                "target": "Lead",
                "reverse": unique("subs"),
            },
        )
    ],
    ("DELETE", "/admin/models/{model}/links/{name}"): [Case(fresh_model_link, ADMIN_ONLY)],
    ("POST", "/admin/models/{model}/restore"): [
        Case(lambda w, a: fresh_removed_model(w, a) + "/restore", ADMIN_ONLY)
    ],
    ("GET", "/admin/clients/{client_id}"): [Case(fresh_client, ADMIN_ONLY)],
    ("DELETE", "/admin/clients/{client_id}"): [Case(fresh_client, ADMIN_ONLY)],
    ("GET", "/admin/roles/{role}"): [Case("/admin/roles/staff", ADMIN_ONLY)],
    ("PATCH", "/admin/roles/{role}"): [
        Case("/admin/roles/spare", ADMIN_ONLY, body={"description": "changed"})
    ],
    ("DELETE", "/admin/roles/{role}"): [
        Case(lambda w, a: f"/admin/roles/{fresh_role(w, a)}", ADMIN_ONLY)
    ],
    ("POST", "/admin/roles/{role}/users"): [
        Case("/admin/roles/spare/users", ADMIN_ONLY, body={"users": ["zed"]})
    ],
    ("DELETE", "/admin/roles/{role}/users/{user}"): [Case(role_with_zed, ADMIN_ONLY)],
    ("GET", "/admin/teams/{team}"): [Case("/admin/teams/east", ADMIN_ONLY)],
    ("DELETE", "/admin/teams/{team}"): [
        Case(lambda w, a: f"/admin/teams/{fresh_team(w, a)}", ADMIN_ONLY)
    ],
    ("POST", "/admin/teams/{team}/members"): [
        Case("/admin/teams/spare/members", ADMIN_ONLY, body={"users": ["zed"]})
    ],
    ("DELETE", "/admin/teams/{team}/members/{user}"): [
        Case(lambda w, a: f"/admin/teams/{fresh_team(w, a)}/members/zed", ADMIN_ONLY)
    ],
    ("DELETE", "/portal/tokens/{contact_id}"): [Case("/portal/tokens/{contact2}", ADMIN_ONLY)],
    ("PUT", "/admin/rate_limits/{kind}/{subject_id}"): [
        Case(
            lambda w, a: f"/admin/rate_limits/user/{w.users['alice']}",
            ADMIN_ONLY,
            body={"rate_limit": "1000/minute"},
        )
    ],
    ("DELETE", "/admin/rate_limits/{kind}/{subject_id}"): [Case(fresh_rate_limit, ADMIN_ONLY)],
    ("GET", "/meta/list_view/{model}"): [
        Case("/meta/list_view/Contact", LIST),
        Case("/meta/list_view/Account", LIST_NO_PORTAL),
    ],
    ("GET", "/meta/detail_view/{model}/{layout}"): [
        Case("/meta/detail_view/Contact/Standard", LIST),
        Case("/meta/detail_view/Account/Standard", LIST_NO_PORTAL),
    ],
    ("GET", "/meta/sub_panels/{model}/{detail_layout}"): [
        Case("/meta/sub_panels/Contact/Standard", LIST),
        Case("/meta/sub_panels/Account/Standard", LIST_NO_PORTAL),
    ],
    ("GET", "/meta/generic_module_layouts/{module}"): [
        Case("/meta/generic_module_layouts/Contacts", LIST),
        Case("/meta/generic_module_layouts/Accounts", LIST_NO_PORTAL),
    ],
    ("GET", "/layouts/list_view/{model}"): [Case("/layouts/list_view/Contact", LIST_NO_PORTAL)],
    ("POST", "/layouts/list_view/{model}"): [
        Case("/layouts/list_view/Contact", LIST_NO_PORTAL, body={"limit": 30})
    ],
    ("PATCH", "/layouts/list_view/{model}"): [
        Case("/layouts/list_view/Account", LIST_NO_PORTAL, body={"offset": 0})
    ],
    ("PUT", "/layouts/list_view/{model}"): [
        Case("/layouts/list_view/Contact", LIST_NO_PORTAL, body={"order_by": "last_name"})
    ],
    ("GET", "/admin/layouts/{model}/{view}"): [Case("/admin/layouts/Contact/list", ADMIN_ONLY)],
    ("PUT", "/admin/layouts/{model}/{view}/{name}"): [
        Case(
            lambda w, a: f"/admin/layouts/Contact/list/{unique('L')}",
            ADMIN_ONLY,
            body={"columns": ["last_name"]},
        )
    ],
    ("DELETE", "/admin/layouts/{model}/{view}/{name}"): [Case(fresh_layout, ADMIN_ONLY)],
    ("GET", "/admin/fields/{model}"): [Case("/admin/fields/Contact", ADMIN_ONLY)],
    ("POST", "/admin/fields/{model}"): [
        Case(
            "/admin/fields/Account",
            ADMIN_ONLY,
            body=lambda w, a: {"name": unique("matrix") + "_c", "type": "Text"},
        )
    ],
    ("GET", "/admin/fields/{model}/{name}"): [Case(fresh_field, ADMIN_ONLY)],
    ("PATCH", "/admin/fields/{model}/{name}"): [
        Case(fresh_field, ADMIN_ONLY, body={"label": "Renamed"})
    ],
    ("PUT", "/admin/fields/{model}/{name}"): [
        Case(fresh_field, ADMIN_ONLY, body={"label": "Renamed"})
    ],
    ("DELETE", "/admin/fields/{model}/{name}"): [Case(fresh_field, ADMIN_ONLY)],
    ("GET", "/meta/dependencies/{model}"): [
        Case("/meta/dependencies/aCase", LIST),
        Case("/meta/dependencies/Account", LIST_NO_PORTAL),
    ],
    ("PUT", "/admin/dependencies/{model}/{field}"): [
        Case(
            "/admin/dependencies/aCase/type",
            ADMIN_ONLY,
            body={"source": "category", "map": {"Problem": ["Product", "User"]}},
        )
    ],
    ("DELETE", "/admin/dependencies/{model}/{field}"): [Case(fresh_dependency, ADMIN_ONLY)],
    # the OAuth endpoints answer every caller alike: credentials play no part there
    ("GET", "/auth/{owner_type}/authorize"): [
        Case("/auth/user/authorize", (400,) * 7),
        Case("/auth/nobody/authorize", (404,) * 7),
    ],
    ("POST", "/auth/{owner_type}/authorize"): [Case("/auth/user/authorize", (403,) * 7)],
    ("POST", "/auth/{owner_type}/access_token"): [
        Case("/auth/user/access_token", (400,) * 7, body={"grant_type": "magic"})
    ],
    ("POST", "/auth/{owner_type}/revoke"): [
        Case("/auth/contact/revoke", (401,) * 7, body={"token": "x"})
    ],
    # routes without parameters that hand out or manage access
    ("GET", "/admin/roles"): [Case("/admin/roles", ADMIN_ONLY)],
    ("POST", "/admin/roles"): [
        Case("/admin/roles", ADMIN_ONLY, body=lambda w, a: {"name": unique("r")})
    ],
    ("GET", "/admin/teams"): [Case("/admin/teams", ADMIN_ONLY)],
    ("POST", "/admin/teams"): [
        Case("/admin/teams", ADMIN_ONLY, body=lambda w, a: {"name": unique("t")})
    ],
    ("GET", "/admin/clients"): [Case("/admin/clients", ADMIN_ONLY)],
    ("GET", "/admin/models"): [Case("/admin/models", ADMIN_ONLY)],
    ("POST", "/admin/models"): [
        Case("/admin/models", ADMIN_ONLY, body=lambda w, a: {"name": unique("Made")})
    ],
    ("GET", "/admin/api_calls"): [Case("/admin/api_calls", ADMIN_ONLY)],
    ("GET", "/admin/jobs"): [Case("/admin/jobs", ADMIN_ONLY)],
    ("POST", "/admin/jobs/{id}/retry"): [
        Case(lambda w, a: fresh_cancelled_job(w, a) + "/retry", ADMIN_ONLY)
    ],
    ("POST", "/admin/jobs/{id}/cancel"): [
        Case(lambda w, a: fresh_job(w, a) + "/cancel", ADMIN_ONLY)
    ],
    # every user manages their own webhooks, admins all; portal credentials none
    ("GET", "/webhooks"): [
        Case(
            "/webhooks?limit=200",
            (200, 200, 200, 200, 200, 403, 200),
            shows="hook",
            sees="owner admin",
        )
    ],
    ("POST", "/webhooks"): [
        Case(
            "/webhooks",
            (200, 200, 200, 200, 403, 403, 200),
            body={"type": "create", "url": HOOK_URL, "model": "Contact"},
        )
    ],
    ("GET", "/webhooks/{id}"): [Case("/webhooks/{hook}", OWN_HOOK)],
    ("PATCH", "/webhooks/{id}"): [Case(fresh_hook, OWN_HOOK, body={"type": "update"})],
    ("PUT", "/webhooks/{id}"): [Case(fresh_hook, OWN_HOOK, body={"type": "update"})],
    ("DELETE", "/webhooks/{id}"): [Case(fresh_hook, OWN_HOOK)],
    ("POST", "/webhooks/{id}/rotate_secret"): [
        Case(lambda w, a: fresh_hook(w, a) + "/rotate_secret", OWN_HOOK)
    ],
    ("POST", "/webhooks/{id}/recover"): [
        Case(
            lambda w, a: fresh_hook(w, a) + "/recover",
            OWN_HOOK,
            body={"since": "2026-01-01 00:00:00"},
        )
    ],
    ("POST", "/webhooks/{id}/test"): [Case(lambda w, a: fresh_hook(w, a) + "/test", OWN_HOOK)],
    ("GET", "/webhooks/{id}/deliveries"): [Case("/webhooks/{hook}/deliveries", OWN_HOOK)],
    ("POST", "/webhooks/{id}/deliveries/{delivery_id}/replay"): [Case(fresh_delivery, OWN_HOOK)],
    ("POST", "/portal/auth"): [
        Case("/portal/auth", ADMIN_ONLY, body=lambda w, a: {"contact_id": w.ids["contact"]})
    ],
    ("DELETE", "/portal/auth"): [
        Case("/portal/auth", (403, 403, 403, 403, 403, 200, 403), fresh_portal_token=True)
    ],
    ("GET", "/me"): [Case("/me", (200, 200, 200, 200, 200, 200, 200))],
    # every user may follow the feed (it shows what they may read); portal tokens may not
    ("GET", "/changes"): [Case("/changes?limit=1000", (200, 200, 200, 200, 200, 403, 200))],
    # a record's file follows the record's read right; uploads are anyone's (attaching
    # one takes the right to change the record); a signed URL is the right itself
    ("POST", "/files/upload"): [
        Case(
            "/files/upload",
            (200, 200, 200, 200, 200, 200, 200),
            content=b"matrix",
            headers=(("X-OneCRM-Filename", "m.txt"), ("Content-Type", "text/plain")),
        )
    ],
    ("POST", "/files/upload/base64"): [
        Case(
            "/files/upload/base64",
            (200, 200, 200, 200, 200, 200, 200),
            body={"filename": "m.txt", "data": "bWF0cml4"},
        )
    ],
    ("GET", "/files/download/{model}/{id}"): [
        Case("/files/download/Document/{document}", READ),
        Case("/files/download/Document/{draft}", READ_NO_PORTAL_RECORD),
        Case("/files/download/Note/{note}", READ_NO_PORTAL_MODEL),
        Case("/files/download/Note/{carols_note}", (404, 404, 200, 200, 403, 403, 200)),
        Case("/files/download/aCase/{case}?field=attachment_c", READ),
        Case("/files/download/aCase/{hidden_case}?field=attachment_c", READ_NO_PORTAL_RECORD),
        Case("/files/download/Contact/{carols}", (404, 404, 200, 200, 403, 404, 200)),
        Case("/files/download/Note/no-such-id", (404, 404, 404, 404, 403, 403, 404)),
    ],
    ("GET", "/files/info/{model}/{id}"): [
        Case("/files/info/Document/{document}", READ),
        Case("/files/info/Document/{draft}", READ_NO_PORTAL_RECORD),
        Case("/files/info/Note/{carols_note}", (404, 404, 200, 200, 403, 403, 200)),
        Case("/files/info/aCase/{case}?field=attachment_c", READ),
        Case("/files/info/Contact/{carols}", (404, 404, 200, 200, 403, 404, 200)),
    ],
    ("GET", "/files/temp/{file_id}"): [
        Case(lambda w, a: temp_url(w, "Note", "carols_note"), (200,) * 7),
        Case(lambda w, a: temp_url(w, "Note", "carols_note") + "0", (403,) * 7),
    ],
    # tally objects: the document's rights, on the whole and on each part
    ("GET", "/calendar/events"): [  # named types one may not list are 403, else left out
        Case("/calendar/events?start_date=2026-01-01&end_date=2026-12-31", (200,) * 7),
        Case(
            "/calendar/events?start_date=2026-01-01&end_date=2026-12-31&types[]=Call",
            (200, 200, 200, 200, 403, 403, 200),
        ),
    ],
    ("POST", "/calendar/ics/token"): [Case("/calendar/ics/token", (200,) * 5 + (403, 200))],
    ("DELETE", "/calendar/ics/token"): [Case("/calendar/ics/token", (200,) * 5 + (403, 200))],
    # the feed answers to its token alone, whoever else asks; an unknown token is 404
    ("GET", "/calendar/ics/{token}"): [
        Case(alices_feed, (200,) * 7),
        Case("/calendar/ics/amity_cal_unknown", (404,) * 7),
    ],
    ("GET", "/tally/{model}/{id}"): [
        Case("/tally/Invoice/{invoice}", READ_NO_PORTAL_MODEL),
        Case("/tally/Invoice/{carols_invoice}", (404, 404, 200, 200, 403, 403, 200)),
        Case("/tally/Quote/{quote}", READ_NO_PORTAL_MODEL),
        Case("/tally/Invoice/no-such-id", (404, 404, 404, 404, 403, 403, 404)),
    ],
    ("POST", "/tally/{model}"): [
        Case("/tally/Invoice", (200, 200, 403, 403, 403, 403, 200), body=tally_body),
        Case("/tally/Quote", (200, 200, 403, 403, 403, 403, 200), body=tally_body),
        Case(
            "/tally/Invoice",
            (200, 200, 200, 403, 403, 403, 200),
            body={"record": {"name": "Mine"}, "groups": ONE_LINE},
        ),
    ],
    ("PUT", "/tally/{model}/{id}"): [
        Case(
            fresh_invoice,
            WRITE,
            body={"record": {"description": "Changed"}, "groups": ONE_LINE},
        ),
        Case(
            "/tally/Invoice/{carols_invoice}",
            (404, 404, 200, 403, 403, 403, 200),
            body={"record": {"description": "Changed"}},
        ),
    ],
    ("POST", "/tally/{model}/{id}/convert"): [
        Case("/tally/Quote/{quote}/convert", WRITE, body={}),
        Case("/tally/SalesOrder/{order}/convert", WRITE, body={"to": "Invoice"}),
    ],
    ("GET", "/printer/pdf/{model}/{id}"): [
        Case("/printer/pdf/Invoice/{invoice}", READ_NO_PORTAL_MODEL),
        Case("/printer/pdf/Invoice/{carols_invoice}", (404, 404, 200, 200, 403, 403, 200)),
        Case("/printer/pdf/Account/{account}", READ_NO_PORTAL_MODEL),
        Case("/printer/pdf/Contact/{carols}", (404, 404, 200, 200, 403, 404, 200)),
    ],
    ("GET", "/printer/pdf/personal/{model}/{id}"): [
        Case("/printer/pdf/personal/Contact/{contact}", READ),  # the portal contact's own
        Case("/printer/pdf/personal/Contact/{carols}", (404, 404, 200, 200, 403, 404, 200)),
    ],
    # reports: a user's own, those shared with them (or their team), or all for admins
    ("GET", "/reports/{model}"): [
        Case(
            "/reports/Contact?limit=200",
            (200, 200, 200, 200, 403, 403, 200),
            shows="report",
            sees="owner mate admin",
        )
    ],
    ("POST", "/reports"): [
        Case(
            "/reports",
            (200, 200, 200, 200, 403, 403, 200),
            body=lambda w, a: {"data": {"name": unique("Made"), "primary_module": "Contact"}},
        )
    ],
    ("GET", "/reports/{model}/{id}"): [Case("/reports/Contact/{report}", SHARED_REPORT)],
    ("PATCH", "/reports/{model}/{id}"): [
        Case(fresh_report, OWN_REPORT, body={"data": {"description": "Changed"}})
    ],
    ("DELETE", "/reports/{model}/{id}"): [Case(fresh_report, OWN_REPORT)],
    ("POST", "/reports/{model}/{id}/run"): [
        Case(lambda w, a: fresh_report(w, a) + "/run", SHARED_REPORT)
    ],
    ("GET", "/reports/data/{model}/{id}"): [
        Case("/reports/data/Contact/{report_run}", OWN_RUN),
        Case("/reports/data/Contact/{report_run}?format=csv", OWN_RUN),
    ],
    # what the server is: public, the same for every caller
    ("GET", "/"): [Case("http://testserver/", (200,) * 7), Case("/", (200,) * 7)],
    ("GET", ""): [Case("http://testserver/api.php", (200,) * 7)],
    # operations: administrators only (or AMITY_METRICS_ALLOW's networks, off here)
    ("GET", "/metrics"): [Case("http://testserver/metrics", (403, 403, 403, 403, 403, 403, 200))],
}


USER_ACTORS = ("norole", "full", "owner", "reader", "blocked", "portal", "admin")
USER_OF = {
    "norole": "nora",
    "full": "fred",
    "owner": "alice",
    "mate": "bob",
    "other": "carol",
    "reader": "dave",
    "blocked": "erin",
    "portal": "admin",
    "admin": "admin",
}
NOT_USERS = (403, 403, 404, 403, 403, 403, 200)  # another user: administrators only
OWN = (200, 200, 200, 200, 403, 403, 200)  # one's own user record


def fresh_user(world: World, actor: str) -> str:
    user_id = world.services.auth.add_user(world.admin, unique("user"), None, last_name="U")
    return f"/data/User/{user_id}"


def own_user(world: World, actor: str) -> str:
    return f"/data/User/{world.users[USER_OF[actor]]}"


USER_POLICY: list[tuple[str, Case]] = [
    (
        "POST",
        Case(
            "/data/User",
            (403, 403, 403, 403, 403, 403, 200),
            body=lambda w, a: {"data": {"user_name": unique("new"), "last_name": "N"}},
        ),
    ),
    ("PATCH", Case(fresh_user, NOT_USERS, body={"data": {"title": "Boss"}})),
    ("PATCH", Case(fresh_user, NOT_USERS, body={"data": {"status": "Inactive"}})),
    ("DELETE", Case(fresh_user, NOT_USERS)),
    # linking through a user (it assigns the contact to that user) changes users too
    (
        "POST",
        Case(
            "/data/User/{alice}/assigned_contacts",
            (403, 403, 403, 403, 403, 403, 200),
            body=lambda w, a: {"records": [w.ids["contact2"]]},
        ),
    ),
    # the only administrator: refused to others, and to itself as the last active admin
    (
        "PATCH",
        Case(
            "/data/User/{admin}",
            (403, 403, 404, 403, 403, 403, 409),
            body={"data": {"status": "Inactive"}},
        ),
    ),
    ("DELETE", Case("/data/User/{admin}", (403, 403, 404, 403, 403, 403, 409))),
    ("GET", Case(own_user, OWN)),
    (
        "PATCH",
        Case(
            own_user,
            OWN,
            body={
                "data": {
                    "first_name": "Me",
                    "last_name": "Myself",
                    "email1": "me@example.com",
                    "phone_work": "555 0100",
                    "phone_mobile": "555 0101",
                    "timezone": "Europe/Berlin",
                }
            },
        ),
    ),
    (
        "PATCH",
        Case(own_user, (403, 403, 403, 403, 403, 403, 409), body={"data": {"status": "Inactive"}}),
    ),
    ("PATCH", Case(own_user, (400,) * 7, body={"data": {"is_admin": True}})),
    (
        "PATCH",
        Case(
            own_user,
            (403, 403, 403, 403, 403, 403, 200),
            body=lambda w, a: {"data": {"assigned_user_id": w.users[USER_OF[a]]}},
        ),
    ),
]


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path under /api.php) of every route the app serves, but the other
    dialects' (each has a matrix of its own: tests/api/test_access_matrix_<dialect>.py)."""
    out = set()
    for route in app.routes:
        if dialect_of(app.state.dialects, route.path) is not None:
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                out.add((method, route.path.removeprefix("/api.php")))
    return out


def test_every_route_with_a_parameter_has_a_policy(app: Any) -> None:
    missing = sorted(key for key in app_routes(app) if "{" in key[1] and key not in POLICY)
    assert not missing, f"routes without an access-matrix entry in {__file__}: {missing}"


def test_the_policy_names_only_routes_that_exist(app: Any) -> None:
    assert not sorted(set(POLICY) - app_routes(app))


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    """Webhooks may point at this machine (HOOK_URL)."""
    return dataclasses.replace(
        settings_for(database_url, jwt_key_file), webhook_allow_networks="127.0.0.0/8"
    )


@pytest.fixture
def world(services: Services, admin: User) -> World:
    world = build_world(services, admin)
    services.acl.add_role(admin.actor, "spare")
    services.acl.add_team(admin.actor, "spare")
    world.ids["alice"] = world.users["alice"]
    world.ids["admin"] = world.users["admin"]
    world.ids["hook"] = alices_hook(world).rsplit("/", 1)[1]
    gone = world.create("Contact", {"last_name": "Gone"}, key="gone")  # alice's, deleted
    services.records.update(admin.actor, "Contact", gone, {"title": "Former"})
    services.records.delete(admin.actor, "Contact", gone)
    attach_files(world)
    add_tally_documents(world)
    world.ids["report"] = alices_report(world)
    world.ids["report_run"] = alices_report_run(world)
    return world


def test_access_matrix(app: Any, world: World) -> None:
    """Each case for each actor: the exact status, and lists without leaks."""
    client = ApiClient(app)
    wrong: list[str] = []
    try:
        for (method, route), cases in POLICY.items():
            for case in cases:
                for actor, expected in zip(ACTORS, case.expect, strict=True):
                    problem = run_case(client, world, method, case, actor, expected)
                    if problem:
                        wrong.append(f"{method} {route} as {actor}: {problem}")
    finally:
        client.close()
    assert not wrong, "\n".join(wrong)


def test_user_administration_matrix(app: Any, world: World) -> None:
    """Creating, changing and deleting users is for administrators, whatever the roles
    say; users change only their own profile fields; nothing leaves no active admin."""
    client = ApiClient(app)
    wrong: list[str] = []
    try:
        for method, case in USER_POLICY:
            for actor, expected in zip(USER_ACTORS, case.expect, strict=True):
                problem = run_case(client, world, method, case, actor, expected)
                if problem:
                    wrong.append(f"{method} as {actor}: {problem}")
    finally:
        client.close()
    assert not wrong, "\n".join(wrong)
    users = {u["user_name"]: u for u in world.services.auth.list_users()}
    assert users["admin"]["status"] == "Active" and users["admin"]["is_admin"]
    assert not any(u["is_admin"] for name, u in users.items() if name != "admin")


def run_case(
    client: ApiClient, world: World, method: str, case: Case, actor: str, expected: int
) -> str | None:
    url = case.url(world, actor) if callable(case.url) else case.url.format(**world.ids)
    body = case.body(world, actor) if callable(case.body) else case.body
    token = (
        world.portal_token()
        if case.fresh_portal_token and actor == "portal"
        else world.tokens[actor]
    )
    headers = {"Authorization": f"Bearer {token}", **dict(case.headers)}
    if case.content is not None:
        resp = client.request(method, url, content=case.content, headers=headers)
    else:
        resp = client.request(method, url, json=body, headers=headers)
    if resp.status_code != expected:
        return f"{url} answered {resp.status_code}, expected {expected}: {resp.text[:200]}"
    if expected == 200 and not resp.headers.get("content-type", "").startswith("application/json"):
        return None  # a file's bytes
    oauth = url.startswith("/auth/")  # OAuth pages are HTML; its errors add RFC 6749 keys
    if oauth and resp.headers.get("content-type", "").startswith("text/html"):
        return None
    data = resp.json()
    shape = {"error", "message", "hint"}
    if expected != 200:
        ok = shape <= set(data) if oauth else set(data) == shape
        return None if ok else f"error shape {data}"
    if actor == "portal" and method == "POST" and "id" in data:
        world.portal_ids.add(data["id"])  # a case the contact opened is its own
    if url.startswith("/audit"):
        return check_audit(world, case, actor, url, data)
    if "records" not in data or not url.startswith("/data"):
        return None
    return check_list(world, case, actor, url, data)


TEAMS = {"owner": ("alice", "bob"), "mate": ("alice", "bob"), "other": ("carol",)}


def check_list(world: World, case: Case, actor: str, url: str, data: dict[str, Any]) -> str | None:
    ids = {r["id"] for r in data["records"]}
    if data["total_results"] != len(ids):
        return f"total_results {data['total_results']} but {len(ids)} records readable"
    if actor in TEAMS:  # staff read owned records only: assigned within the team
        team = {world.users[name] for name in TEAMS[actor]}
        model = list_model(world, url)
        for record_id in ids - ({world.users[USER_OF[actor]]} if model == "User" else set()):
            owner = world.services.records.get(world.admin, model, record_id, ["assigned_user_id"])[
                "assigned_user_id"
            ]
            if owner not in team:
                return f"leaks {model} {record_id} assigned to {owner}"
    if actor == "portal" and not ids <= world.portal_ids:
        return f"leaks to the portal {ids - world.portal_ids}"
    if case.shows:
        should = actor in case.sees.split()
        if (world.ids[case.shows] in ids) != should:
            return f"{case.shows} {'missing' if should else 'shown'}"
    return None


def check_audit(world: World, case: Case, actor: str, url: str, data: dict[str, Any]) -> str | None:
    """Every row is of a record the actor may read (deleted or not), of the model asked
    for; the record of `shows` has rows exactly for the actors in `sees`."""
    model = url.split("?")[0].split("/")[2]
    rows = data["records"]
    if data["total_results"] < len(rows) or (
        len(rows) < 200 and data["total_results"] != len(rows)
    ):
        return f"total_results {data['total_results']} for {len(rows)} rows"
    parents = {row["parent_id"] for row in rows}
    if any(row["parent"] != model for row in rows):
        return "rows of another model"
    if actor in TEAMS:  # staff read owned records only: assigned within the team
        team = {world.users[name] for name in TEAMS[actor]}
        table = world.services.db.tables.model(world.services.records.model(model))
        with world.services.db.read() as conn:
            owners = dict(
                conn.execute(
                    sa.select(table.c.id, table.c.assigned_user_id).where(
                        table.c.id.in_(sorted(parents))
                    )
                ).all()
            )
        own = world.users[USER_OF[actor]] if model == "User" else None
        for parent in parents:
            if parent != own and owners.get(parent) not in team:
                return f"leaks the audit of {model} {parent} assigned to {owners.get(parent)}"
    if case.shows:
        should = actor in case.sees.split()
        if (world.ids[case.shows] in parents) != should:
            return f"audit of {case.shows} {'missing' if should else 'shown'}"
    return None


def list_model(world: World, url: str) -> str:
    """The model a list URL lists."""
    parts = url.split("?")[0].strip("/").split("/")
    registry = world.services.db.registry
    if parts[1] == "link":  # data/link/{model}/linked-records/{link}
        return registry.link(registry.model(parts[2]), parts[4]).target
    if len(parts) == 4:  # data/{model}/{id}/{link}
        return registry.link(registry.model(parts[1]), parts[3]).target
    return parts[1]


def feed(client: ApiClient, token: str) -> list[dict[str, Any]]:
    """The whole change feed as one actor sees it."""
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params = {"limit": 1000, **({"after": after} if after else {})}
        resp = client.get("/changes", params=params, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        events += body["records"]
        after = body["next"]
        if not body["has_more"]:
            return events


def may_read_event(world: World, actor: str, event: dict[str, Any]) -> bool:
    """Whether the actor may read the event, worked out from the world's rules: the
    record's row (live or deleted) assigned within the actor's team (staff), any record
    (reader), nothing (blocked); configuration events only for the admin."""
    if actor == "admin":
        return True
    registry = world.services.db.registry
    if event["model"] not in registry.models or actor == "blocked":
        return False
    if actor == "reader":
        return True
    table = world.services.db.tables.model(registry.model(event["model"]))
    with world.services.db.read() as conn:
        owner = conn.execute(
            sa.select(table.c.assigned_user_id).where(table.c.id == event["record_id"])
        ).scalar()
    me = world.users[USER_OF[actor]]
    if event["model"] == "User" and event["record_id"] == me:
        return True
    return owner in {world.users[name] for name in TEAMS[actor]}


def test_the_change_feed_shows_each_actor_exactly_the_events_it_may_read(
    app: Any, world: World
) -> None:
    """Deletes included: a deleted record's events stay with those who could read it."""
    services, admin = world.services, world.admin
    gone_mine = world.create("Contact", {"last_name": "Gone"})
    services.records.update(admin, "Contact", gone_mine, {"title": "Leaving"})
    services.records.delete(admin, "Contact", gone_mine)
    gone_carols = world.create(
        "Contact", {"last_name": "Gone too", "assigned_user_id": world.users["carol"]}
    )
    services.records.delete(admin, "Contact", gone_carols)
    if services.db.tables.dialect == "postgresql":
        settle(services)
    client = ApiClient(app)
    try:
        everything = feed(client, world.tokens["admin"])
        by_actor = {a: feed(client, world.tokens[a]) for a in ACTORS if a != "portal"}
        portal = client.get(
            "/changes", headers={"Authorization": f"Bearer {world.tokens['portal']}"}
        )
    finally:
        client.close()
    assert portal.status_code == 403
    assert {e["model"] for e in everything} >= {"Contact", "CustomModel", "User"}
    deletes = {(e["record_id"]) for e in everything if e["kind"] == "delete"}
    assert {gone_mine, gone_carols} <= deletes
    for actor, events in by_actor.items():
        expected = [e for e in everything if may_read_event(world, actor, e)]
        assert [e["id"] for e in events] == [e["id"] for e in expected], actor
    owner_deletes = {e["record_id"] for e in by_actor["owner"] if e["kind"] == "delete"}
    assert gone_mine in owner_deletes and gone_carols not in owner_deletes
    other_deletes = {e["record_id"] for e in by_actor["other"] if e["kind"] == "delete"}
    assert gone_carols in other_deletes and gone_mine not in other_deletes
    assert by_actor["blocked"] == []
    assert by_actor["reader"] and not {e["model"] for e in by_actor["reader"]} - set(
        services.db.registry.models
    )


def test_a_role_that_denies_invoices_denies_every_invoice_route_and_part(
    app: Any, world: World
) -> None:
    """Every other right granted, Invoice refused: the whole object, its parts on /data
    (named or not by the role), the PDF, writes and conversions into an invoice."""
    services, admin = world.services, world.admin
    services.auth.add_user(admin, "ivan", None, last_name="Ivan")
    services.acl.add_role(admin, "no-invoices", rights={**FULL, "Invoice": {"access": False}})
    services.acl.assign_role(admin, "no-invoices", ["ivan"])
    token = services.auth.create_token("ivan", "acl")[1]
    ids = world.ids
    requests: list[tuple[str, str, Any]] = [
        ("GET", f"/tally/Invoice/{ids['invoice']}", None),
        ("POST", "/tally/Invoice", {"record": {"name": "No"}, "groups": ONE_LINE}),
        ("PUT", f"/tally/Invoice/{ids['invoice']}", {"record": {"name": "No"}}),
        ("POST", f"/tally/SalesOrder/{ids['order']}/convert", {"to": "Invoice"}),
        ("GET", f"/printer/pdf/Invoice/{ids['invoice']}", None),
        ("GET", f"/data/Invoice/{ids['invoice']}", None),
        ("GET", "/data/InvoiceLine", None),
        ("GET", f"/data/InvoiceLine/{ids['invoice_line']}", None),
        ("PATCH", f"/data/InvoiceLine/{ids['invoice_line']}", {"data": {"name": "No"}}),
        ("DELETE", f"/data/InvoiceLine/{ids['invoice_line']}", None),
        ("GET", "/data/InvoiceLineGroup", None),
        ("GET", "/data/InvoiceAdjustment", None),
        ("GET", f"/data/Invoice/{ids['invoice']}/lines_link", None),
        (
            "POST",
            "/data/InvoiceLine",
            {"data": {"invoice_id": ids["invoice"], "line_group_id": "x", "name": "No"}},
        ),
    ]
    client = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        wrong = []
        for method, url, body in requests:
            answer = client.request(method, url, json=body)
            if answer.status_code not in (403, 404):
                wrong.append(f"{method} {url}: {answer.status_code} {answer.text[:200]}")
            elif set(answer.json()) != {"error", "message", "hint"}:
                wrong.append(f"{method} {url}: error shape {answer.text[:200]}")
        # what the role allows still works: the quote, and its conversion into an order
        assert client.get(f"/tally/Quote/{ids['quote']}").status_code == 200
        order = client.post(f"/tally/Quote/{ids['quote']}/convert", json={})
        assert order.status_code == 200, order.text
    finally:
        client.close()
    assert not wrong, "\n".join(wrong)
    assert services.records.get(admin, "InvoiceLine", ids["invoice_line"])["name"] == "Seat"
