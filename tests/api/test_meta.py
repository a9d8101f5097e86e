"""GET /meta/fields/{model}: field and filter definitions, and that they match behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient

MODELS = [
    "User",
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "aCase",
    "Task",
    "Call",
    "Meeting",
    "Note",
    "Document",
    "DocumentRevision",
    "Product",
    "Project",
    "ProjectTask",
    "Contract",
    "Asset",
]
COMMON_REFS = {
    "created_by_user": "created_by",
    "modified_user": "modified_user_id",
    "assigned_user": "assigned_user_id",
}
COMMON = {"id", "deleted", "date_entered", "date_modified", *COMMON_REFS, *COMMON_REFS.values()}
FIELD_KEYS = {"name", "type", "vname", "required", "editable", "default", "len"}


def meta(api: ApiClient, model: str) -> dict[str, Any]:
    resp = api.get(f"/meta/fields/{model}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"fields", "filters"}
    return dict(body)


def options_of(definition: dict[str, Any]) -> set[str]:
    return set(definition.get("options") or ())


@pytest.mark.parametrize("model", MODELS)
def test_every_model_describes_its_fields(api: ApiClient, model: str) -> None:
    fields = meta(api, model)["fields"]
    assert set(fields) >= COMMON
    for name, definition in fields.items():
        assert set(definition) >= FIELD_KEYS, name
        assert definition["name"] == name
        assert isinstance(definition["vname"], str) and definition["vname"]
        assert isinstance(definition["required"], bool)
        assert isinstance(definition["editable"], bool)
        if definition["type"] == "ref":
            assert definition["id_name"] in fields, name
        if definition["type"] in ("enum", "multienum"):
            assert options_of(definition), name
    for ref, id_name in COMMON_REFS.items():
        assert fields[ref]["type"] == "ref"
        assert fields[ref]["id_name"] == id_name
        assert fields[ref]["bean_name"] == "User"
    for name in (
        "id",
        "deleted",
        "date_entered",
        "date_modified",
        "created_by",
        "modified_user_id",
    ):
        assert fields[name]["editable"] is False, name
    assert fields["assigned_user_id"]["editable"] is True


def test_contact_fields(api: ApiClient) -> None:
    fields = meta(api, "Contact")["fields"]
    assert fields["modified_user"]["id_name"] == "modified_user_id"
    assert fields["modified_user"]["bean_name"] == "User"
    assert fields["primary_account"]["bean_name"] == "Account"
    assert fields["last_name"]["required"] is True
    assert fields["first_name"]["required"] is False
    assert fields["email1"]["type"] == "email"
    assert fields["birthdate"]["type"] == "date"
    assert fields["do_not_call"]["type"] == "bool"
    assert fields["do_not_call"]["default"] is False
    assert fields["name"]["editable"] is False
    assert isinstance(fields["first_name"]["len"], int)
    assert {"Mr.", "Dr."} <= options_of(fields["salutation"])


def test_opportunity_and_case_fields(api: ApiClient) -> None:
    opp = meta(api, "Opportunity")["fields"]
    assert opp["amount"]["type"] in ("currency", "decimal")
    assert opp["sales_stage"]["default"] == "Prospecting"
    assert "Closed Won" in options_of(opp["sales_stage"])
    assert opp["account"]["bean_name"] == "Account"
    case = meta(api, "aCase")["fields"]
    assert case["case_number"]["type"] == "int"
    assert case["case_number"]["editable"] is False


def test_activity_parent_is_a_dynamic_ref(api: ApiClient) -> None:
    fields = meta(api, "Task")["fields"]
    assert fields["parent"]["type"] == "ref"
    assert fields["parent"]["id_name"] == "parent_id"
    assert {"Account", "Contact"} <= options_of(fields["parent_type"])


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_search_and_owner_filters(api: ApiClient, model: str) -> None:
    filters = meta(api, model)["filters"]
    assert filters["filter_text"]["type"] == "unified_search"
    assert options_of(filters["filter_owner"]) == {"all", "mine", "not_mine"}
    for name, definition in filters.items():
        assert definition["name"] == name
        assert definition["type"]


def test_contact_filters(api: ApiClient) -> None:
    filters = meta(api, "Contact")["filters"]
    assert "any_email" in filters
    assert filters["primary_account"]["id_name"] == "primary_account_id"
    assert filters["primary_account"]["bean_name"] == "Account"
    assert "before_date" in filters["birthdate"].get("operators", [])
    account = meta(api, "Account")["filters"]
    assert {"any_email", "account_type"} <= set(account)
    assert "Supplier" in options_of(account["account_type"])


def test_unknown_model_is_404(api: ApiClient, anon: ApiClient) -> None:
    resp = api.get("/meta/fields/Acount")
    assert resp.status_code == 404
    assert resp.json()["message"] == "Model Acount not found"
    assert anon.get("/meta/fields/Account").status_code == 401


# -- metadata matches behaviour --------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_fields_meta_calls_read_only_are_refused(api: ApiClient, model: str) -> None:
    fields = meta(api, model)["fields"]
    before = api.get(f"/data/{model}").json()["total_results"]
    for name, definition in fields.items():
        if definition["editable"]:
            continue
        resp = api.post(f"/data/{model}", json={"data": {name: None}})
        assert resp.status_code == 400, name
        assert name in resp.json()["message"], name
    assert api.get(f"/data/{model}").json()["total_results"] == before


@pytest.mark.parametrize("model", MODELS)
def test_required_fields_without_default_are_demanded(api: ApiClient, model: str) -> None:
    fields = meta(api, model)["fields"]
    demanded = {
        name
        for name, d in fields.items()
        if d["required"] and d["editable"] and d["default"] is None
    }
    resp = api.post(f"/data/{model}", json={"data": {}})
    assert resp.status_code == 400
    message = resp.json()["message"]
    assert demanded and all(name in message for name in demanded), (demanded, message)


def test_link_names_follow_1crm(api: ApiClient) -> None:
    account = api.post("/data/Account", json={"data": {"name": "Acme"}}).json()["id"]
    contact = api.post("/data/Contact", json={"data": {"last_name": "Lee"}}).json()["id"]
    for link in (
        "contacts",
        "opportunities",
        "cases",
        "tasks",
        "calls",
        "meetings",
        "notes",
        "projects",
        "documents",
        "leads",
        "members",
    ):
        resp = api.get(f"/data/Account/{account}/{link}")
        assert resp.status_code == 200, (link, resp.text)
        assert resp.json() == {"records": [], "total_results": 0, "next_cursor": None}
    for link in ("accounts", "opportunities", "cases", "tasks", "notes"):
        assert api.get(f"/data/Contact/{contact}/{link}").status_code == 200, link
