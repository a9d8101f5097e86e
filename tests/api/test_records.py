"""Records over /data/{model}: create, read, update, upsert, delete, and who wrote what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User

# The smallest valid `data` for each built-in model; refs to other records are filled in by
# `required_data` (Project needs an Account, ProjectTask a Project, DocumentRevision a
# Document).
MINIMAL: dict[str, dict[str, Any]] = {
    "User": {"user_name": "jdoe", "last_name": "Doe"},
    "Account": {"name": "Acme Corp"},
    "Contact": {"last_name": "Abramowitz"},
    "Lead": {"last_name": "Alejo"},
    "Opportunity": {"name": "Big deal", "date_closed": "2024-06-30"},
    "aCase": {"name": "Printer on fire"},
    "Task": {"name": "Send contract"},
    "Call": {"name": "Intro call", "date_start": "2024-03-01 10:00:00"},
    "Meeting": {"name": "Kick-off", "date_start": "2024-03-02 11:30:00"},
    "Note": {"name": "Met at the fair"},
    "Document": {"name": "Price list"},
    "DocumentRevision": {},  # its filename is an upload: see required_data
    "Product": {"name": "Widget"},
    "Project": {"name": "Rollout", "date_starting": "2024-01-01", "date_ending": "2024-12-31"},
    "ProjectTask": {"name": "Plan", "date_start": "2024-01-02", "date_due": "2024-01-31"},
    "Contract": {"name": "Support 2024"},
    "Asset": {"name": "Printer"},
}
BUILTIN = list(MINIMAL)


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"id"}
    return str(body["id"])


def required_data(api: ApiClient, model: str) -> dict[str, Any]:
    data = dict(MINIMAL[model])
    if model == "DocumentRevision":
        data["document_id"] = create(api, "Document", MINIMAL["Document"])
        uploaded = api.post(
            "/files/upload", content=b"prices", headers={"X-OneCRM-Filename": "price-list.pdf"}
        )
        data["filename"] = uploaded.json()["id"]
    if model in ("Project", "ProjectTask"):
        account = create(api, "Account", {"name": "Project owner"})
        if model == "Project":
            data["account_id"] = account
        else:
            data["parent_id"] = create(
                api, "Project", {**MINIMAL["Project"], "account_id": account}
            )
    return data


def get(api: ApiClient, model: str, record_id: str, **params: Any) -> dict[str, Any]:
    resp = api.get(f"/data/{model}/{record_id}", params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"record"}
    return dict(body["record"])


def listing(api: ApiClient, path: str, **params: Any) -> dict[str, Any]:
    resp = api.get(path, params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"records", "total_results", "next_cursor"}  # next_cursor: beyond 1CRM
    return dict(body)


def as_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


# -- create and read -------------------------------------------------------------------------
def test_create_returns_a_new_36_character_id(api: ApiClient) -> None:
    first = create(api, "Account", {"name": "Acme"})
    second = create(api, "Account", {"name": "Acme"})
    assert len(first) == 36 and len(second) == 36
    assert first != second


def test_get_returns_every_field_of_the_model(api: ApiClient) -> None:
    record_id = create(
        api,
        "Contact",
        {
            "first_name": "Kristina",
            "last_name": "Abramowitz",
            "email1": "kristina@example.com",
            "birthdate": "1980-02-29",
            "do_not_call": True,
        },
    )
    record = get(api, "Contact", record_id)
    meta = api.get("/meta/fields/Contact").json()["fields"]
    assert set(meta) <= set(record)
    assert record["id"] == record_id
    assert record["first_name"] == "Kristina"
    assert record["email1"] == "kristina@example.com"
    assert record["birthdate"] == "1980-02-29"
    assert record["do_not_call"] is True
    assert record["email_opt_out"] is False  # declared default
    assert record["name"] == record["_display"] == "Kristina Abramowitz"
    assert record["deleted"] is False


def test_get_with_fields_returns_that_subset_plus_identity(api: ApiClient) -> None:
    record_id = create(
        api,
        "Contact",
        {
            "first_name": "Garret",
            "last_name": "Alejo",
            "email1": "garret@example.com",
            "title": "CTO",
        },
    )
    record = get(api, "Contact", record_id, **{"fields[]": ["email1"]})
    assert record["email1"] == "garret@example.com"
    assert record["id"] == record_id
    assert record["name"] == "Garret Alejo"
    assert "title" not in record and "phone_work" not in record


def test_list_shows_created_records_and_counts_them(api: ApiClient) -> None:
    ids = {create(api, "Account", {"name": f"Firm {i}"}) for i in range(3)}
    page = listing(api, "/data/Account")
    assert page["total_results"] == 3
    assert {r["id"] for r in page["records"]} == ids


@pytest.mark.parametrize("model", BUILTIN)
def test_every_builtin_model_creates_reads_and_lists(api: ApiClient, model: str) -> None:
    before = listing(api, f"/data/{model}")["total_results"]
    data = required_data(api, model)
    record_id = create(api, model, data)
    record = get(api, model, record_id)
    for name, value in data.items():
        if str(value).startswith("INCOMING~"):  # an upload's id: the field shows its name
            value = "price-list.pdf"
        assert record[name] == value, name
    page = listing(api, f"/data/{model}", limit=200)
    assert page["total_results"] == before + 1
    assert record_id in {r["id"] for r in page["records"]}


def test_currency_amounts_are_exact(api: ApiClient) -> None:
    opp = create(
        api, "Opportunity", {"name": "Deal", "date_closed": "2024-05-01", "amount": 1250.33}
    )
    assert get(api, "Opportunity", opp)["amount"] == "1250.33"
    api.patch(f"/data/Opportunity/{opp}", json={"data": {"amount": "0.1"}})
    assert get(api, "Opportunity", opp)["amount"] == "0.10"
    for amount, shown in (
        (99999999999.99, "99999999999.99"),
        (9999999999999.99, "9999999999999.99"),
        ("-9999999999999.99", "-9999999999999.99"),
        (0.07, "0.07"),
        (1e12, "1000000000000.00"),
        (-3.1, "-3.10"),
        (0, "0.00"),
    ):
        resp = api.patch(f"/data/Opportunity/{opp}", json={"data": {"amount": amount}})
        assert resp.status_code == 200, resp.text
        assert get(api, "Opportunity", opp)["amount"] == shown
    # amounts past 15 digits are refused, not rounded
    for bad in (10**13, 99999999999999.99, "123456789012345.67", "1.005"):
        resp = api.patch(f"/data/Opportunity/{opp}", json={"data": {"amount": bad}})
        assert resp.status_code == 400 and "amount" in resp.json()["message"]
    assert get(api, "Opportunity", opp)["amount"] == "0.00"


def test_case_numbers_are_assigned_and_increase(api: ApiClient) -> None:
    numbers = [
        get(api, "aCase", create(api, "aCase", {"name": f"Case {i}"}))["case_number"]
        for i in range(3)
    ]
    assert all(isinstance(n, int) for n in numbers)
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


# -- update ----------------------------------------------------------------------------------
def test_patch_changes_only_the_given_fields(api: ApiClient) -> None:
    record_id = create(
        api,
        "Contact",
        {"first_name": "Ann", "last_name": "Lee", "title": "CEO", "phone_work": "555-0100"},
    )
    before = get(api, "Contact", record_id)
    resp = api.patch(f"/data/Contact/{record_id}", json={"data": {"title": "CFO"}})
    assert resp.status_code == 200
    assert resp.json() == {"result": True}
    after = get(api, "Contact", record_id)
    assert after["title"] == "CFO"
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"title", "date_modified"}


def test_patch_can_clear_a_field(api: ApiClient) -> None:
    record_id = create(api, "Contact", {"last_name": "Lee", "title": "CEO"})
    api.patch(f"/data/Contact/{record_id}", json={"data": {"title": None}})
    assert get(api, "Contact", record_id)["title"] is None


def test_put_acts_like_patch(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme", "industry": "Retail"})
    resp = api.put(f"/data/Account/{record_id}", json={"data": {"name": "Acme Ltd"}})
    assert resp.status_code == 200 and resp.json() == {"result": True}
    record = get(api, "Account", record_id)
    assert record["name"] == "Acme Ltd"
    assert record["industry"] == "Retail"
    resp = api.put("/data/Account/put-created", json={"data": {"name": "Put Co"}, "create": True})
    assert resp.status_code == 200 and resp.json() == {"result": True}
    assert get(api, "Account", "put-created")["name"] == "Put Co"
    assert api.put("/data/Account/put-missing", json={"data": {"name": "X"}}).status_code == 404


def test_patch_with_create_upserts_with_the_given_id(api: ApiClient) -> None:
    new_id = "7eba2a01-6cb6-f38c-d4c2-5a8fc2def9d2"
    resp = api.patch(
        f"/data/Contact/{new_id}",
        json={"data": {"first_name": "Kristina", "last_name": "Abramowitz"}, "create": True},
    )
    assert resp.status_code == 200 and resp.json() == {"result": True}
    assert get(api, "Contact", new_id)["name"] == "Kristina Abramowitz"
    # a second upsert of the same id updates instead of creating
    resp = api.patch(
        f"/data/Contact/{new_id}", json={"data": {"first_name": "Kris"}, "create": True}
    )
    assert resp.status_code == 200
    assert get(api, "Contact", new_id)["first_name"] == "Kris"
    assert listing(api, "/data/Contact")["total_results"] == 1


def test_patch_unknown_id_without_create_is_404(api: ApiClient) -> None:
    resp = api.patch("/data/Contact/no-such-id", json={"data": {"last_name": "X"}})
    assert resp.status_code == 404
    assert resp.json()["error"] == "not_found"
    assert listing(api, "/data/Contact")["total_results"] == 0


def test_upsert_still_checks_required_fields(api: ApiClient) -> None:
    resp = api.patch(
        "/data/Contact/new-contact-1", json={"data": {"first_name": "A"}, "create": True}
    )
    assert resp.status_code == 400
    assert "last_name" in resp.json()["message"]
    assert api.get("/data/Contact/new-contact-1").status_code == 404


# -- delete ----------------------------------------------------------------------------------
def test_delete_removes_the_record_from_every_read(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Doomed Inc"})
    other = create(api, "Account", {"name": "Survivor Inc"})
    contact = create(api, "Contact", {"last_name": "Lee", "primary_account_id": account})
    task = create(
        api, "Task", {"name": "Call them", "parent_type": "Account", "parent_id": account}
    )
    case = create(api, "aCase", {"name": "Broken", "account_id": account})
    api.post(f"/data/Account/{account}/contacts", json={"records": [contact]})
    assert get(api, "Contact", contact)["primary_account"] == "Doomed Inc"
    assert get(api, "Task", task)["parent"] == "Doomed Inc"
    assert listing(api, "/data/link/Account/linked-records/contacts")["total_results"] == 1

    resp = api.delete(f"/data/Account/{account}")
    assert resp.status_code == 200 and resp.json() == {"result": True}

    assert api.get(f"/data/Account/{account}").status_code == 404
    page = listing(api, "/data/Account")
    assert page["total_results"] == 1 and [r["id"] for r in page["records"]] == [other]
    assert listing(api, "/data/Account", filter_text="Doomed")["total_results"] == 0
    assert api.get(f"/data/Account/{account}/contacts").status_code == 404
    assert listing(api, "/data/link/Account/linked-records/contacts")["total_results"] == 0
    assert listing(api, "/data/link/Account/linked-records/cases")["total_results"] == 0
    assert listing(api, f"/data/Contact/{contact}/accounts")["total_results"] == 0
    assert get(api, "Contact", contact)["primary_account"] is None
    assert get(api, "Task", task)["parent"] is None
    assert get(api, "aCase", case)["account"] is None


def test_deleted_record_cannot_be_changed_or_deleted_again(api: ApiClient) -> None:
    record_id = create(api, "Contact", {"last_name": "Gone"})
    assert api.delete(f"/data/Contact/{record_id}").status_code == 200
    again = api.delete(f"/data/Contact/{record_id}")
    assert again.status_code == 404 and again.json()["error"] == "not_found"
    assert (
        api.patch(f"/data/Contact/{record_id}", json={"data": {"last_name": "Back"}}).status_code
        == 404
    )


def test_upsert_cannot_revive_a_deleted_id(api: ApiClient) -> None:
    record_id = create(api, "Contact", {"last_name": "Gone"})
    api.delete(f"/data/Contact/{record_id}")
    resp = api.patch(
        f"/data/Contact/{record_id}", json={"data": {"last_name": "Back"}, "create": True}
    )
    assert 400 <= resp.status_code < 500
    assert set(resp.json()) == {"error", "message", "hint"}
    assert api.get(f"/data/Contact/{record_id}").status_code == 404


def test_deleted_record_is_not_a_valid_reference(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Gone"})
    api.delete(f"/data/Account/{account}")
    resp = api.post(
        "/data/Contact", json={"data": {"last_name": "Lee", "primary_account_id": account}}
    )
    assert resp.status_code == 400
    assert "primary_account_id" in resp.json()["message"]


# -- who wrote what --------------------------------------------------------------------------
def test_create_records_the_acting_user_and_times(api: ApiClient, admin: User) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    record = get(api, "Account", record_id)
    assert record["created_by"] == admin.id
    assert record["modified_user_id"] == admin.id
    assert record["assigned_user_id"] == admin.id
    assert record["created_by_user"] == "Administrator"
    assert record["assigned_user"] == "Administrator"
    entered = as_time(record["date_entered"])
    assert abs(datetime.now(UTC).replace(tzinfo=None) - entered) < timedelta(minutes=5)
    assert record["date_modified"] == record["date_entered"]


def test_assigned_user_can_be_chosen(api: ApiClient, services: Services, admin: User) -> None:
    other = services.auth.add_user(admin.actor, "sam", "sam-password", last_name="Sample")
    record_id = create(api, "Account", {"name": "Acme", "assigned_user_id": other})
    record = get(api, "Account", record_id)
    assert record["assigned_user_id"] == other
    assert record["assigned_user"] == "Sample"
    assert record["created_by"] == admin.id


def test_another_user_updating_becomes_modified_user(
    api: ApiClient, app: Any, services: Services, admin: User
) -> None:
    other = services.auth.add_user(
        admin.actor, "sam", "sam-password", first_name="Sam", last_name="Sample"
    )
    _, token = services.auth.create_token("sam")
    record_id = create(api, "Account", {"name": "Acme"})
    sam = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        resp = sam.patch(f"/data/Account/{record_id}", json={"data": {"name": "Acme 2"}})
        assert resp.status_code == 200
        mine = create(sam, "Contact", {"last_name": "Own"})
    finally:
        sam.close()
    record = get(api, "Account", record_id)
    assert record["modified_user_id"] == other
    assert record["modified_user"] == "Sam Sample"
    assert record["created_by"] == admin.id
    assert record["assigned_user_id"] == admin.id
    assert as_time(record["date_modified"]) >= as_time(record["date_entered"])
    contact = get(api, "Contact", mine)
    assert contact["created_by"] == contact["assigned_user_id"] == other


# -- favorites -------------------------------------------------------------------------------
def toggle(client: ApiClient, model: str, record_id: str) -> int:
    resp = client.post(f"/data/favorites/{model}/{record_id}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"status"}
    return int(body["status"])


def favorite_flags(client: ApiClient, model: str) -> dict[str, int]:
    page = listing(client, f"/data/{model}", query_favorite=1)
    return {r["id"]: r["favorite"] for r in page["records"]}


def test_favorites_toggle_and_show_in_lists(api: ApiClient) -> None:
    starred = create(api, "Account", {"name": "Starred"})
    plain = create(api, "Account", {"name": "Plain"})
    assert favorite_flags(api, "Account") == {starred: 1, plain: 1}
    assert toggle(api, "Account", starred) == 0  # added
    assert favorite_flags(api, "Account") == {starred: 0, plain: 1}
    assert toggle(api, "Account", starred) == 1  # removed
    assert favorite_flags(api, "Account") == {starred: 1, plain: 1}
    assert toggle(api, "Account", starred) == 0
    assert "favorite" not in listing(api, "/data/Account")["records"][0]


def test_favorites_are_per_user_and_per_model(
    api: ApiClient, app: Any, services: Services, admin: User
) -> None:
    account = create(api, "Account", {"name": "Acme"})
    contact = create(api, "Contact", {"last_name": "Lee"})
    api.post(f"/data/Account/{account}/contacts", json={"records": [contact]})
    assert toggle(api, "Account", account) == 0
    assert favorite_flags(api, "Contact") == {contact: 1}
    services.auth.add_user(admin.actor, "sam", "sam-password", last_name="Sample")
    _, token = services.auth.create_token("sam")
    sam = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        assert favorite_flags(sam, "Account") == {account: 1}
        assert toggle(sam, "Contact", contact) == 0
        related = listing(sam, f"/data/Account/{account}/contacts", query_favorite="true")
        assert [r["favorite"] for r in related["records"]] == [0]
    finally:
        sam.close()
    assert favorite_flags(api, "Account") == {account: 0}
    assert favorite_flags(api, "Contact") == {contact: 1}


def test_favorite_of_a_missing_record_is_404(api: ApiClient) -> None:
    resp = api.post("/data/favorites/Account/missing")
    assert resp.status_code == 404
    assert set(resp.json()) == {"error", "message", "hint"}
    gone = create(api, "Account", {"name": "Gone"})
    api.delete(f"/data/Account/{gone}")
    assert api.post(f"/data/favorites/Account/{gone}").status_code == 404
    assert api.post("/data/favorites/Acount/x").json()["message"] == "Model Acount not found"


# -- integrity -------------------------------------------------------------------------------
def test_user_names_are_unique(api: ApiClient) -> None:
    first = create(api, "User", {"user_name": "jdoe", "last_name": "Doe"})
    resp = api.post("/data/User", json={"data": {"user_name": "jdoe", "last_name": "Other"}})
    assert resp.status_code == 409
    assert "jdoe" in resp.json()["message"]
    second = create(api, "User", {"user_name": "jroe", "last_name": "Roe"})
    assert (
        api.patch(f"/data/User/{second}", json={"data": {"user_name": "jdoe"}}).status_code == 409
    )
    assert (
        api.patch(
            f"/data/User/{first}", json={"data": {"user_name": "jdoe", "title": "Boss"}}
        ).status_code
        == 200
    )
    assert (
        api.patch(f"/data/User/{second}", json={"data": {"user_name": "admin"}}).status_code == 409
    )
    names = [r["user_name"] for r in listing(api, "/data/User")["records"]]
    assert sorted(names) == ["admin", "jdoe", "jroe"]
    # a deleted user frees the name (the unique index covers live records only)
    assert api.delete(f"/data/User/{first}").status_code == 200
    create(api, "User", {"user_name": "jdoe", "last_name": "Newcomer"})


def test_unique_values_are_enforced_by_the_database_too(services: Services, admin: User) -> None:
    """Two writers that both passed the service check (e.g. in two worker processes) still
    cannot store the same user name: the second insert hits the unique index."""
    import sqlalchemy as sa

    users = services.db.tables.models["User"]
    row = {c.name: None for c in users.c}
    with pytest.raises(sa.exc.IntegrityError), services.db.write() as conn:
        conn.execute(
            sa.insert(users).values({**row, "id": "dup-1", "deleted": False, "user_name": "admin"})
        )


def test_parent_type_alone_must_fit_the_kept_parent_id(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    task = create(api, "Task", {"name": "T", "parent_type": "Account", "parent_id": account})
    resp = api.patch(f"/data/Task/{task}", json={"data": {"parent_type": "Contact"}})
    assert resp.status_code == 400
    assert "parent_id" in resp.json()["message"]
    record = get(api, "Task", task)
    assert (record["parent_type"], record["parent"]) == ("Account", "Acme")
    contact = create(api, "Contact", {"last_name": "Lee"})
    resp = api.patch(
        f"/data/Task/{task}", json={"data": {"parent_type": "Contact", "parent_id": contact}}
    )
    assert resp.status_code == 200
    assert get(api, "Task", task)["parent"] == "Lee"
