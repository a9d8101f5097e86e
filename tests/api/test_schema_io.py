"""A configuration moves between installs as a file; metadata changes are audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amity.app import create_app
from amity.cli import init_admin
from amity.config import Settings
from amity.core.services import build_services
from amity.store.migrate import migrate
from tests.conftest import NO_RATE_LIMITS, ApiClient


def configure(api: ApiClient) -> None:
    """Custom fields (one option retired), a dependency and a layout, through the API."""
    made = api.post(
        "/admin/fields/Account",
        json={"name": "tier_c", "type": "Select", "label": "Tier", "options": ["Gold", "Silver"]},
    )
    assert made.status_code == 200, made.text
    options = made.json()["record"]["options"]
    options[1]["retired"] = True
    assert api.patch("/admin/fields/Account/tier_c", json={"options": options}).status_code == 200
    assert (
        api.post(
            "/admin/fields/Contact", json={"name": "hobby_c", "type": "Text", "indexed": True}
        ).status_code
        == 200
    )
    assert (
        api.put(
            "/admin/dependencies/aCase/type",
            json={"source": "category", "map": {"Problem": ["Product"]}},
        ).status_code
        == 200
    )
    assert (
        api.put(
            "/admin/layouts/Contact/list/Slim",
            json={"label": "Slim", "columns": ["last_name", "hobby_c"]},
        ).status_code
        == 200
    )


@pytest.fixture
def other_install(tmp_path: Path) -> Iterator[ApiClient]:
    """A second, empty Amity (its own SQLite file) with its own admin."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'other.db'}",
        log_level="WARNING",
        jwt_key_file=str(tmp_path / "other-key.pem"),
        **NO_RATE_LIMITS,
    )
    services = build_services(settings)
    migrate(services.db)
    init_admin(services, "admin", "other-install-pw")
    client = ApiClient(create_app(settings, services))
    client._client.auth = ("admin", "other-install-pw")
    yield client
    client.close()
    services.close()


def test_export_then_import_into_another_install(api: ApiClient, other_install: ApiClient) -> None:
    configure(api)
    document = api.get("/admin/schema").json()
    assert document["format"] == "amity-schema" and document["version"] == 1
    assert {(f["model"], f["name"]) for f in document["custom_fields"]} == {
        ("Account", "tier_c"),
        ("Contact", "hobby_c"),
    }
    applied = other_install.post("/admin/schema", json=document)
    assert applied.status_code == 200, applied.text
    assert len(applied.json()["changes"]) == 4
    assert other_install.get("/admin/schema").json() == document
    # importing again changes nothing
    assert other_install.post("/admin/schema", json=document).json() == {"changes": []}
    # the imported configuration works: the retired option is refused, the layout shows
    refused = other_install.post("/data/Account", json={"data": {"name": "A", "tier_c": 2}})
    assert refused.status_code == 400
    view = other_install.get("/meta/list_view/Contact", params={"layout": "Slim"}).json()
    assert [c["field"] for c in view["columns"]] == ["last_name", "hobby_c"]


def test_custom_models_move_between_installs(api: ApiClient, other_install: ApiClient) -> None:
    """Models with fields and links, including a link added later to a model defined
    after it (so the file's models must be made before their links)."""
    assert (
        api.post(
            "/admin/models",
            json={
                "name": "Plan",
                "fields": [{"name": "tier", "type": "Select", "options": ["A", "B"]}],
                "links": [{"name": "account", "kind": "many_to_one", "target": "Account"}],
            },
        ).status_code
        == 200
    )
    assert (
        api.post("/admin/models", json={"name": "Licence", "label": "Licence"}).status_code == 200
    )
    assert (
        api.post(
            "/admin/models/Plan/links",
            json={
                "name": "licences",
                "kind": "many_to_many",
                "target": "Licence",
                "reverse": "plans",
            },
        ).status_code
        == 200
    )
    assert (
        api.post("/admin/fields/Licence", json={"name": "seats", "type": "Number"}).status_code
        == 200
    )
    assert (
        api.post(
            "/admin/models/Licence/links",
            json={"name": "holder", "kind": "many_to_one", "target": "Contact"},
        ).status_code
        == 200
    )
    assert (
        api.patch(
            "/admin/models/Licence", json={"portal": {"link": "holder", "create": True}}
        ).status_code
        == 200
    )
    document = api.get("/admin/schema").json()
    assert [m["name"] for m in document["custom_models"]] == ["Plan", "Licence"]
    applied = other_install.post("/admin/schema", json=document)
    assert applied.status_code == 200, applied.text
    assert applied.json()["changes"][:4] == [
        "custom model Plan added",
        "custom model Licence added",
        "link Plan.account to Account",
        "link Plan.licences to Licence",
    ]
    assert "custom model Licence changed: portal" in applied.json()["changes"]
    assert other_install.get("/admin/schema").json() == document
    assert other_install.post("/admin/schema", json=document).json() == {"changes": []}
    plan = other_install.post("/data/Plan", json={"data": {"name": "P", "tier": 2}})
    licence = other_install.post("/data/Licence", json={"data": {"name": "L", "seats": 3}})
    assert plan.status_code == licence.status_code == 200
    plan_id, licence_id = plan.json()["id"], licence.json()["id"]
    assert (
        other_install.post(
            f"/data/Plan/{plan_id}/licences", json={"records": [licence_id]}
        ).status_code
        == 200
    )
    related = other_install.get(f"/data/Licence/{licence_id}/plans").json()["records"]
    assert [r["id"] for r in related] == [plan_id]


def test_import_changes_what_differs(api: ApiClient, other_install: ApiClient) -> None:
    configure(api)
    document = api.get("/admin/schema").json()
    other_install.post("/admin/schema", json=document)
    document["custom_fields"][0]["label"] = "Customer tier"
    document["custom_fields"][0]["options"].append({"label": "Bronze", "retired": False})
    changes = other_install.post("/admin/schema", json=document).json()["changes"]
    assert changes == ["custom field Account.tier_c changed: label, options"]
    tier = other_install.get("/admin/fields/Account/tier_c").json()["record"]
    assert tier["label"] == "Customer tier"
    assert [o["label"] for o in tier["options"]] == ["Gold", "Silver", "Bronze"]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"format": "other"},
        {"format": "amity-schema", "version": 99},
        {"format": "amity-schema", "version": 1, "custom_fields": "x"},
        {
            "format": "amity-schema",
            "version": 1,
            "custom_fields": [{"model": "Account", "name": "bad name", "type": "Text"}],
        },
    ],
)
def test_bad_documents_are_400(api: ApiClient, document: dict[str, Any]) -> None:
    resp = api.post("/admin/schema", json=document)
    assert resp.status_code == 400, resp.text
    assert api.get("/admin/schema").json()["custom_fields"] == []


def test_metadata_changes_are_audited(api: ApiClient, anon: ApiClient, admin: Any) -> None:
    configure(api)
    history = api.get("/admin/metadata/history", params={"limit": 50}).json()
    kinds = [(r["object"], r["kind"]) for r in history["records"]]
    assert kinds == [
        ("Layout", "update"),
        ("PicklistDependency", "create"),
        ("CustomField", "create"),
        ("CustomField", "update"),
        ("CustomField", "create"),
    ]
    assert history["total_results"] == 5
    assert {r["user_id"] for r in history["records"]} == {admin.id}
    assert all(r["date"] and r["source"].startswith("api ") for r in history["records"])
    first = history["records"][-1]
    assert first["changes"]["name"] == [None, "tier_c"]
    assert anon.get("/admin/metadata/history").status_code == 401


def test_audit_switches_move_between_installs(api: ApiClient, other_install: ApiClient) -> None:
    assert api.patch("/admin/fields/Contact/phone_fax", json={"audited": False}).status_code == 200
    made = api.post(
        "/admin/fields/Contact", json={"name": "note_c", "type": "Text", "audited": False}
    )
    assert made.status_code == 200, made.text
    document = api.get("/admin/schema").json()
    assert document["audited_fields"] == [
        {"model": "Contact", "field": "phone_fax", "audited": False}
    ]
    (note,) = [f for f in document["custom_fields"] if f["name"] == "note_c"]
    assert note["audited"] is False
    applied = other_install.post("/admin/schema", json=document)
    assert applied.status_code == 200, applied.text
    assert "field Contact.phone_fax audited: off" in applied.json()["changes"]
    fields = other_install.get("/meta/fields/Contact").json()["fields"]
    assert (fields["phone_fax"]["audited"], fields["note_c"]["audited"]) == (False, False)
    assert fields["phone_work"]["audited"] is True
    again = other_install.post("/admin/schema", json=document)
    assert again.json()["changes"] == []
