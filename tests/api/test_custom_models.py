"""Custom models through the admin API: define one with fields and links, use it through
/data like a built-in model, add and remove a field, remove the model; admins only, bad
definitions are 400s that change nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa

from amity.app import create_app
from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import Services, build_services
from amity.store.migrate import migrate
from tests.api.test_custom_fields import create
from tests.api.test_custom_fields_live import WRITERS, WRITES_EACH, writers_while_changing
from tests.conftest import ApiClient, User

SUBSCRIPTION: dict[str, Any] = {
    "name": "Subscription",
    "label": "Subscription",
    "fields": [
        {"name": "plan", "type": "Select", "options": ["Basic", "Pro", "Enterprise"]},
        {"name": "seats", "type": "Number", "indexed": True},
        {"name": "renews_on", "type": "Date"},
        {"name": "price", "type": "Numeric"},
    ],
    "links": [
        {"name": "account", "kind": "many_to_one", "target": "Account"},
        {
            "name": "contacts",
            "kind": "many_to_many",
            "target": "Contact",
            "reverse": "subscriptions",
            "reverse_label": "Subscriptions",
        },
    ],
}


def define(api: ApiClient, body: dict[str, Any] = SUBSCRIPTION) -> dict[str, Any]:
    res = api.post("/admin/models", json=body)
    assert res.status_code == 200, res.text
    record: dict[str, Any] = res.json()["record"]
    return record


def ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["records"]]


def test_custom_model_life_cycle(api: ApiClient, services: Services) -> None:
    """Define, use through /data (filters, order, related lists both ways), add a field,
    remove it, remove the model."""
    described = define(api)
    assert described["table"] == "custom_subscription"
    assert [f["name"] for f in described["fields"]] == ["plan", "seats", "renews_on", "price"]
    assert api.get("/admin/models").json()["records"][0]["name"] == "Subscription"

    meta = api.get("/meta/fields/Subscription").json()
    assert {"name", "plan", "seats", "account", "account_id", "assigned_user_id"} <= set(
        meta["fields"]
    )
    assert meta["fields"]["plan"]["options"] == {"1": "Basic", "2": "Pro", "3": "Enterprise"}
    assert meta["fields"]["account"]["bean_name"] == "Account"
    assert {"plan", "seats", "account", "filter_text"} <= set(meta["filters"])
    assert "Subscriptions" in {m["module"] for m in api.get("/meta/modules").json()["list"]}

    acme = create(api, "Account", {"name": "Acme"})
    globex = create(api, "Account", {"name": "Globex"})
    cora = create(api, "Contact", {"last_name": "Cora"})
    gold = create(
        api,
        "Subscription",
        {
            "name": "Gold",
            "plan": 3,
            "seats": 50,
            "renews_on": "2027-01-31",
            "price": "1250.330",
            "account_id": acme,
        },
    )
    small = create(
        api, "Subscription", {"name": "Small", "plan": 1, "seats": 2, "account_id": acme}
    )
    other = create(
        api, "Subscription", {"name": "Other", "plan": 2, "seats": 10, "account_id": globex}
    )
    record = api.get(f"/data/Subscription/{gold}").json()["record"]
    assert record["name"] == "Gold" and record["plan"] == 3 and record["price"] == 1250.33
    assert record["account"] == "Acme" and record["account_id"] == acme
    assert record["renews_on"] == "2027-01-31"

    assert ids(api.get("/data/Subscription", params={"order": "seats"})) == [small, other, gold]
    assert ids(
        api.get("/data/Subscription", params={"filters[account_id]": acme, "order": "name"})
    ) == [gold, small]
    assert ids(api.get("/data/Subscription", params={"filters[plan]": "2"})) == [other]
    assert ids(api.get("/data/Subscription", params={"filter_text": "Gol"})) == [gold]
    assert api.get("/data/Subscription").json()["total_results"] == 3
    bad = api.get("/data/Subscription", params={"filters[plan]": "9"})
    assert bad.status_code == 400

    # related lists both ways: Account.subscriptions (has_many), Contact <-> Subscription
    assert sorted(ids(api.get(f"/data/Account/{acme}/subscriptions"))) == sorted([gold, small])
    linked = api.post(f"/data/Subscription/{gold}/contacts", json={"records": [cora]})
    assert linked.status_code == 200, linked.text
    assert ids(api.get(f"/data/Contact/{cora}/subscriptions")) == [gold]
    assert ids(api.get(f"/data/Subscription/{gold}/contacts")) == [cora]
    assert api.delete(f"/data/Subscription/{gold}/contacts/{cora}").status_code == 200
    assert ids(api.get(f"/data/Contact/{cora}/subscriptions")) == []

    updated = api.patch(f"/data/Subscription/{small}", json={"data": {"seats": 3}})
    assert updated.status_code == 200
    assert api.get(f"/data/Subscription/{small}").json()["record"]["seats"] == 3

    # a field added later needs no _c suffix on a custom model, and works at once
    res = api.post("/admin/fields/Subscription", json={"name": "region", "type": "Text"})
    assert res.status_code == 200, res.text
    api.patch(f"/data/Subscription/{other}", json={"data": {"region": "EMEA"}})
    assert ids(api.get("/data/Subscription", params={"filters[region]": "EMEA"})) == [other]
    assert api.delete("/admin/fields/Subscription/region").status_code == 200
    assert "region" not in api.get("/meta/fields/Subscription").json()["fields"]
    refused = api.patch(f"/data/Subscription/{other}", json={"data": {"region": "APAC"}})
    assert refused.status_code == 400

    assert api.delete(f"/data/Subscription/{small}").status_code == 200
    assert api.get(f"/data/Subscription/{small}").status_code == 404

    # removing the model hides it everywhere; its rows stay in the database
    assert api.delete("/admin/models/Subscription").status_code == 200
    assert api.get("/data/Subscription").status_code == 404
    assert api.get(f"/data/Account/{acme}/subscriptions").status_code == 404
    assert api.get("/meta/fields/Subscription").status_code == 404
    assert api.get("/admin/models").json()["records"] == []
    with services.db.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT count(*) FROM custom_subscription")).scalar()
    assert kept == 3
    again = api.post("/admin/models", json={"name": "Subscription"})
    assert again.status_code == 400 and "cannot be reused" in again.json()["hint"]

    # an admin sees removed models when asked, and can bring one back as it was
    listed = api.get("/admin/models", params={"include_removed": "1"}).json()["records"]
    assert [(m["name"], m.get("removed")) for m in listed] == [("Subscription", True)]
    restored = api.post("/admin/models/Subscription/restore")
    assert restored.status_code == 200, restored.text
    assert [f["name"] for f in restored.json()["record"]["fields"]] == [
        "plan",
        "seats",
        "renews_on",
        "price",
    ]
    assert sorted(ids(api.get("/data/Subscription"))) == sorted([gold, other])
    assert ids(api.get(f"/data/Account/{acme}/subscriptions")) == [gold]
    back = api.get(f"/data/Subscription/{gold}").json()["record"]
    assert (back["plan"], back["seats"], back["price"]) == (3, 50, 1250.33)


def test_defining_a_model_while_writers_run_fails_no_request_and_loses_no_write(
    app: Any, api: ApiClient, admin: User
) -> None:
    ticket = {
        "name": "Ticket",
        "fields": [{"name": "score", "type": "Number"}],
        "links": [{"name": "note", "kind": "many_to_one", "target": "Note"}],
    }
    statuses, written = asyncio.run(
        writers_while_changing(
            app,
            admin.token,
            ("/admin/models", ticket),
            lambda n, i: ("Ticket", {"name": f"ticket {n}-{i}", "score": n * 1000 + i}),
        )
    )
    assert set(statuses) == {200}
    assert len(written) == WRITERS * WRITES_EACH
    tickets = {k: data["score"] for k, (model, data) in written.items() if model == "Ticket"}
    assert len(tickets) >= 3 * WRITERS
    listed = api.get("/data/Ticket", params={"fields[]": "score", "limit": 200}).json()
    assert {r["id"]: r["score"] for r in listed["records"]} == tickets
    assert api.get("/data/Note").json()["total_results"] == len(written) - len(tickets)


def test_starting_up_gives_custom_tables_what_a_newer_amity_adds(
    api: ApiClient, services: Services
) -> None:
    define(api)
    with services.db.write() as conn:  # as if an older Amity had made the table
        conn.exec_driver_sql("DROP INDEX ix_custom_subscription_name")
    done = services.metadata.upgrade_custom_tables()
    assert done == ["created index ix_custom_subscription_name"]
    assert services.metadata.upgrade_custom_tables() == []


def test_an_install_from_before_unique_auto_number_and_portal_upgrades(
    api: ApiClient, settings: Settings, services: Services
) -> None:
    define(api)
    create(api, "Account", {"name": "Acme"})
    with services.db.write() as conn:  # the metadata tables as the last release made them
        for table, column in (
            ("custom_fields", "is_unique"),
            ("custom_fields", "auto_number"),
            ("custom_models", "portal"),
        ):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    assert set(migrate(services.db)) == {
        "added column custom_fields.is_unique",
        "added column custom_fields.auto_number",
        "added column custom_models.portal",
    }
    upgraded = build_services(settings)
    try:
        upgraded.metadata.refresh()
        model = upgraded.models.get(SYSTEM, "Subscription")
        assert model["portal"] is None
        assert {(f["name"], f["unique"], f["auto_number"]) for f in model["fields"]} == {
            ("plan", False, False),
            ("seats", False, False),
            ("renews_on", False, False),
            ("price", False, False),
        }
    finally:
        upgraded.close()
    assert create(api, "Subscription", {"name": "Still works", "seats": 3})


def test_the_openapi_document_and_layouts_describe_a_new_model_at_once(api: ApiClient) -> None:
    before = api.get("/openapi.json").json()
    assert "/data/Subscription" not in before["paths"]
    define(api)
    doc = api.get("/openapi.json").json()
    assert {"/data/Subscription", "/data/Subscription/{id}"} <= set(doc["paths"])
    schema = doc["components"]["schemas"]["Subscription"]["properties"]
    assert {"plan", "seats", "account_id"} <= set(schema)
    assert api.get("/meta/list_view/Subscription").status_code == 200
    assert api.get("/meta/detail_view/Subscription/Standard").status_code == 200
    layouts = api.get("/meta/generic_module_layouts/Subscriptions")
    assert layouts.status_code == 200, layouts.text


def test_links_between_custom_models_and_links_added_later(api: ApiClient) -> None:
    define(api, {"name": "Plan", "fields": [{"name": "monthly", "type": "Numeric"}]})
    define(
        api,
        {
            "name": "Licence",
            "links": [
                {"name": "plan", "kind": "many_to_one", "target": "Plan", "reverse": "licences"},
                {
                    "name": "parent",
                    "kind": "many_to_one",
                    "target": "Licence",
                    "reverse": "children",
                },
            ],
        },
    )
    plan = create(api, "Plan", {"name": "Pro", "monthly": 49})
    root = create(api, "Licence", {"name": "Root", "plan_id": plan})
    child = create(api, "Licence", {"name": "Child", "parent_id": root, "plan_id": plan})
    assert sorted(ids(api.get(f"/data/Plan/{plan}/licences"))) == sorted([root, child])
    assert ids(api.get(f"/data/Licence/{root}/children")) == [child]
    # a model another one links to cannot go first
    refused = api.delete("/admin/models/Plan")
    assert refused.status_code == 409 and "Licence" in refused.json()["message"]

    res = api.post(
        "/admin/models/Plan/links",
        json={
            "name": "owner_account",
            "kind": "many_to_one",
            "target": "Account",
            "reverse": "plans",
        },
    )
    assert res.status_code == 200, res.text
    acme = create(api, "Account", {"name": "Acme"})
    api.patch(f"/data/Plan/{plan}", json={"data": {"owner_account_id": acme}})
    assert ids(api.get(f"/data/Account/{acme}/plans")) == [plan]
    res = api.post(
        "/admin/models/Plan/links", json={"name": "leads", "kind": "many_to_many", "target": "Lead"}
    )
    assert res.status_code == 200, res.text
    lead = create(api, "Lead", {"last_name": "Lee"})
    assert api.post(f"/data/Lead/{lead}/plans", json={"records": [plan]}).status_code == 200
    assert ids(api.get(f"/data/Plan/{plan}/leads")) == [lead]
    assert (
        api.patch("/admin/models/Plan", json={"label": "Price plan"}).json()["record"]["label"]
        == "Price plan"
    )

    assert api.delete("/admin/models/Licence").status_code == 200
    assert api.delete("/admin/models/Plan").status_code == 200
    assert api.get(f"/data/Account/{acme}/plans").status_code == 404


def test_removing_a_link_hides_it_on_both_sides_and_keeps_its_values(
    api: ApiClient, admin: User, settings: Settings, services: Services
) -> None:
    define(api, {"name": "Plan"})
    define(
        api,
        {
            "name": "Licence",
            "links": [
                {"name": "plan", "kind": "many_to_one", "target": "Plan", "reverse": "licences"},
                {"name": "leads", "kind": "many_to_many", "target": "Lead", "reverse": "licences"},
            ],
        },
    )
    plan = create(api, "Plan", {"name": "Pro"})
    licence = create(api, "Licence", {"name": "L1", "plan_id": plan})
    lead = create(api, "Lead", {"last_name": "Lee"})
    assert api.post(f"/data/Licence/{licence}/leads", json={"records": [lead]}).status_code == 200

    res = api.delete("/admin/models/Licence/links/plan")
    assert res.status_code == 200, res.text
    assert [lk["name"] for lk in res.json()["record"]["links"]] == ["leads"]
    assert res.json()["record"]["removed_links"] == ["plan"]
    assert not {"plan", "plan_id"} & set(api.get("/meta/fields/Licence").json()["fields"])
    assert api.get(f"/data/Plan/{plan}/licences").status_code == 404
    assert api.get("/data/Licence", params={"filters[plan_id]": plan}).status_code == 400
    refused = api.patch(f"/data/Licence/{licence}", json={"data": {"plan_id": plan}})
    assert refused.status_code == 400
    assert "plan" not in api.get(f"/data/Licence/{licence}").json()["record"]
    # nothing links to Plan any more, so it may go
    assert api.delete("/admin/models/Plan").status_code == 200

    assert api.delete("/admin/models/Licence/links/leads").status_code == 200
    assert api.get(f"/data/Lead/{lead}/licences").status_code == 404
    assert api.get(f"/data/Licence/{licence}/leads").status_code == 404
    with services.db.engine.connect() as conn:  # the values stay in the database
        assert conn.execute(sa.text("SELECT plan_id FROM custom_licence")).scalar() == plan
        assert conn.execute(sa.text("SELECT lead_id FROM custom_licence_leads")).scalar() == lead

    # the names stay taken on Licence (their column and table hold values); the way back
    # on Lead is free again
    again = api.post(
        "/admin/models/Licence/links",
        json={"name": "leads", "kind": "many_to_many", "target": "Lead"},
    )
    assert again.status_code == 400 and "leads" in again.json()["message"]
    clash = api.post("/admin/fields/Licence", json={"name": "plan_id", "type": "Text"})
    assert clash.status_code == 409 and "removed link" in clash.json()["message"]
    res = api.post(
        "/admin/models/Licence/links",
        json={"name": "prospects", "kind": "many_to_many", "target": "Lead", "reverse": "licences"},
    )
    assert res.status_code == 200, res.text
    assert api.post(f"/data/Lead/{lead}/licences", json={"records": [licence]}).status_code == 200
    assert ids(api.get(f"/data/Licence/{licence}/prospects")) == [lead]

    for gone in ("leads", "nothing"):
        missing = api.delete(f"/admin/models/Licence/links/{gone}")
        assert missing.status_code == 404 and set(missing.json()) == {"error", "message", "hint"}
    history = api.get("/admin/metadata/history").json()["records"]
    unlinked = [
        h
        for h in history
        if h["object"] == "CustomModel"
        and h["kind"] == "update"
        and "removed_links" in h["changes"]
    ]
    assert [h["changes"]["removed_links"] for h in unlinked][-1] == [None, ["plan"]]
    # another process (or a restart) reads the removal back from the database
    other = build_services(settings)
    try:
        other.metadata.refresh()
        licence_model = other.db.registry.model("Licence")
        assert "prospects" in licence_model.links
        assert not {"plan", "plan_id", "leads"} & {*licence_model.fields, *licence_model.links}
    finally:
        other.close()


def test_a_model_is_restored_only_when_what_it_needs_is_there(api: ApiClient) -> None:
    define(api, {"name": "Plan"})
    define(
        api,
        {
            "name": "Licence",
            "links": [
                {"name": "plan", "kind": "many_to_one", "target": "Plan", "reverse": "licences"},
                {
                    "name": "account",
                    "kind": "many_to_one",
                    "target": "Account",
                    "reverse": "things",
                },
            ],
        },
    )
    assert api.delete("/admin/models/Licence").status_code == 200
    assert api.delete("/admin/models/Plan").status_code == 200
    # the way back on Account is free while Licence is removed, and another model takes it
    define(
        api,
        {
            "name": "Gadget",
            "module": "Licences",
            "links": [
                {"name": "account", "kind": "many_to_one", "target": "Account", "reverse": "things"}
            ],
        },
    )

    def refused(words: str) -> None:
        res = api.post("/admin/models/Licence/restore")
        assert res.status_code == 409 and words in res.json()["message"], res.text
        assert api.get("/data/Licence").status_code == 404

    refused("module name Licences")
    assert api.delete("/admin/models/Gadget").status_code == 200
    define(
        api,
        {
            "name": "Widget",
            "links": [
                {"name": "account", "kind": "many_to_one", "target": "Account", "reverse": "things"}
            ],
        },
    )
    refused("links to Plan")
    assert api.post("/admin/models/Plan/restore").status_code == 200
    refused("Account has a field or link things")
    assert api.delete("/admin/models/Widget").status_code == 200
    res = api.post("/admin/models/Licence/restore")
    assert res.status_code == 200, res.text
    plan = create(api, "Plan", {"name": "Pro"})
    licence = create(api, "Licence", {"name": "L", "plan_id": plan})
    assert ids(api.get(f"/data/Plan/{plan}/licences")) == [licence]
    for name in ("Licence", "Nothing"):  # live or unknown: nothing to restore
        res = api.post(f"/admin/models/{name}/restore")
        assert res.status_code == 404 and set(res.json()) == {"error", "message", "hint"}


def test_portal_contacts_reach_a_custom_model_through_its_link_to_contact(
    api: ApiClient, app: Any
) -> None:
    define(
        api,
        {
            "name": "Ticket",
            "links": [
                {
                    "name": "contact",
                    "kind": "many_to_one",
                    "target": "Contact",
                    "reverse": "tickets",
                },
                {
                    "name": "watchers",
                    "kind": "many_to_many",
                    "target": "Contact",
                    "reverse": "watched_tickets",
                },
            ],
        },
    )
    cora = create(api, "Contact", {"last_name": "Cora"})
    dan = create(api, "Contact", {"last_name": "Dan"})
    mine = create(api, "Ticket", {"name": "Mine", "contact_id": cora})
    theirs = create(api, "Ticket", {"name": "Theirs", "contact_id": dan})
    token = api.post("/portal/auth", json={"contact_id": cora}).json()["access_token"]
    portal = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        assert portal.get("/data/Ticket").status_code == 403  # no portal until an admin says
        res = api.patch("/admin/models/Ticket", json={"portal": {"link": "contact"}})
        assert res.status_code == 200, res.text
        assert res.json()["record"]["portal"] == {"link": "contact", "create": False}
        assert ids(portal.get("/data/Ticket")) == [mine]
        assert ids(portal.get(f"/data/Contact/{cora}/tickets")) == [mine]
        assert portal.get(f"/data/Ticket/{theirs}").status_code == 404
        assert portal.post("/data/Ticket", json={"data": {"name": "New"}}).status_code == 403
        changed = portal.patch(f"/data/Ticket/{mine}", json={"data": {"name": "Changed"}})
        assert changed.status_code == 403

        api.patch("/admin/models/Ticket", json={"portal": {"link": "contact", "create": True}})
        made = portal.post("/data/Ticket", json={"data": {"name": "New"}})
        assert made.status_code == 200, made.text
        assert api.get(f"/data/Ticket/{made.json()['id']}").json()["record"]["contact_id"] == cora
        elsewhere = portal.post("/data/Ticket", json={"data": {"name": "X", "contact_id": dan}})
        assert elsewhere.status_code == 403

        # through a many_to_many link the portal reads (and never creates)
        api.post(f"/data/Ticket/{theirs}/watchers", json={"records": [cora]})
        assert (
            api.patch("/admin/models/Ticket", json={"portal": {"link": "watchers"}}).status_code
            == 200
        )
        assert ids(portal.get("/data/Ticket")) == [theirs]
        refused = api.delete("/admin/models/Ticket/links/watchers")
        assert refused.status_code == 409 and "portal" in refused.json()["hint"]
        assert api.patch("/admin/models/Ticket", json={"portal": None}).status_code == 200
        assert portal.get("/data/Ticket").status_code == 403
        assert api.delete("/admin/models/Ticket/links/watchers").status_code == 200
    finally:
        portal.close()


def test_activities_may_belong_to_a_custom_model_that_allows_them(api: ApiClient) -> None:
    define(api, {"name": "Plan"})
    define(api, {"name": "Project2", "activities": True})
    plan = create(api, "Plan", {"name": "Basic"})
    project = create(api, "Project2", {"name": "Rollout"})
    refused = api.post(
        "/data/Note", json={"data": {"name": "n", "parent_type": "Plan", "parent_id": plan}}
    )
    assert refused.status_code == 400
    note = create(
        api, "Note", {"name": "Kick-off", "parent_type": "Project2", "parent_id": project}
    )
    assert api.get(f"/data/Note/{note}").json()["record"]["parent"] == "Rollout"
    assert ids(api.get(f"/data/Project2/{project}/notes")) == [note]
    task = create(api, "Task", {"name": "Plan it"})
    assert api.post(f"/data/Project2/{project}/tasks", json={"records": [task]}).status_code == 200
    assert api.get(f"/data/Task/{task}").json()["record"]["parent_type"] == "Project2"
    meta = api.get("/meta/fields/Call").json()
    assert "Project2" in meta["fields"]["parent_type"]["options"]
    assert "Plan" not in meta["fields"]["parent_type"]["options"]
    # switched on later, no DDL needed; a clashing link name is refused
    assert api.patch("/admin/models/Plan", json={"activities": True}).status_code == 200
    assert create(
        api,
        "Call",
        {
            "name": "Call",
            "parent_type": "Plan",
            "parent_id": plan,
            "date_start": "2027-01-01 10:00:00",
        },
    )
    define(
        api,
        {
            "name": "Deal2",
            "links": [{"name": "notes", "kind": "many_to_many", "target": "Contact"}],
        },
    )
    clash = api.patch("/admin/models/Deal2", json={"activities": True})
    assert clash.status_code == 400 and "notes" in clash.json()["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"name": "subscription"}, 400, "capital letter"),
        ({"name": "Contact"}, 400, "taken"),
        ({"name": "contact"}, 400, "capital"),
        ({"name": "CustomField"}, 400, "taken"),
        ({"name": "Sub", "colour": "red"}, 400, "Unknown key 'colour'"),
        (
            {"name": "Sub", "links": [{"name": "x", "kind": "one_to_one", "target": "Account"}]},
            400,
            "Unknown link kind",
        ),
        (
            {"name": "Sub", "links": [{"name": "x", "kind": "many_to_one", "target": "Nope"}]},
            400,
            "Unknown link target",
        ),
        (
            {
                "name": "Sub",
                "links": [
                    {"name": "x", "kind": "many_to_one", "target": "Account", "reverse": "contacts"}
                ],
            },
            400,
            "already has a field or link",
        ),
        (
            {"name": "Sub", "links": [{"name": "x", "kind": "many_to_many", "target": "Sub"}]},
            400,
            "needs another model",
        ),
        (
            {"name": "Sub", "links": [{"name": "name", "kind": "many_to_one", "target": "User"}]},
            400,
            "already has a field or link name",
        ),
        (
            {
                "name": "Sub",
                "fields": [{"name": "seats", "type": "Number"}, {"name": "seats", "type": "Text"}],
            },
            400,
            "seats",
        ),
        ({"name": "Sub", "fields": [{"name": "deleted", "type": "Boolean"}]}, 400, "deleted"),
        ({"name": "Sub", "fields": [{"name": "plan", "type": "Select"}]}, 400, "needs options"),
        ({"name": "Sub", "fields": [{"name": "plan", "type": "Money"}]}, 400, "Unknown custom"),
        ({"name": "Sub", "module": "Contacts"}, 400, "module"),
        ({"name": "Sub", "fields": "seats"}, 400, "fields must be a list"),
        (
            {
                "name": "Sub",
                "activities": True,
                "links": [{"name": "tasks", "kind": "many_to_many", "target": "Contact"}],
            },
            400,
            "tasks",
        ),
        ({"name": "Sub", "activities": "yes"}, 400, "true or false"),
        ({"name": "Sub", "portal": "yes"}, 400, "portal is null or an object"),
        (
            {
                "name": "Sub",
                "portal": {"link": "account"},
                "links": [{"name": "account", "kind": "many_to_one", "target": "Account"}],
            },
            400,
            "to Contact",
        ),
        (
            {
                "name": "Sub",
                "portal": {"link": "contact", "create": "yes"},
                "links": [{"name": "contact", "kind": "many_to_one", "target": "Contact"}],
            },
            400,
            "true or false",
        ),
        (
            {
                "name": "Sub",
                "portal": {"link": "people", "create": True},
                "links": [{"name": "people", "kind": "many_to_many", "target": "Contact"}],
            },
            400,
            "many_to_one",
        ),
    ],
)
def test_bad_definitions_are_400_and_change_nothing(
    api: ApiClient, services: Services, body: dict[str, Any], status: int, words: str
) -> None:
    res = api.post("/admin/models", json=body)
    assert res.status_code == status, res.text
    error = res.json()
    assert set(error) == {"error", "message", "hint"}
    assert words in error["message"] + " " + error["hint"]
    assert api.get("/admin/models").json()["records"] == []
    with services.db.engine.connect() as conn:
        assert not [t for t in sa.inspect(conn).get_table_names() if t.startswith("custom_s")]
    assert api.get("/data/Sub").status_code == 404


def test_non_admins_cannot_define_models_and_roles_can_name_them(
    api: ApiClient, anon: ApiClient, services: Services, admin: User
) -> None:
    services.auth.add_user(admin.actor, "sam", "sam-password-1", last_name="Sam")
    _, token = services.auth.create_token("sam", "t")
    sam = ApiClient(anon.app, headers={"Authorization": f"Bearer {token}"})
    try:
        assert sam.post("/admin/models", json={"name": "Sub"}).status_code == 403
        define(api)
        record = create(api, "Subscription", {"name": "Admin's"})
        res = api.post(
            "/admin/roles",
            json={
                "name": "no-subs",
                "rights": {
                    "*": {"access": True, "read": "all", "edit": "all", "delete": "all"},
                    "Subscription": {"access": False},
                },
            },
        )
        assert res.status_code == 200, res.text
        api.post("/admin/roles/no-subs/users", json={"users": ["sam"]})
        assert sam.get("/data/Subscription").status_code == 403
        assert sam.get(f"/data/Subscription/{record}").status_code == 403
        assert sam.get("/data/Contact").status_code == 200
    finally:
        sam.close()


def test_a_second_process_serves_a_new_model_at_its_first_request(
    api: ApiClient, admin: User, settings: Settings, services: Services
) -> None:
    other = build_services(dataclasses.replace(settings, metadata_check_seconds=3600))
    other.metadata.refresh()
    other_api = ApiClient(
        create_app(other.settings, other), headers={"Authorization": f"Bearer {admin.token}"}
    )
    try:
        assert other_api.get("/data/Contact").status_code == 200
        define(api)
        created = other_api.post("/data/Subscription", json={"data": {"name": "Far", "seats": 4}})
        assert created.status_code == 200, created.text
        assert api.get(f"/data/Subscription/{created.json()['id']}").json()["record"]["seats"] == 4
        api.delete("/admin/models/Subscription")
        # still on the old metadata: its requests keep working until it looks again
        assert other_api.get("/data/Subscription").status_code == 200
        other.metadata.refresh()
        assert other_api.get("/data/Subscription").status_code == 404
    finally:
        other_api.close()
        other.close()


def test_model_changes_are_in_the_history_and_the_schema_file(
    api: ApiClient, app: Any, services: Services
) -> None:
    define(api)
    api.patch("/admin/models/Subscription", json={"label": "Plan"})
    history = api.get("/admin/metadata/history").json()["records"]
    kinds = [(h["object"], h["kind"]) for h in history if h["object"] == "CustomModel"]
    assert kinds == [("CustomModel", "update"), ("CustomModel", "create")]
    assert history[0]["changes"]["label"] == ["Subscription", "Plan"]
    exported = api.get("/admin/schema").json()
    assert exported["custom_models"] == [
        {
            "name": "Subscription",
            "label": "Plan",
            "module": "Subscriptions",
            "activities": False,
            "portal": None,
            "links": [
                {k: lk[k] for k in ("name", "kind", "target", "reverse", "label", "reverse_label")}
                for lk in api.get("/admin/models/Subscription").json()["record"]["links"]
            ],
        }
    ]
    assert {f["name"] for f in exported["custom_fields"] if f["model"] == "Subscription"} == {
        "plan",
        "seats",
        "renews_on",
        "price",
    }
    # the same document applied to this install changes nothing
    assert api.post("/admin/schema", json=exported).json()["changes"] == []
