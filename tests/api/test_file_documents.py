"""Documents and their revisions: every file a Document gets is a revision, the newest is
the document's file; photos and custom file fields; the portal's files."""

from __future__ import annotations

from typing import Any

from amity.core.services import Services
from tests.api.test_files import PNG, upload
from tests.conftest import ApiClient, User


def revisions(api: ApiClient, document: str) -> list[dict[str, Any]]:
    response = api.get(
        f"/data/Document/{document}/revisions", params={"fields[]": ["revision", "filename"]}
    )
    assert response.status_code == 200, response.text
    return sorted(response.json()["records"], key=lambda r: int(r["revision"]))


def test_a_document_file_is_its_first_revision_and_a_new_one_its_latest(api: ApiClient) -> None:
    first = upload(api, b"version one", "contract.txt")
    created = api.post(
        "/data/Document", json={"data": {"name": "Contract", "revision_filename": first}}
    )
    assert created.status_code == 200, created.text
    doc = created.json()["id"]
    record = api.get(f"/data/Document/{doc}").json()["record"]
    assert record["revision_filename"] == "contract.txt"
    assert record["revision"] == "1"
    assert record["file_mime_type"] == "text/plain"
    assert api.get(f"/files/download/Document/{doc}").content == b"version one"
    (rev1,) = revisions(api, doc)
    assert rev1["revision"] == "1" and rev1["filename"] == "contract.txt"
    assert record["document_revision_id"] == rev1["id"]
    assert api.get(f"/files/download/DocumentRevision/{rev1['id']}").content == b"version one"

    second = upload(api, b"version two", "contract-v2.txt")
    assert (
        api.patch(f"/data/Document/{doc}", json={"data": {"revision_filename": second}}).status_code
        == 200
    )
    assert api.get(f"/files/download/Document/{doc}").content == b"version two"
    rev1, rev2 = revisions(api, doc)
    assert rev2["revision"] == "2" and rev2["filename"] == "contract-v2.txt"
    assert api.get(f"/files/download/DocumentRevision/{rev1['id']}").content == b"version one"
    record = api.get(f"/data/Document/{doc}").json()["record"]
    assert (record["revision"], record["document_revision_id"]) == ("2", rev2["id"])


def test_a_revision_made_directly_becomes_the_documents_latest(api: ApiClient) -> None:
    doc = api.post("/data/Document", json={"data": {"name": "Handbook"}}).json()["id"]
    file_id = upload(api, b"handbook text", "handbook.txt")
    made = api.post(
        "/data/DocumentRevision", json={"data": {"document_id": doc, "filename": file_id}}
    )
    assert made.status_code == 200, made.text
    revision = made.json()["id"]
    record = api.get(f"/data/Document/{doc}").json()["record"]
    assert record["document_revision_id"] == revision
    assert record["revision"] == "1"
    assert record["revision_filename"] == "handbook.txt"
    assert api.get(f"/files/download/Document/{doc}").content == b"handbook text"
    again = api.post(
        "/data/DocumentRevision",
        json={"data": {"document_id": doc, "filename": upload(api, b"v2", "handbook.txt")}},
    )
    assert (
        api.get(f"/data/DocumentRevision/{again.json()['id']}").json()["record"]["revision"] == "2"
    )
    assert api.get(f"/files/download/Document/{doc}").content == b"v2"
    rows = api.get(f"/audit/Document/{doc}").json()["records"]
    assert any(r["field_name"] == "revision_filename" for r in rows)


def test_a_revision_needs_a_file_and_the_right_to_change_the_document(
    api: ApiClient, services: Services, admin: User
) -> None:
    doc = api.post("/data/Document", json={"data": {"name": "Locked"}}).json()["id"]
    missing = api.post("/data/DocumentRevision", json={"data": {"document_id": doc}})
    assert missing.status_code == 400
    services.acl.add_role(
        admin.actor,
        "docs-reader",
        rights={"*": {"access": True, "read": "all", "edit": "owned", "delete": "none"}},
    )
    services.auth.add_user(admin.actor, "rita", "rita-secret-pw-1")
    services.acl.assign_role(admin.actor, "docs-reader", ["rita"])
    _, token = services.auth.create_token("rita", "t")
    rita = ApiClient(api.app, {"Authorization": f"Bearer {token}"})
    try:
        file_id = upload(rita, b"sneaky", "x.txt")
        response = rita.post(
            "/data/DocumentRevision", json={"data": {"document_id": doc, "filename": file_id}}
        )
        assert response.status_code == 403
    finally:
        rita.close()
    assert api.get(f"/data/Document/{doc}").json()["record"]["revision_filename"] in (None, "")


def test_photos_take_images_only(api: ApiClient) -> None:
    account = api.post("/data/Account", json={"data": {"name": "Pictured"}}).json()["id"]
    text = upload(api, b"not a picture", "a.png", "image/png")
    refused = api.patch(f"/data/Account/{account}", json={"data": {"photo": text}})
    assert refused.status_code == 400 and "photo" in refused.json()["message"]
    photo = upload(api, PNG, "logo.png", "image/png")
    assert api.patch(f"/data/Account/{account}", json={"data": {"photo": photo}}).status_code == 200
    got = api.get(f"/files/download/Account/{account}")
    assert got.content == PNG and got.headers["content-disposition"].startswith("inline;")
    contact = api.post(
        "/data/Contact",
        json={"data": {"last_name": "Face", "photo": upload(api, PNG, "me.png", "image/png")}},
    ).json()["id"]
    assert api.get(f"/files/info/Contact/{contact}").json()["mimetype"] == "image/png"


def test_custom_file_fields_and_the_field_parameter(api: ApiClient) -> None:
    for name, kind in (("contract_c", "File"), ("badge_c", "Image")):
        made = api.post("/admin/fields/Contact", json={"name": name, "type": kind})
        assert made.status_code == 200, made.text
    contact = api.post(
        "/data/Contact",
        json={
            "data": {
                "last_name": "Custom",
                "contract_c": upload(api, b"signed", "signed.txt"),
                "badge_c": upload(api, PNG, "badge.png", "image/png"),
            }
        },
    ).json()["id"]
    several = api.get(f"/files/download/Contact/{contact}")
    assert several.status_code == 400 and "field=" in several.json()["hint"]
    assert api.get(f"/files/download/Contact/{contact}?field=contract_c").content == b"signed"
    assert api.get(f"/files/download/Contact/{contact}?field=badge_c").content == PNG
    assert api.get(f"/files/info/Contact/{contact}?field=contract_c").json()["name"] == "signed.txt"


def test_the_php_clients_document_example_works_with_document_name(api: ApiClient) -> None:
    file_id = upload(api, b"%PDF-1.4\n...", "offer.pdf", "application/pdf")
    made = api.post(
        "/data/Document", json={"data": {"document_name": "Offer", "revision_filename": file_id}}
    )
    assert made.status_code == 200, made.text
    record = api.get(f"/data/Document/{made.json()['id']}").json()["record"]
    assert (record["name"], record["document_name"]) == ("Offer", "Offer")
    assert (
        api.patch(
            f"/data/Document/{record['id']}", json={"data": {"name": "Offer 2027"}}
        ).status_code
        == 200
    )
    assert (
        api.get(f"/data/Document/{record['id']}").json()["record"]["document_name"] == "Offer 2027"
    )
    nameless = api.post("/data/Document", json={"data": {"category_id": "Sales"}})
    assert nameless.status_code == 400 and "name" in nameless.json()["message"]
