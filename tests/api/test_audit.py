"""Field-level audit: /audit/{model} and /audit/{model}/{id}, the rows each kind of write
leaves, `audited` metadata and its admin switch, paging, retention."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.services import Services, build_services
from tests.conftest import ApiClient, User

ROW_KEYS = {
    "id",
    "created_by_user",
    "created_by",
    "date_created",
    "parent",
    "parent_id",
    "field_name",
    "data_type",
    "before_value_string",
    "after_value_string",
    "before_value_text",
    "after_value_text",
    "erased",
    "source",
}


def audit(api: ApiClient, path: str, **params: Any) -> dict[str, Any]:
    resp = api.get(f"/audit/{path}", params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"records", "total_results"}
    for row in body["records"]:
        assert set(row) == ROW_KEYS
    return dict(body)


def by_field(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["field_name"]: row for row in rows}


def test_create_update_delete_and_links_as_audit_rows(api: ApiClient, admin: User) -> None:
    cid = api.post(
        "/data/Contact", json={"data": {"last_name": "Ames", "description": "first words"}}
    ).json()["id"]
    created = audit(api, f"Contact/{cid}")
    assert created["total_results"] == 1  # a create is one row, whatever it set
    (row,) = created["records"]
    assert row["field_name"] == "id" and row["data_type"] == "id"
    assert row["before_value_string"] is None and row["after_value_string"] == cid
    assert row["parent"] == "Contact" and row["parent_id"] == cid
    assert row["created_by"] == admin.id and row["created_by_user"] == "Administrator"
    assert row["source"] == "api 127.0.0.1" and row["erased"] is False
    assert isinstance(row["id"], str) and len(row["date_created"]) == 19

    changed = api.patch(
        f"/data/Contact/{cid}",
        json={
            "data": {
                "last_name": "Bates",
                "description": "second words",
                "do_not_call": True,
                "title": None,  # was empty: no change, no row
            }
        },
    )
    assert changed.status_code == 200, changed.text
    rows = audit(api, f"Contact/{cid}")["records"]
    fields = by_field(rows[:3])
    assert set(fields) == {"last_name", "description", "do_not_call"}
    assert fields["last_name"]["before_value_string"] == "Ames"
    assert fields["last_name"]["after_value_string"] == "Bates"
    text = fields["description"]  # long text goes in the _text pair
    assert text["data_type"] == "text"
    assert (text["before_value_text"], text["after_value_text"]) == ("first words", "second words")
    assert text["before_value_string"] is None and text["after_value_string"] is None
    flag = fields["do_not_call"]
    assert (flag["data_type"], flag["before_value_string"], flag["after_value_string"]) == (
        "bool",
        "0",
        "1",
    )

    account = api.post("/data/Account", json={"data": {"name": "Acme", "balance": "12.5"}}).json()
    aid = account["id"]
    assert api.patch(f"/data/Account/{aid}", json={"data": {"balance": 100}}).status_code == 200
    balance = by_field(audit(api, f"Account/{aid}")["records"])["balance"]
    assert balance["data_type"] == "currency"
    assert (balance["before_value_string"], balance["after_value_string"]) == ("12.50", "100.00")

    assert api.post(f"/data/Account/{aid}/contacts", json={"records": [cid]}).status_code == 200
    assert api.delete(f"/data/Account/{aid}/contacts/{cid}").status_code == 200
    unlinked, linked = audit(api, f"Account/{aid}")["records"][:2]
    assert (linked["field_name"], linked["data_type"]) == ("contacts", "link")
    assert (linked["before_value_string"], linked["after_value_string"]) == (None, cid)
    assert (unlinked["field_name"], unlinked["data_type"]) == ("contacts", "link")
    assert (unlinked["before_value_string"], unlinked["after_value_string"]) == (cid, None)

    assert api.delete(f"/data/Contact/{cid}").status_code == 200
    after = audit(api, f"Contact/{cid}")  # a deleted record keeps its audit
    deleted = after["records"][0]
    assert (deleted["field_name"], deleted["data_type"]) == ("deleted", "bool")
    assert (deleted["before_value_string"], deleted["after_value_string"]) == ("0", "1")
    assert after["total_results"] == 5  # create, three fields, delete
    ids = [int(r["id"]) for r in after["records"]]
    assert ids == sorted(ids, reverse=True)  # newest first


def test_model_audit_pages_newest_first(api: ApiClient) -> None:
    ids = [
        api.post("/data/Lead", json={"data": {"last_name": f"L{i}"}}).json()["id"] for i in range(5)
    ]
    other = api.post("/data/Contact", json={"data": {"last_name": "Elsewhere"}}).json()["id"]
    whole = audit(api, "Lead")
    assert whole["total_results"] == 5
    assert [r["parent_id"] for r in whole["records"]] == ids[::-1]
    assert other not in {r["parent_id"] for r in whole["records"]}
    page = audit(api, "Lead", offset=1, limit=2)
    assert page["total_results"] == 5
    assert [r["parent_id"] for r in page["records"]] == ids[::-1][1:3]
    assert audit(api, "Lead/no-such-record") == {"records": [], "total_results": 0}


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "limit=abc", "offset=-1", "offset=x", "limit=1.5"]
)
def test_bad_paging_is_400(api: ApiClient, query: str) -> None:
    for path in ("/audit/Contact", "/audit/Contact/some-id"):
        resp = api.get(f"{path}?{query}")
        assert resp.status_code == 400, (path, query, resp.text)
        assert set(resp.json()) == {"error", "message", "hint"}


def test_unknown_model_is_404_and_portal_is_403(
    api: ApiClient, anon: ApiClient, services: Services, admin: User
) -> None:
    assert api.get("/audit/NoSuchModel").status_code == 404
    assert api.get("/audit/NoSuchModel/x").status_code == 404
    assert anon.get("/audit/Contact").status_code == 401
    contact = api.post("/data/Contact", json={"data": {"last_name": "Portal"}}).json()["id"]
    token = services.auth.portal.issue(admin.actor, contact)["access_token"]
    for path in ("/audit/Contact", f"/audit/Contact/{contact}"):
        resp = anon.get(path, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 403, resp.text


def test_a_rolled_back_write_leaves_no_audit(services: Services, admin: User) -> None:
    with pytest.raises(RuntimeError), services.db.shared_write():
        services.records.create(admin.actor, "Contact", {"last_name": "Gone"})
        raise RuntimeError("after the event")
    assert services.audit.list(admin.actor, "Contact").total_results == 0
    services.records.create(admin.actor, "Contact", {"last_name": "Kept"})
    assert services.audit.list(admin.actor, "Contact").total_results == 1


def audit_row_count(services: Services) -> int:
    table = services.db.tables.system("audit_log")
    with services.db.read() as conn:
        return len(conn.execute(table.select()).all())


def test_configuration_events_leave_no_audit_rows(api: ApiClient, services: Services) -> None:
    before = audit_row_count(services)  # the admin's user record, created
    made = api.post("/admin/fields/Contact", json={"name": "tier_c", "type": "Text"})
    assert made.status_code == 200, made.text
    assert api.post("/admin/roles", json={"name": "sales"}).status_code == 200
    layout = api.put("/admin/layouts/Contact/list/Mine", json={"columns": ["last_name"]})
    assert layout.status_code == 200, layout.text
    assert audit_row_count(services) == before


def test_audited_is_metadata_that_admins_switch(
    api: ApiClient, services: Services, admin: User
) -> None:
    fields = api.get("/meta/fields/Contact").json()["fields"]
    assert fields["title"]["audited"] is True
    assert fields["id"]["audited"] is False and fields["date_modified"]["audited"] is False
    made = api.post("/admin/fields/Contact", json={"name": "tier_c", "type": "Text"})
    assert made.json()["record"]["audited"] is True
    quiet = api.post(
        "/admin/fields/Contact", json={"name": "quiet_c", "type": "Text", "audited": False}
    )
    assert quiet.status_code == 200 and quiet.json()["record"]["audited"] is False

    # another process on the same database follows the switch
    other = build_services(services.settings)
    try:
        other.metadata.refresh()
        switched = api.patch("/admin/fields/Contact/title", json={"audited": False})
        assert switched.status_code == 200, switched.text
        assert switched.json()["record"] == {
            "model": "Contact",
            "name": "title",
            "type": "varchar",
            "audited": False,
        }
        other.metadata.refresh()
        assert other.records.model("Contact").fields["title"].audited is False
    finally:
        other.close()
    assert api.patch("/admin/fields/Contact/tier_c", json={"audited": False}).status_code == 200
    assert api.get("/admin/fields/Contact/tier_c").json()["record"]["audited"] is False
    both = api.patch("/admin/fields/Contact/tier_c", json={"audited": True, "label": "Tier"})
    assert both.status_code == 200, both.text
    assert both.json()["record"]["audited"] is True and both.json()["record"]["label"] == "Tier"
    fields = api.get("/meta/fields/Contact").json()["fields"]
    assert (fields["title"]["audited"], fields["tier_c"]["audited"]) == (False, True)
    assert fields["quiet_c"]["audited"] is False

    cid = api.post("/data/Contact", json={"data": {"last_name": "Quiet"}}).json()["id"]
    data = {"title": "CEO", "tier_c": "Gold", "quiet_c": "hush", "last_name": "Loud"}
    assert api.patch(f"/data/Contact/{cid}", json={"data": data}).status_code == 200
    rows = audit(api, f"Contact/{cid}")["records"]
    assert {r["field_name"] for r in rows} == {"id", "tier_c", "last_name"}
    assert by_field(rows)["tier_c"]["data_type"] == "varchar"

    history = api.get("/admin/metadata/history").json()["records"]
    assert any(
        h["object"] == "FieldAudit" and h["changes"].get("field") == "Contact.title"
        for h in history
    )


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/admin/fields/Contact/id", {"audited": True}, 400),  # system fields: never
        ("/admin/fields/Contact/title", {"audited": "no"}, 400),
        ("/admin/fields/Contact/title", {"label": "Job"}, 400),  # built-in: audited only
        ("/admin/fields/Contact/nothing_c", {"audited": False}, 404),
        ("/admin/fields/NoModel/title", {"audited": False}, 404),
    ],
)
def test_bad_audit_switches(api: ApiClient, path: str, body: Any, status: int) -> None:
    resp = api.patch(path, json=body)
    assert resp.status_code == status, resp.text
    assert set(resp.json()) == {"error", "message", "hint"}


def test_only_admins_switch_audited(app: Any, services: Services, admin: User) -> None:
    services.auth.add_user(admin.actor, "sam", None, last_name="Sam")
    _, token = services.auth.create_token("sam", "t")
    client = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        resp = client.patch("/admin/fields/Contact/title", json={"audited": False})
        assert resp.status_code == 403
    finally:
        client.close()
    assert services.records.model("Contact").fields["title"].audited is True


def test_purge_keeps_rows_within_the_retention(services: Services, admin: User) -> None:
    services.records.create(admin.actor, "Contact", {"last_name": "Old"})
    later = utcnow() + timedelta(days=31)
    assert services.audit.purge(later) == 0  # AMITY_AUDIT_RETENTION_DAYS=0: kept forever
    kept = build_services(replace(services.settings, audit_retention_days=30))
    try:
        assert kept.audit.purge(utcnow()) == 0
        assert kept.audit.purge(utcnow() + timedelta(days=29)) == 0
        rows = audit_row_count(services)  # the contact's and the admin user's creates
        assert rows == 2
        assert kept.audit.purge(later) == rows
        assert audit_row_count(services) == 0
        assert kept.audit.list(admin.actor, "Contact").total_results == 0
    finally:
        kept.close()


def test_secret_changes_and_unknown_fields_never_break_the_sink(
    services: Services, admin: User
) -> None:
    """Events name what they changed; the sink audits the model's audited fields only."""
    record = services.records.create(admin.actor, "Contact", {"last_name": "S"})
    with services.db.write() as conn:
        services.records.writer.emit(
            conn,
            Actor(user_id=admin.id, user_name="admin", source="job"),
            model="Contact",
            record_id=record,
            kind="update",
            changes={"password": {"changed": True}, "title": {"changed": True}},
            at=utcnow(),
        )
    rows = services.audit.list(admin.actor, "Contact", record).records
    assert (rows[0]["field_name"], rows[0]["source"]) == ("title", "job")
    assert rows[0]["before_value_string"] is None and rows[0]["after_value_string"] is None
    assert len(rows) == 2  # the create and the secret change of a field
