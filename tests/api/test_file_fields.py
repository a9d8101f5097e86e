"""File metadata (issue 13) as the API shows it: photo fields, DocumentRevision and a
document's revisions, custom File and Image fields, and fields only the server writes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_files import PNG, upload
from tests.conftest import ApiClient


def fields_of(api: ApiClient, model: str) -> dict[str, Any]:
    resp = api.get(f"/meta/fields/{model}")
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["fields"])


def filters_of(api: ApiClient, model: str) -> dict[str, Any]:
    return dict(api.get(f"/meta/fields/{model}").json()["filters"])


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


@pytest.mark.parametrize("model", ["Account", "Contact"])
def test_accounts_and_contacts_have_a_photo(api: ApiClient, model: str) -> None:
    photo = fields_of(api, model)["photo"]
    assert (photo["type"], photo["vname"]) == ("image", "Photo")
    assert photo["editable"] is True and photo["required"] is False
    assert "photo" not in filters_of(api, model)  # like every file field: no list filter


def test_document_revision_fields(api: ApiClient) -> None:
    fields = fields_of(api, "DocumentRevision")
    wanted = {
        "document": ("ref", "Document", True, False),
        "document_id": ("id", "Document ID", True, True),
        "filename": ("file_ref", "File", True, True),
        "file_mime_type": ("varchar", "MIME Type", False, True),
        "revision": ("varchar", "Revision", False, True),
        "change_log": ("text", "Change Log", False, True),
        "file_size": ("int", "File Size", False, False),
    }
    got = {
        name: (d["type"], d["vname"], d["required"], d["editable"])
        for name, d in fields.items()
        if name in wanted
    }
    assert got == wanted
    assert fields["document"]["bean_name"] == "Document"
    assert fields["document"]["id_name"] == "document_id"
    assert fields["revision"]["len"] == 20


def test_a_document_points_at_its_latest_revision(api: ApiClient) -> None:
    fields = fields_of(api, "Document")
    latest = fields["document_revision"]
    assert (latest["type"], latest["vname"], latest["bean_name"]) == (
        "ref",
        "Latest Revision",
        "DocumentRevision",
    )
    assert latest["id_name"] == "document_revision_id"
    assert fields["document_revision_id"]["editable"] is False
    assert fields["revision"]["editable"] is False  # the server copies the latest number
    assert fields["revision_filename"]["type"] == "file_ref"
    assert fields["revision_filename"]["editable"] is True
    assert fields["file_mime_type"]["type"] == "varchar"


def test_a_document_lists_its_revisions(api: ApiClient) -> None:
    document = create(api, "Document", {"name": "Price list"})
    other = create(api, "Document", {"name": "Catalogue"})
    first = create(
        api, "DocumentRevision", {"document_id": document, "filename": upload(api, b"1", "v1.pdf")}
    )
    second = create(
        api,
        "DocumentRevision",
        {
            "document_id": document,
            "filename": upload(api, b"2", "v2.pdf"),
            "change_log": "new prices",
        },
    )
    create(api, "DocumentRevision", {"document_id": other, "filename": upload(api, b"c", "c.pdf")})
    resp = api.get(f"/data/Document/{document}/revisions")
    assert resp.status_code == 200, resp.text
    assert {r["id"] for r in resp.json()["records"]} == {first, second}
    record = api.get(f"/data/DocumentRevision/{second}").json()["record"]
    assert (record["document_id"], record["document"]) == (document, "Price list")
    assert record["change_log"] == "new prices"


def test_revisions_are_a_sub_panel_of_documents(api: ApiClient) -> None:
    resp = api.get("/meta/sub_panels/Document/Standard")
    assert resp.status_code == 200, resp.text
    panels = {p["name"]: p for p in resp.json()["panels"]}
    revisions = panels["revisions"]
    assert (revisions["bean_name"], revisions["module"]) == ("DocumentRevision", "Documents")
    assert revisions["title"] == "Document Revision"


def test_revisions_share_the_documents_module(api: ApiClient) -> None:
    modules = {m["module"]: m for m in api.get("/meta/modules").json()["list"]}
    documents = modules["Documents"]
    assert documents["models"] == ["Document", "DocumentRevision"]
    assert documents["primary_model"] == "Document"


def test_a_revision_needs_its_document_and_file(api: ApiClient) -> None:
    resp = api.post("/data/DocumentRevision", json={"data": {"change_log": "draft"}})
    assert resp.status_code == 400
    message = resp.json()["message"]
    assert "document_id" in message and "filename" in message


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("Document", "document_revision_id"),
        ("Document", "revision"),
        ("DocumentRevision", "file_size"),
    ],
)
def test_fields_the_server_maintains_cannot_be_written(
    api: ApiClient, model: str, field: str
) -> None:
    document = create(api, "Document", {"name": "Manual"})
    revision = create(
        api, "DocumentRevision", {"document_id": document, "filename": upload(api, b"m", "m.pdf")}
    )
    record_id, value = (document, revision) if model == "Document" else (revision, 1024)
    data: dict[str, Any] = {"name": "Other", field: value}
    if model == "DocumentRevision":
        data = {"document_id": document, "filename": upload(api, b"n", "n.pdf"), field: value}
    created = api.post(f"/data/{model}", json={"data": data})
    assert created.status_code == 400, created.text
    assert created.json()["message"] == f"Field {field} of model {model} cannot be written"
    kept = api.get(f"/data/{model}/{record_id}").json()["record"][field]  # the server's
    changed = api.patch(f"/data/{model}/{record_id}", json={"data": {field: "client's"}})
    assert changed.status_code == 400, changed.text
    assert field in changed.json()["message"]
    assert api.get(f"/data/{model}/{record_id}").json()["record"][field] == kept


@pytest.mark.parametrize(("type_", "wire"), [("File", "file_ref"), ("Image", "image")])
def test_custom_file_fields(api: ApiClient, type_: str, wire: str) -> None:
    resp = api.post("/admin/fields/Account", json={"name": "attachment_c", "type": type_.lower()})
    assert resp.status_code == 200, resp.text
    assert resp.json()["record"]["type"] == type_
    meta = fields_of(api, "Account")["attachment_c"]
    assert (meta["type"], meta["custom_type"], meta["custom"]) == (wire, type_, True)
    assert meta["len"] == 255
    assert "attachment_c" not in filters_of(api, "Account")
    scan = upload(api, PNG, "scan.png", "image/png")
    account = create(api, "Account", {"name": "Acme", "attachment_c": scan})
    record = api.get(f"/data/Account/{account}").json()["record"]
    assert record["attachment_c"] == "scan.png"
    too_long = api.patch(f"/data/Account/{account}", json={"data": {"attachment_c": "x" * 256}})
    assert too_long.status_code == 400
    no_upload = api.patch(f"/data/Account/{account}", json={"data": {"attachment_c": "a.png"}})
    assert no_upload.status_code == 400
    not_text = api.patch(f"/data/Account/{account}", json={"data": {"attachment_c": 5}})
    assert not_text.status_code == 400


@pytest.mark.parametrize("type_", ["File", "Image"])
def test_custom_file_fields_are_neither_indexed_nor_unique(api: ApiClient, type_: str) -> None:
    for flag in ("indexed", "unique"):
        resp = api.post("/admin/fields/Contact", json={"name": "scan_c", "type": type_, flag: True})
        assert resp.status_code == 400, (flag, resp.text)
    assert "scan_c" not in fields_of(api, "Contact")


def test_unknown_type_hint_names_the_file_types(api: ApiClient) -> None:
    resp = api.post("/admin/fields/Account", json={"name": "x_c", "type": "Attachment"})
    assert resp.status_code == 400
    hint = resp.json()["hint"]
    assert "File" in hint and "Image" in hint
