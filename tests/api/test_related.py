"""Related records: /data/{model}/{id}/{link} (list, add, remove) and linked-records."""

from __future__ import annotations

from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def related(api: ApiClient, model: str, record_id: str, link: str, **params: Any) -> dict[str, Any]:
    resp = api.get(f"/data/{model}/{record_id}/{link}", params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"records", "total_results", "next_cursor"}  # next_cursor: beyond 1CRM
    return dict(body)


def related_ids(api: ApiClient, model: str, record_id: str, link: str) -> set[str]:
    return {r["id"] for r in related(api, model, record_id, link, limit=200)["records"]}


def link(api: ApiClient, model: str, record_id: str, name: str, **payload: Any) -> None:
    resp = api.post(f"/data/{model}/{record_id}/{name}", json=payload)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"result": True}


def opportunity(api: ApiClient, name: str = "Deal") -> str:
    return create(api, "Opportunity", {"name": name, "date_closed": "2024-09-30"})


def assert_error(resp: Any, status: int, *words: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error", "message", "hint"}
    for word in words:
        assert word in body["message"] + " " + body["hint"], (word, body)


# -- many to many ----------------------------------------------------------------------------
def test_link_contacts_to_an_account_both_ways(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    ann = create(api, "Contact", {"first_name": "Ann", "last_name": "Lee"})
    bob = create(api, "Contact", {"first_name": "Bob", "last_name": "Ray"})
    create(api, "Contact", {"last_name": "Unrelated"})
    link(api, "Account", account, "contacts", records=[ann, bob])
    page = related(api, "Account", account, "contacts")
    assert page["total_results"] == 2
    assert {r["id"] for r in page["records"]} == {ann, bob}
    row = next(r for r in page["records"] if r["id"] == ann)
    assert row["name"] == row["_display"] == "Ann Lee"
    assert related_ids(api, "Contact", ann, "accounts") == {account}


def test_linking_twice_keeps_one_link(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    ann = create(api, "Contact", {"last_name": "Lee"})
    link(api, "Account", account, "contacts", records=[ann])
    link(api, "Account", account, "contacts", records=[ann])
    assert related(api, "Account", account, "contacts")["total_results"] == 1


def test_records_with_data_stores_the_role_on_the_join(api: ApiClient) -> None:
    contact = create(api, "Contact", {"last_name": "Lee"})
    first, second = opportunity(api, "First"), opportunity(api, "Second")
    link(
        api,
        "Contact",
        contact,
        "opportunities",
        records_with_data=[{"id": first, "contact_role": "Technical Evaluator"}],
        records=[second],
    )
    rows = {r["id"]: r for r in related(api, "Contact", contact, "opportunities")["records"]}
    assert set(rows) == {first, second}
    assert rows[first]["contact_role"] == "Technical Evaluator"
    assert rows[second]["contact_role"] is None
    # the same join seen from the opportunity's side carries the same role
    back = related(api, "Opportunity", first, "contacts")["records"]
    assert [(r["id"], r["contact_role"]) for r in back] == [(contact, "Technical Evaluator")]
    # linking again with data changes the role
    link(
        api,
        "Contact",
        contact,
        "opportunities",
        records_with_data=[{"id": first, "contact_role": "Influencer"}],
    )
    rows = {r["id"]: r for r in related(api, "Contact", contact, "opportunities")["records"]}
    assert rows[first]["contact_role"] == "Influencer"


def test_join_field_values_are_validated(api: ApiClient) -> None:
    contact = create(api, "Contact", {"last_name": "Lee"})
    opp = opportunity(api)
    resp = api.post(
        f"/data/Contact/{contact}/opportunities",
        json={"records_with_data": [{"id": opp, "contact_role": "Boss"}]},
    )
    assert_error(resp, 400, "contact_role")
    resp = api.post(
        f"/data/Contact/{contact}/opportunities",
        json={"records_with_data": [{"id": opp, "share": 50}]},
    )
    assert_error(resp, 400, "share")
    assert related(api, "Contact", contact, "opportunities")["total_results"] == 0


def test_related_list_takes_list_parameters(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    ids = [
        create(api, "Contact", {"first_name": f, "last_name": "Lee", "title": "CTO"})
        for f in ("Ann", "Bob", "Cid")
    ]
    link(api, "Account", account, "contacts", records=ids)
    page = related(api, "Account", account, "contacts", limit=2, order="first_name desc")
    assert page["total_results"] == 3
    assert [r["first_name"] for r in page["records"]] == ["Cid", "Bob"]
    page = related(api, "Account", account, "contacts", filter_text="Bo", **{"fields[]": ["title"]})
    assert [(r["first_name"], r["title"]) for r in page["records"]] == [("Bob", "CTO")]
    assert page["total_results"] == 1


# -- has_many and parent links --------------------------------------------------------------
def test_account_cases_follow_account_id(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    made_with_ref = create(api, "aCase", {"name": "Made linked", "account_id": account})
    linked_later = create(api, "aCase", {"name": "Linked later"})
    create(api, "aCase", {"name": "Elsewhere"})
    link(api, "Account", account, "cases", records=[linked_later])
    assert related_ids(api, "Account", account, "cases") == {made_with_ref, linked_later}
    record = api.get(f"/data/aCase/{linked_later}").json()["record"]
    assert record["account_id"] == account
    assert record["account"] == "Acme"


def project_with_task(api: ApiClient) -> tuple[str, str, str]:
    """An account, a project of it, and one task of the project: their ids."""
    account = create(api, "Account", {"name": "Acme"})
    project = create(
        api,
        "Project",
        {
            "name": "Rollout",
            "account_id": account,
            "date_starting": "2024-01-01",
            "date_ending": "2024-06-30",
        },
    )
    task = create(
        api,
        "ProjectTask",
        {
            "name": "Plan",
            "parent_id": project,
            "date_start": "2024-01-02",
            "date_due": "2024-01-10",
        },
    )
    return account, project, task


def test_project_tasks_of_a_project(api: ApiClient) -> None:
    account, project, task = project_with_task(api)
    assert related_ids(api, "Project", project, "project_tasks") == {task}
    assert related_ids(api, "Account", account, "projects") == {project}


@pytest.mark.parametrize(
    "name,model,extra",
    [
        ("tasks", "Task", {}),
        ("calls", "Call", {"date_start": "2024-03-01 09:00:00"}),
        ("meetings", "Meeting", {"date_start": "2024-03-01 09:00:00"}),
        ("notes", "Note", {}),
    ],
)
def test_activities_of_an_account_use_parent_fields(
    api: ApiClient, name: str, model: str, extra: dict[str, Any]
) -> None:
    account = create(api, "Account", {"name": "Acme"})
    contact = create(api, "Contact", {"last_name": "Lee"})
    by_parent = create(
        api, model, {"name": "By parent", "parent_type": "Account", "parent_id": account, **extra}
    )
    linked = create(api, model, {"name": "Linked", **extra})
    # same id, other parent type: not an activity of the account
    create(
        api, model, {"name": "Of contact", "parent_type": "Contact", "parent_id": contact, **extra}
    )
    link(api, "Account", account, name, records=[linked])
    assert related_ids(api, "Account", account, name) == {by_parent, linked}
    record = api.get(f"/data/{model}/{linked}").json()["record"]
    assert (record["parent_type"], record["parent_id"]) == ("Account", account)
    assert record["parent"] == "Acme"


def test_parent_name_of_a_person_parent(api: ApiClient) -> None:
    contact = create(api, "Contact", {"first_name": "Ann", "last_name": "Lee"})
    task = create(
        api, "Task", {"name": "Follow up", "parent_type": "Contact", "parent_id": contact}
    )
    assert api.get(f"/data/Task/{task}").json()["record"]["parent"] == "Ann Lee"


# -- remove ----------------------------------------------------------------------------------
def test_remove_a_many_to_many_link(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    ann = create(api, "Contact", {"last_name": "Lee"})
    bob = create(api, "Contact", {"last_name": "Ray"})
    link(api, "Account", account, "contacts", records=[ann, bob])
    resp = api.delete(f"/data/Account/{account}/contacts/{ann}")
    assert resp.status_code == 200 and resp.json() == {"result": True}
    assert related_ids(api, "Account", account, "contacts") == {bob}
    assert api.get(f"/data/Contact/{ann}").status_code == 200  # only the link went
    assert_error(api.delete(f"/data/Account/{account}/contacts/{ann}"), 404)


def test_remove_a_has_many_link_clears_the_reference(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    case = create(api, "aCase", {"name": "Broken", "account_id": account})
    resp = api.delete(f"/data/Account/{account}/cases/{case}")
    assert resp.status_code == 200 and resp.json() == {"result": True}
    assert related_ids(api, "Account", account, "cases") == set()
    assert api.get(f"/data/aCase/{case}").json()["record"]["account_id"] is None
    assert_error(api.delete(f"/data/Account/{account}/cases/{case}"), 404)


def test_remove_a_parent_link(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    other = create(api, "Account", {"name": "Other"})
    note = create(api, "Note", {"name": "Hi", "parent_type": "Account", "parent_id": account})
    assert_error(api.delete(f"/data/Account/{other}/notes/{note}"), 404)
    assert api.delete(f"/data/Account/{account}/notes/{note}").json() == {"result": True}
    record = api.get(f"/data/Note/{note}").json()["record"]
    assert record["parent_id"] is None and record["parent_type"] is None


def test_a_required_reference_cannot_be_unlinked(api: ApiClient) -> None:
    _, project, task = project_with_task(api)
    resp = api.delete(f"/data/Project/{project}/project_tasks/{task}")
    assert_error(resp, 400, "parent_id")
    assert related_ids(api, "Project", project, "project_tasks") == {task}


# -- linked records --------------------------------------------------------------------------
def test_linked_records_lists_everything_linked_through_a_link(api: ApiClient) -> None:
    acme = create(api, "Account", {"name": "Acme"})
    globex = create(api, "Account", {"name": "Globex"})
    ann = create(api, "Contact", {"last_name": "Lee"})
    bob = create(api, "Contact", {"last_name": "Ray"})
    create(api, "Contact", {"last_name": "Loner"})
    link(api, "Account", acme, "contacts", records=[ann])
    link(api, "Account", globex, "contacts", records=[bob])
    resp = api.get("/data/link/Account/linked-records/contacts")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"records", "total_results", "next_cursor"}  # next_cursor: beyond 1CRM
    assert body["total_results"] == 2
    assert {r["id"] for r in body["records"]} == {ann, bob}
    case = create(api, "aCase", {"name": "Broken", "account_id": globex})
    create(api, "aCase", {"name": "No account"})
    cases = api.get("/data/link/Account/linked-records/cases", params={"limit": 1}).json()
    assert cases["total_results"] == 1 and [r["id"] for r in cases["records"]] == [case]


# -- errors ----------------------------------------------------------------------------------
def test_unknown_link_is_404_naming_it(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    assert_error(api.get(f"/data/Account/{account}/friends"), 404, "friends")
    assert_error(
        api.post(f"/data/Account/{account}/friends", json={"records": [account]}), 404, "friends"
    )
    assert_error(api.delete(f"/data/Account/{account}/friends/{account}"), 404, "friends")
    assert_error(api.get("/data/link/Account/linked-records/friends"), 404, "friends")


def test_related_of_a_missing_parent_is_404(api: ApiClient) -> None:
    contact = create(api, "Contact", {"last_name": "Lee"})
    assert_error(api.get("/data/Account/missing/contacts"), 404)
    assert_error(api.post("/data/Account/missing/contacts", json={"records": [contact]}), 404)


def test_linking_a_missing_record_is_404_and_links_nothing(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    ann = create(api, "Contact", {"last_name": "Lee"})
    resp = api.post(f"/data/Account/{account}/contacts", json={"records": [ann, "missing"]})
    assert_error(resp, 404, "missing")
    assert related(api, "Account", account, "contacts")["total_results"] == 0
    gone = create(api, "Contact", {"last_name": "Gone"})
    api.delete(f"/data/Contact/{gone}")
    assert_error(api.post(f"/data/Account/{account}/contacts", json={"records": [gone]}), 404)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"records": "abc"},
        {"records": [1, 2]},
        {"records": [""]},
        {"records_with_data": ["abc"]},
        {"records_with_data": [{"contact_role": "Influencer"}]},
    ],
)
def test_malformed_link_payloads_are_400(api: ApiClient, payload: dict[str, Any]) -> None:
    contact = create(api, "Contact", {"last_name": "Lee"})
    resp = api.post(f"/data/Contact/{contact}/opportunities", json=payload)
    assert_error(resp, 400)


def test_link_writes_record_the_acting_user(
    api: ApiClient, app: Any, services: Services, admin: User
) -> None:
    other = services.auth.add_user(admin.actor, "sam", "pw-sam-123", last_name="Sample")
    _, token = services.auth.create_token("sam")
    account = create(api, "Account", {"name": "Acme"})
    case = create(api, "aCase", {"name": "Broken"})
    sam = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        link(sam, "Account", account, "cases", records=[case])
    finally:
        sam.close()
    record = api.get(f"/data/aCase/{case}").json()["record"]
    assert record["account_id"] == account
    assert record["modified_user_id"] == other
