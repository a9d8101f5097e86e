"""GDPR erasure reaches every store that keeps a copy: webhook snapshots and the delivery
log (a real receiver), stored Idempotency-Key answers, file bytes on disk and in an S3
bucket (moto's server); the bytes of files go only once the erasure has committed."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import boto3
import orjson
import pytest
import sqlalchemy as sa

from amity.config import Settings
from amity.core.clock import utcnow
from amity.core.erasure import Erased
from amity.core.services import Services
from amity.errors import BadRequest
from tests.api.test_erasure import EMAIL, LAST, create, stored_bytes, stored_files
from tests.api.test_files import PNG, upload
from tests.conftest import ApiClient, User, settings_for
from tests.s3_server import BUCKET
from tests.webhook_receiver import Receiver, receiving

SHORT = "Bo"  # two characters: found by field name in JSON, never by bytes alone


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str, jwt_key_file: str) -> Settings:
    """Webhooks may reach 127.0.0.1; files on disk, or (param "s3") in moto's bucket."""
    base = dataclasses.replace(
        settings_for(database_url, jwt_key_file), webhook_allow_networks="127.0.0.0/8"
    )
    if getattr(request, "param", "local") == "local":
        return base
    s3 = request.getfixturevalue("s3_server")
    return dataclasses.replace(base, files_url=s3.files_url(f"erase{os.getpid()}"))


def echo_fields(body: bytes) -> bytes:
    """A receiver that answers JSON naming what it stored of the record."""
    got = orjson.loads(body)
    return orjson.dumps(
        {"stored": got["id"], "first_name": got["first_name"], "email1": got["email1"], "ok": 1}
    )


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    """One receiver answering JSON with the fields, one answering the e-mail in plain text."""
    with (
        receiving(answer=echo_fields) as structured,
        receiving(answer=lambda body: f"saved {orjson.loads(body)['email1']}".encode()) as text,
    ):
        yield structured, text


def hook(api: ApiClient, url: str) -> str:
    resp = api.post("/webhooks", json={"type": "create_update", "url": url, "model": "Contact"})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def erase(api: ApiClient, model: str, record_id: str, fields: str) -> None:
    resp = api.post(f"/data/erase_personal/{model}/{record_id}", json={"data": {"fields": fields}})
    assert resp.status_code == 200 and resp.json() == {"result": True}, resp.text


def table_rows(services: Services, name: str) -> list[dict[str, Any]]:
    table = services.db.tables.system(name)
    with services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


# -- webhooks --------------------------------------------------------------------------------
def test_webhook_snapshots_and_delivery_logs_lose_the_values(
    api: ApiClient, services: Services, receivers: tuple[Receiver, Receiver]
) -> None:
    structured, text = receivers
    structured_hook, text_hook = hook(api, structured.url), hook(api, text.url)
    contact = create(api, "Contact", {"first_name": SHORT, "last_name": LAST, "email1": EMAIL})
    services.jobs.drain()
    log = api.get(f"/webhooks/{structured_hook}/deliveries").json()["records"]
    assert orjson.loads(log[0]["response"]) == {
        "stored": contact,
        "first_name": SHORT,
        "email1": EMAIL,
        "ok": 1,
    }
    assert api.get(f"/webhooks/{text_hook}/deliveries").json()["records"][0]["response"] == (
        f"saved {EMAIL}"
    )

    erase(api, "Contact", contact, "first_name,email1")

    # the JSON answer keeps what is not erased; the erased fields are null, short or long
    log = api.get(f"/webhooks/{structured_hook}/deliveries").json()["records"]
    assert orjson.loads(log[0]["response"]) == {
        "stored": contact,
        "first_name": None,
        "email1": None,
        "ok": 1,
    }
    # text that repeats a value is dropped
    assert api.get(f"/webhooks/{text_hook}/deliveries").json()["records"][0]["response"] is None
    events = table_rows(services, "webhook_events")  # the create, and the erasure's update
    assert {e["kind"] for e in events} == {"create", "update"}
    for event in events:
        snapshot = orjson.loads(event["record"])
        assert (snapshot["first_name"], snapshot["email1"], snapshot["last_name"]) == (
            None,
            None,
            LAST,
        )
    assert EMAIL.encode() not in stored_bytes(services)

    # a replay sends the snapshot as the erasure left it
    replayed = api.post(f"/webhooks/{structured_hook}/deliveries/{log[0]['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    services.jobs.drain()
    last = [b for b in structured.bodies() if b["id"] == contact][-1]
    assert (last["first_name"], last["email1"], last["last_name"]) == (None, None, LAST)


# -- stored Idempotency-Key answers ----------------------------------------------------------
def test_stored_idempotent_answers_lose_the_values(api: ApiClient, services: Services) -> None:
    key = {"Idempotency-Key": "erase-create-1"}
    body = {"data": {"first_name": SHORT, "last_name": LAST, "email1": EMAIL}}
    first = api.post("/data/Contact", json=body, headers=key)
    assert first.status_code == 200, first.text
    contact = first.json()["id"]
    account = create(api, "Account", {"name": "Holdings GmbH"})
    invoice_key = {"Idempotency-Key": "erase-invoice-1"}
    invoice_body = {
        "record": {
            "name": "Big order",
            "billing_account_id": account,
            "billing_contact_id": contact,
        },
        "groups": [],
    }
    invoice = api.post("/tally/Invoice", json=invoice_body, headers=invoice_key)
    assert invoice.status_code == 200, invoice.text
    assert LAST in invoice.text  # the answer names the billing contact
    untouched_key = {"Idempotency-Key": "erase-other-1"}
    other = {"data": {"first_name": SHORT, "last_name": "Unrelated"}}
    assert api.post("/data/Contact", json=other, headers=untouched_key).status_code == 200

    erase(api, "Contact", contact, "first_name,last_name,email1")

    again = api.post("/data/Contact", json=body, headers=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == {"id": contact}  # the answer held the id only: replayed as it was
    replayed = api.post("/tally/Invoice", json=invoice_body, headers=invoice_key)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["record"]["billing_contact"] is None and LAST not in replayed.text
    assert replayed.json()["record"]["name"] == "Big order"  # the rest of the answer stays
    kept = stored_bytes(services)
    assert LAST.encode() not in kept and EMAIL.encode() not in kept
    # an answer about another record that holds the same short value stays as it was
    other_answer = api.post("/data/Contact", json=other, headers=untouched_key)
    assert other_answer.headers["Idempotent-Replayed"] == "true"
    assert set(other_answer.json()) == {"id"}


# -- files -----------------------------------------------------------------------------------
def photo_of(api: ApiClient, services: Services) -> tuple[str, str]:
    """A contact with a photo: (contact id, the photo's SHA-256)."""
    contact = create(api, "Contact", {"last_name": LAST, "email1": EMAIL})
    photo = upload(api, PNG + LAST.encode(), f"{LAST}.png", "image/png")
    resp = api.patch(f"/data/Contact/{contact}", json={"data": {"photo": photo}})
    assert resp.status_code == 200, resp.text
    with services.db.read() as conn:
        sha256 = services.files.store.attached(conn, "Contact", contact, "photo")["sha256"]
    return contact, str(sha256)


@pytest.mark.parametrize("settings", ["s3"], indirect=True)
def test_an_erased_file_leaves_the_bucket(api: ApiClient, services: Services) -> None:
    contact, sha256 = photo_of(api, services)
    bucket = boto3.session.Session().client("s3")
    prefix = f"erase{os.getpid()}/blobs/"

    def keys() -> set[str]:
        listed = bucket.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return {item["Key"] for item in listed.get("Contents", [])}

    assert prefix + sha256 in keys()
    erase(api, "Contact", contact, "photo")
    assert prefix + sha256 not in keys()
    assert api.get(f"/files/download/Contact/{contact}?field=photo").status_code == 404


def test_a_failed_erasure_leaves_the_file_readable(
    api: ApiClient, services: Services, admin: User
) -> None:
    contact, sha256 = photo_of(api, services)

    def fails(conn: Any, erased: Erased) -> None:  # a store after the files fails
        raise BadRequest("a later store could not be cleared")

    services.personal.participants.append(fails)
    try:
        with pytest.raises(BadRequest):
            services.personal.erase(admin.actor, "Contact", contact, "photo,email1")
    finally:
        services.personal.participants.remove(fails)
    assert services.files.blobs.has(sha256)
    got = api.get(f"/files/download/Contact/{contact}?field=photo")
    assert got.status_code == 200 and got.content == PNG + LAST.encode()
    assert api.get(f"/data/Contact/{contact}").json()["record"]["email1"] == EMAIL


def test_bytes_left_after_the_commit_are_swept(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should removing the bytes fail after the commit (the process dies), the files
    sweep takes them: the erasure marked the blob as long unused."""
    contact, sha256 = photo_of(api, services)

    def dies(hashes: Any) -> None:
        raise OSError("the process went away")

    monkeypatch.setattr(services.personal, "remove_blobs", dies)
    erase(api, "Contact", contact, "photo")
    assert services.files.blobs.has(sha256)  # the bytes outlived the erasure
    assert api.get(f"/files/download/Contact/{contact}?field=photo").status_code == 404
    services.files.purge(utcnow())
    assert not services.files.blobs.has(sha256)
    assert LAST.encode() not in stored_files(services)


def test_the_same_bytes_uploaded_again_before_they_go_are_kept(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload of the same bytes between the erasure's commit and the removal of the
    bytes takes the blob up again (an upload's first step notes the blob, then finds its
    bytes stored and relies on them): the bytes stay."""
    contact, sha256 = photo_of(api, services)
    data = PNG + LAST.encode()
    real = services.personal.remove_blobs

    def upload_in_between(hashes: Any) -> None:
        with services.db.write() as conn:
            services.files.store.keep_blob(conn, sha256, len(data), utcnow())
        real(hashes)

    monkeypatch.setattr(services.personal, "remove_blobs", upload_in_between)
    erase(api, "Contact", contact, "photo")
    assert services.files.blobs.has(sha256)
    assert [r["sha256"] for r in table_rows(services, "file_blobs")] == [sha256]
