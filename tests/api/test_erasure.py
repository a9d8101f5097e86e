"""GDPR erasure (POST/PATCH /data/erase_personal) and the personal-data PDF: erased values
are gone from every byte the database and the file store keep, the audit says `erased`."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pypdf
import sqlalchemy as sa

from amity.core.services import Services
from amity.store.engine import unpooled_engine
from tests.api.test_changes import settle
from tests.api.test_files import PNG, upload
from tests.api.test_reports import define, rows_of, run
from tests.conftest import ApiClient

EMAIL = "ingrid.erasable@example.org"
OLD_EMAIL = "ingrid.before@example.org"
PHONE = "+49 30 98765432"
LAST = "Vandersloot"


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def stored_bytes(services: Services) -> bytes:
    """Every byte the database holds: the SQLite files after a checkpoint, or on
    PostgreSQL each row of every table cast to text."""
    url = services.db.url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    engine = unpooled_engine(url)
    out = []
    with engine.connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        ]
        for table in tables:
            rows = conn.execute(sa.text(f'SELECT t::text FROM "{table}" AS t'))
            out += [row[0].encode() for row in rows]
    engine.dispose()
    return b"\n".join(out)


def stored_files(services: Services) -> bytes:
    root = Path(services.files.blobs.spool_dir).parent
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_erasure_leaves_no_trace_of_the_values(api: ApiClient, services: Services) -> None:
    contact = create(api, "Contact", {"last_name": LAST, "email1": OLD_EMAIL, "phone_work": PHONE})
    photo = upload(api, PNG, f"{LAST}.png", "image/png")
    resp = api.patch(f"/data/Contact/{contact}", json={"data": {"email1": EMAIL, "photo": photo}})
    assert resp.status_code == 200, resp.text
    with services.db.read() as conn:
        files = services.files.store
        sha256 = files.attached(conn, "Contact", contact, "photo")["sha256"]
    assert services.files.blobs.has(sha256)
    # report runs archive the values: a list of the contact's fields, and a grouping by one
    listed = define(
        api, name="People", primary_module="Contact", columns=["last_name", "email1", "phone_work"]
    )
    grouped = define(api, name="By e-mail", primary_module="Contact", groups=["email1"])
    runs = {
        listed: run(api, services, listed, "Contact"),
        grouped: run(api, services, grouped, "Contact"),
    }
    for run_id in runs.values():
        assert EMAIL in str(rows_of(api, run_id, "Contact"))
    assert EMAIL.encode() in stored_bytes(services)  # the search finds what is there

    resp = api.post(
        f"/data/erase_personal/Contact/{contact}",
        json={"data": {"fields": "email1,phone_work,last_name,photo"}},
    )
    assert resp.status_code == 200 and resp.json() == {"result": True}

    record = api.get(f"/data/Contact/{contact}").json()["record"]
    assert [record[f] for f in ("email1", "phone_work", "last_name", "photo")] == [None] * 4
    kept = stored_bytes(services) + stored_files(services)
    for value in (EMAIL, OLD_EMAIL, PHONE, LAST):
        assert value.encode() not in kept, value
    assert not services.files.blobs.has(sha256)
    assert api.get(f"/files/download/Contact/{contact}?field=photo").status_code == 404

    for run_id in runs.values():
        assert EMAIL not in str(rows_of(api, run_id, "Contact"))

    audit = api.get(f"/audit/Contact/{contact}?limit=200").json()["records"]
    rows = [r for r in audit if r["field_name"] in ("email1", "phone_work", "last_name")]
    assert rows and all(r["erased"] for r in rows)
    assert all(r[k] is None for r in rows for k in ("before_value_string", "after_value_string"))
    erasure = [r for r in audit if r["source"] == "erase"]
    assert {r["field_name"] for r in erasure} == {"email1", "phone_work", "last_name", "photo"}
    settle(services)  # PostgreSQL: the feed reads up to the oldest open write
    feed = api.get("/changes?limit=200").json()["records"]
    mine = [e for e in feed if e["record_id"] == contact]
    assert mine[-1]["changes"]["email1"] == {"erased": True}
    assert all(e["changes"].get("email1", {"erased": True}) == {"erased": True} for e in mine)


def test_patch_erases_too_and_other_fields_stay(api: ApiClient) -> None:
    lead = create(api, "Lead", {"last_name": "Keep", "email1": EMAIL, "title": "CTO"})
    resp = api.patch(f"/data/erase_personal/Lead/{lead}", json={"data": {"fields": ["email1"]}})
    assert resp.status_code == 200, resp.text
    record = api.get(f"/data/Lead/{lead}").json()["record"]
    assert (record["email1"], record["last_name"], record["title"]) == (None, "Keep", "CTO")


def test_bad_erasure_requests_answer_400_or_404(api: ApiClient) -> None:
    contact = create(api, "Contact", {"last_name": "Bad"})
    url = f"/data/erase_personal/Contact/{contact}"
    unknown = api.post(url, json={"data": {"fields": "email1,nope"}})
    assert unknown.status_code == 400 and "nope" in unknown.json()["message"]
    for field in ("id", "date_entered", "name", "primary_account", "primary_account_id"):
        refused = api.post(url, json={"data": {"fields": field}})
        assert refused.status_code == 400, field
        assert refused.json()["hint"]
    assert api.post(url, json={"data": {"fields": ""}}).status_code == 400
    assert api.post(url, json={"data": {}}).status_code == 400
    missing = api.post(
        "/data/erase_personal/Contact/no-such-id", json={"data": {"fields": "email1"}}
    )
    assert missing.status_code == 404
    assert api.get(f"/data/Contact/{contact}").json()["record"]["last_name"] == "Bad"


def test_personal_fields_are_metadata(api: ApiClient) -> None:
    fields = api.get("/meta/fields/Contact").json()["fields"]
    personal = {name for name, d in fields.items() if d["personal"]}
    assert {"first_name", "last_name", "email1", "phone_mobile", "birthdate", "photo"} <= personal
    assert {"primary_address_city", "alt_address_street"} <= personal
    assert not {"id", "description", "lead_source", "assigned_user_id"} & personal
    assert not any(d["personal"] for d in api.get("/meta/fields/aCase").json()["fields"].values())
    added = api.post(
        "/admin/fields/Account", json={"name": "owner_email_c", "type": "Text", "personal": True}
    )
    assert added.status_code == 200, added.text
    assert added.json()["record"]["personal"] is True
    assert api.get("/meta/fields/Account").json()["fields"]["owner_email_c"]["personal"] is True
    changed = api.patch("/admin/fields/Account/owner_email_c", json={"personal": False})
    assert changed.status_code == 200 and changed.json()["record"]["personal"] is False


def test_the_personal_data_pdf_lists_the_person_and_their_records(api: ApiClient) -> None:
    contact = create(api, "Contact", {"first_name": "Ingrid", "last_name": LAST, "email1": EMAIL})
    create(api, "aCase", {"name": "Printer on fire", "cust_contact_id": contact})
    create(
        api,
        "Call",
        {
            "name": "Follow-up call",
            "date_start": "2025-03-01 10:00:00",
            "parent_type": "Contact",
            "parent_id": contact,
        },
    )
    resp = api.get(f"/printer/pdf/personal/Contact/{contact}")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(resp.content)).pages)
    for wanted in ("Personal data", "Ingrid", LAST, EMAIL, "Printer on fire", "Follow-up call"):
        assert wanted in text, wanted
    assert "Date Created" in text
    german = api.get(f"/printer/pdf/personal/Contact/{contact}", headers={"Accept-Language": "de"})
    german_text = "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(german.content)).pages
    )
    assert "Personenbezogene Daten" in german_text
    none = api.get("/printer/pdf/personal/aCase/whatever")
    assert none.status_code == 400
