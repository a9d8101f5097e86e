"""The request examples of the seeds (000: the PHP client's low-level calls; 001: the REST
reference), replayed against Amity with the same JSON shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import ApiClient

ID_LEN = len("7eba2a01-6cb6-f38c-d4c2-5a8fc2def9d2")


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def ids_of(resp: Any) -> set[str]:
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"records", "total_results", "next_cursor"}  # next_cursor: beyond 1CRM
    assert body["total_results"] == len(body["records"])
    return {r["id"] for r in body["records"]}


# -- seed 000 --------------------------------------------------------------------------------
def test_get_contacts_with_limit_2(api: ApiClient) -> None:
    """$client->request('GET', '/data/Contact', ['query' => ['limit' => 2]])"""
    kristina = create(api, "Contact", {"first_name": "Kristina", "last_name": "Abramowitz"})
    garret = create(api, "Contact", {"first_name": "Garret", "last_name": "Alejo"})
    create(api, "Contact", {"first_name": "Zed", "last_name": "Zimmer", "title": "CEO"})
    resp = api.get("/data/Contact", params={"limit": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert isinstance(body.pop("next_cursor"), str)  # beyond 1CRM: a third contact follows
    assert body == {
        "records": [
            {
                "name": "Kristina Abramowitz",
                "first_name": "Kristina",
                "id": kristina,
                "last_name": "Abramowitz",
                "salutation": None,
                "_display": "Kristina Abramowitz",
            },
            {
                "name": "Garret Alejo",
                "first_name": "Garret",
                "id": garret,
                "last_name": "Alejo",
                "salutation": None,
                "_display": "Garret Alejo",
            },
        ],
        "total_results": 3,
    }


def test_post_patch_delete_a_contact(api: ApiClient) -> None:
    """POST /data/Contact, PATCH /data/Contact/:id, DELETE /data/Contact/:id"""
    resp = api.post(
        "/data/Contact", json={"data": {"first_name": "Andrey", "last_name": "Demenev"}}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert list(body) == ["id"] and len(body["id"]) == ID_LEN
    path = f"/data/Contact/{body['id']}"

    resp = api.patch(path, json={"data": {"email1": "andrey@1crm.com"}})
    assert resp.status_code == 200 and resp.json() == {"result": True}
    record = api.get(path).json()["record"]
    assert (record["first_name"], record["last_name"], record["email1"]) == (
        "Andrey",
        "Demenev",
        "andrey@1crm.com",
    )

    resp = api.delete(path)
    assert resp.status_code == 200 and resp.json() == {"result": True}
    assert api.get(path).status_code == 404


# -- seed 001 --------------------------------------------------------------------------------
def test_method_override_delete(api: ApiClient) -> None:
    """POST /data/Account/123 with X-HTTP-Method-Override: DELETE"""
    account = create(api, "Account", {"name": "Acme"})
    resp = api.post(f"/data/Account/{account}", headers={"X-HTTP-Method-Override": "DELETE"})
    assert resp.status_code == 200 and resp.json() == {"result": True}
    assert api.get(f"/data/Account/{account}").status_code == 404


def test_method_override_patch_and_put(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    for method, name in (("PATCH", "Acme 2"), ("put", "Acme 3")):
        resp = api.post(
            f"/data/Account/{account}",
            json={"data": {"name": name}},
            headers={"X-HTTP-Method-Override": method},
        )
        assert resp.status_code == 200 and resp.json() == {"result": True}
        assert api.get(f"/data/Account/{account}").json()["record"]["name"] == name
    # without the header, POST to a record path is not an update
    resp = api.post(f"/data/Account/{account}", json={"data": {"name": "X"}})
    assert resp.status_code in (404, 405)
    assert api.get(f"/data/Account/{account}").json()["record"]["name"] == "Acme 3"


def test_account_filters_by_type_and_any_email(api: ApiClient) -> None:
    """/data/Account?filters[account_type]=Supplier&filters[any_email]=sales@1crm.com"""
    sales = create(
        api,
        "Account",
        {"name": "Parts Ltd", "account_type": "Supplier", "email1": "sales@1crm.com"},
    )
    second = create(
        api,
        "Account",
        {
            "name": "Bolts Ltd",
            "account_type": "Supplier",
            "email1": "info@bolts.example",
            "email2": "sales.team@bolts.example",
        },
    )
    create(
        api,
        "Account",
        {"name": "Customer Inc", "account_type": "Customer", "email1": "sales@1crm.com"},
    )
    create(
        api,
        "Account",
        {"name": "Quiet Ltd", "account_type": "Supplier", "email1": "info@quiet.example"},
    )
    exact = api.get(
        "/data/Account?filters[account_type]=Supplier&filters[any_email]=sales@1crm.com"
    )
    assert ids_of(exact) == {sales}
    # "for some filters you can use a part of the value": filters[any_email]=sales
    part = api.get(
        "/data/Account", params={"filters[account_type]": "Supplier", "filters[any_email]": "sales"}
    )
    assert ids_of(part) == {sales, second}


def test_filter_text_examples(api: ApiClient) -> None:
    """/api.php/data/Task?filter_text=Send%20Contract"""
    wanted = create(api, "Task", {"name": "Send Contract to Acme"})
    create(api, "Task", {"name": "Send invoice"})
    create(api, "Task", {"name": "Contract review"})
    assert ids_of(api.get("/data/Task?filter_text=Send%20Contract")) == {wanted}


def test_ref_filter_by_name_and_by_id(api: ApiClient) -> None:
    """filters[billing_account]=Microsoft and filters[billing_account_id]=<id>, on
    Opportunity's account ref."""
    microsoft = create(api, "Account", {"name": "Microsoft"})
    other = create(api, "Account", {"name": "Oracle"})
    deal = create(
        api,
        "Opportunity",
        {"name": "Licences", "date_closed": "2024-01-31", "account_id": microsoft},
    )
    create(
        api, "Opportunity", {"name": "Database", "date_closed": "2024-01-31", "account_id": other}
    )
    assert ids_of(api.get("/data/Opportunity?filters[account]=Microsoft")) == {deal}
    assert ids_of(api.get(f"/data/Opportunity?filters[account_id]={microsoft}")) == {deal}


def test_date_filter_examples(api: ApiClient) -> None:
    """filters[due_date]=2020-01-01, -operator=before_date|empty|between_dates with -end,
    and period_prev with -period=week (on Task's date_due)."""
    on_day = create(api, "Task", {"name": "On", "date_due": "2020-01-01 15:30:00"})
    before = create(api, "Task", {"name": "Before", "date_due": "2019-12-31 23:59:59"})
    inside = create(api, "Task", {"name": "Inside", "date_due": "2020-01-20 08:00:00"})
    after = create(api, "Task", {"name": "After", "date_due": "2020-02-02 00:00:00"})
    empty = create(api, "Task", {"name": "No due date"})
    today = datetime.now(UTC).date()
    last_week = create(
        api, "Task", {"name": "Last week", "date_due": f"{today - timedelta(days=7)} 12:00:00"}
    )
    this_week = create(api, "Task", {"name": "Today", "date_due": f"{today} 12:00:00"})

    assert ids_of(api.get("/data/Task?filters[date_due]=2020-01-01")) == {on_day}
    assert ids_of(
        api.get("/data/Task?filters[date_due]=2020-01-01&filters[date_due-operator]=before_date")
    ) == {before}
    assert ids_of(api.get("/data/Task?filters[date_due-operator]=empty")) == {empty}
    assert ids_of(
        api.get(
            "/data/Task?filters[date_due]=2020-01-01"
            "&filters[date_due-end]=2020-02-01"
            "&filters[date_due-operator]=between_dates"
        )
    ) == {on_day, inside}
    prev_week = ids_of(
        api.get("/data/Task?filters[date_due-operator]=period_prev&filters[date_due-period]=week")
    )
    assert prev_week == {last_week}
    assert this_week not in prev_week and after not in prev_week


def test_php_client_bracket_parameters(api: ApiClient) -> None:
    """The PHP client sends fields[0]=..&fields[1]=.. percent-encoded."""
    contact = create(
        api,
        "Contact",
        {"first_name": "Ann", "last_name": "Lee", "email1": "ann@example.com", "title": "CTO"},
    )
    resp = api.get("/data/Contact?fields%5B0%5D=email1&fields%5B1%5D=title")
    assert resp.status_code == 200
    [row] = resp.json()["records"]
    assert row["id"] == contact
    assert (row["email1"], row["title"], row["name"]) == ("ann@example.com", "CTO", "Ann Lee")
    assert "phone_work" not in row
    one = api.get(f"/data/Contact/{contact}?fields[]=email1").json()["record"]
    assert one["email1"] == "ann@example.com" and "title" not in one


def test_favorites_example(api: ApiClient) -> None:
    """POST /data/favorites/{model}/{id} -> {"status": 0} added, {"status": 1} removed."""
    contact = create(api, "Contact", {"last_name": "Lee"})
    assert api.post(f"/data/favorites/Contact/{contact}").json() == {"status": 0}
    row = api.get("/data/Contact?query_favorite=yes").json()["records"][0]
    assert row["favorite"] == 0
    assert api.post(f"/data/favorites/Contact/{contact}").json() == {"status": 1}
    row = api.get("/data/Contact?query_favorite=true").json()["records"][0]
    assert row["favorite"] == 1


def test_add_related_records_with_data_example(api: ApiClient) -> None:
    """POST /data/{model}/{id}/{link} with records_with_data (join fields stored)."""
    contact = create(api, "Contact", {"last_name": "Lee"})
    deal = create(api, "Opportunity", {"name": "Deal", "date_closed": "2024-03-31"})
    resp = api.post(
        f"/data/Contact/{contact}/opportunities",
        json={"records_with_data": [{"id": deal, "contact_role": "Primary Decision Maker"}]},
    )
    assert resp.status_code == 200 and resp.json() == {"result": True}
    [row] = api.get(f"/data/Contact/{contact}/opportunities").json()["records"]
    assert row["id"] == deal and row["contact_role"] == "Primary Decision Maker"
    resp = api.delete(f"/data/Contact/{contact}/opportunities/{deal}")
    assert resp.status_code == 200 and resp.json() == {"result": True}


def test_error_body_example(api: ApiClient) -> None:
    """404 "Model Acount not found" in the shape the PHP client reads."""
    resp = api.get("/data/Acount")
    assert resp.status_code == 404
    body = resp.json()
    assert set(body) == {"error", "message", "hint"}
    assert body["message"] == "Model Acount not found"
