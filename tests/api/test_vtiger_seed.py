"""Vtiger RestfulApi (seed 002): every example of the seed, in both URL forms, answered in
the seed's shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User

BASE = "/modules/RestfulApi"
TOKEN = re.compile(r"[0-9a-f]{32}")
ACCOUNT_KEYS = [
    "accountname", "account_no", "phone", "website", "fax", "tickersymbol", "otherphone",
    "account_id", "email1", "employees", "email2", "ownership", "rating", "industry",
    "siccode", "accounttype", "annual_revenue", "emailoptout", "notify_owner",
    "assigned_user_id", "createdtime", "modifiedtime", "modifiedby", "bill_street",
    "ship_street", "bill_city", "ship_city", "bill_state", "ship_state", "bill_code",
    "ship_code", "bill_country", "ship_country", "bill_pobox", "ship_pobox", "description",
    "campaignrelstatus", "isconvertedfromlead", "record_id", "record_module", "api_date_now",
]  # fmt: skip


@pytest.fixture
def vt(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, base_url="http://testserver")
    yield client
    client.close()


@pytest.fixture
def token(vt: ApiClient, admin: User) -> str:
    answer = vt.get(f"{BASE}/auth/admin/{admin.password}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True and TOKEN.fullmatch(body["result"])
    return str(body["result"])


@pytest.fixture
def accounts(services: Services, admin: User) -> dict[str, str]:
    """The seed's two accounts: MEDIA 3+ and MEDIACRM."""
    records = services.records
    media3 = records.create(
        admin.actor,
        "Account",
        {
            "name": "MEDIA 3+",
            "billing_address_street": "34 allée des Frênes",
            "shipping_address_street": "34 allée des Frênes",
            "billing_address_city": "Champs sur Marne",
            "shipping_address_city": "Champs sur Marne",
            "billing_address_postalcode": "77420",
            "shipping_address_postalcode": "77420",
            "billing_address_country": "France",
            "shipping_address_country": "France",
        },
    )
    mediacrm = records.create(
        admin.actor, "Account", {"name": "MEDIACRM", "website": "http://www.mediacrm.fr"}
    )
    return {"MEDIA 3+": media3, "MEDIACRM": mediacrm}


def number(services: Services, record_id: str) -> int:
    return services.record_numbers.number("Account", record_id)


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True, body
    return body["result"]


def test_login_by_password_both_forms(vt: ApiClient, admin: User) -> None:
    path = ok(vt.get(f"{BASE}/auth/admin/{admin.password}"))
    query = ok(
        vt.get(
            f"{BASE}/index.php",
            params={"module": "Auth", "login": "admin", "password": admin.password},
        )
    )
    assert TOKEN.fullmatch(path) and TOKEN.fullmatch(query) and path != query


def test_list_both_forms_in_the_seed_shape(
    vt: ApiClient, token: str, accounts: dict[str, str], services: Services
) -> None:
    by_path = ok(vt.get(f"{BASE}/Accounts/{token}"))
    by_query = ok(vt.get(f"{BASE}/index.php", params={"module": "Accounts", "token": token}))
    for rows in (by_path, by_query):
        assert [row["accountname"] for row in rows] == ["MEDIA 3+", "MEDIACRM"]
        media3 = rows[0]
        assert list(media3) == ACCOUNT_KEYS
        assert all(isinstance(value, str) for value in media3.values())
        n = number(services, accounts["MEDIA 3+"])
        assert media3["record_id"] == str(n) and media3["account_no"] == f"ACC{n}"
        assert media3["record_module"] == "Accounts"
        assert media3["annual_revenue"] == "0.00000000"
        assert media3["employees"] == "0" and media3["account_id"] == "0"
        assert media3["emailoptout"] == "0" and media3["phone"] == ""
        assert media3["bill_street"] == "34 allée des Frênes"
        assert media3["bill_code"] == "77420" and media3["ship_country"] == "France"
        admin_number = services.record_numbers.number("User", "1")
        assert media3["assigned_user_id"] == str(admin_number)
        assert media3["modifiedby"] == str(admin_number)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", media3["createdtime"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", media3["api_date_now"])
        assert rows[1]["website"] == "http://www.mediacrm.fr"


def test_paging_and_order_both_forms(vt: ApiClient, token: str, accounts: dict[str, str]) -> None:
    order = "vtiger_account.accountname%20DESC"
    by_path = ok(vt.get(f"{BASE}/Accounts/start/0/length/2/order/{order}/{token}"))
    by_query = ok(
        vt.get(f"{BASE}/index.php?module=Accounts&start=0&length=2&order={order}&token={token}")
    )
    for rows in (by_path, by_query):
        assert [row["accountname"] for row in rows] == ["MEDIACRM", "MEDIA 3+"]
    one = ok(vt.get(f"{BASE}/Accounts/start/1/length/1/order/{order}/{token}"))
    assert [row["accountname"] for row in one] == ["MEDIA 3+"]
    asc = ok(vt.get(f"{BASE}/Accounts/order/vtiger_account.accountname%20asc/{token}"))
    assert [row["accountname"] for row in asc] == ["MEDIA 3+", "MEDIACRM"]


def test_first_100_by_default(vt: ApiClient, token: str, services: Services, admin: User) -> None:
    services.records.create_many(admin.actor, "Account", [{"name": f"A{i:03}"} for i in range(105)])
    assert len(ok(vt.get(f"{BASE}/Accounts/{token}"))) == 100
    assert len(ok(vt.get(f"{BASE}/Accounts/start/100/{token}"))) == 5


def test_criteria_both_forms(vt: ApiClient, token: str, accounts: dict[str, str]) -> None:
    criteria = "vtiger_account.accountname:MEDIACRM;vtiger_account.website:www.mediacrm.fr"
    by_path = ok(vt.get(f"{BASE}/Accounts/criteria/{criteria}/{token}"))
    by_query = ok(vt.get(f"{BASE}/index.php?module=Accounts&criteria={criteria}&token={token}"))
    for rows in (by_path, by_query):
        assert [row["accountname"] for row in rows] == ["MEDIACRM"]
        assert rows[0]["website"] == "http://www.mediacrm.fr"
    none = ok(vt.get(f"{BASE}/Accounts/criteria/vtiger_account.accountname:MEDIA/{token}"))
    assert none == []


def test_one_record_both_forms(
    vt: ApiClient, token: str, accounts: dict[str, str], services: Services
) -> None:
    n = number(services, accounts["MEDIA 3+"])
    by_path = ok(vt.get(f"{BASE}/Accounts/{n}/{token}"))
    by_query = ok(
        vt.get(f"{BASE}/index.php", params={"module": "Accounts", "id": n, "token": token})
    )
    for row in (by_path, by_query):
        assert isinstance(row, dict) and list(row) == ACCOUNT_KEYS
        assert row["accountname"] == "MEDIA 3+" and row["record_id"] == str(n)
        assert row["bill_city"] == "Champs sur Marne"


def test_picklist_both_forms(vt: ApiClient, token: str) -> None:
    expected = {"values": {"Cold": "Cold", "Warm": "Warm", "Hot": "Hot"}}
    assert ok(vt.get(f"{BASE}/Accounts/picklist/rating/{token}")) == expected
    by_query = vt.get(
        f"{BASE}/index.php", params={"module": "Accounts", "picklist": "rating", "token": token}
    )
    assert ok(by_query) == expected


def test_picklist_labels_in_the_request_language(vt: ApiClient, token: str) -> None:
    answer = vt.get(
        f"{BASE}/Accounts/picklist/accounttype/{token}", headers={"Accept-Language": "de"}
    )
    values = ok(answer)["values"]
    assert values["Competitor"] == "Wettbewerber"  # value -> label, as the seed's "Active": "Actif"
    german = vt.get(f"{BASE}/Accounts/picklist/rating/{token}", headers={"Accept-Language": "de"})
    assert ok(german)["values"] == {"Cold": "Kalt", "Warm": "Warm", "Hot": "Heiß"}


def test_picklist_dependencies_both_forms(
    vt: ApiClient, token: str, services: Services, admin: User
) -> None:
    all_types = list(services.records.registry.models["Account"].fields["account_type"].options)
    services.picklists.put(
        admin.actor,
        "Account",
        "account_type",
        {"source": "temperature", "map": {"Cold": ["Analyst", "Press"], "Hot": ["Customer"]}},
    )
    expected = {
        "values": {"Cold": "Cold", "Warm": "Warm", "Hot": "Hot"},
        "dependencies": {
            "Cold": {"accounttype": ["Analyst", "Press"]},
            "Hot": {"accounttype": ["Customer"]},
            "__DEFAULT__": {"accounttype": all_types},
        },
    }
    assert ok(vt.get(f"{BASE}/Accounts/picklist/rating/picklistdep/1/{token}")) == expected
    by_query = vt.get(
        f"{BASE}/index.php",
        params={"module": "Accounts", "picklist": "rating", "picklistdep": "1", "token": token},
    )
    assert ok(by_query) == expected
    # a field that nothing depends on: no dependencies
    bare = ok(vt.get(f"{BASE}/Accounts/picklist/industry/picklistdep/1/{token}"))
    assert bare["dependencies"] == {}


SEED_FORM = (
    "accountname=MediaToolBox&email1=contact%40mediatoolbox.fr&phone=%2B33656896325"
    "&bill_street=100 street beta test%0D%0ABat. B&bill_code=34000&bill_city=Montpellier"
    "&bill_country=France"
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("form", ["path", "query"])
def test_create_update_delete(vt: ApiClient, token: str, services: Services, form: str) -> None:
    def url(n: int | None = None) -> str:
        if form == "path":
            return f"{BASE}/Accounts/{n}/{token}" if n else f"{BASE}/Accounts/{token}"
        extra = f"&id={n}" if n else ""
        return f"{BASE}/index.php?module=Accounts{extra}&token={token}"

    made = vt.post(url(), content=SEED_FORM, headers=FORM)
    n = ok(made)
    assert isinstance(n, int) and made.json() == {"success": True, "result": n}
    model, record_id = services.record_numbers.record(n) or ("", "")
    assert model == "Account"
    stored = services.records.get(services_admin(services), "Account", record_id)
    assert stored["name"] == "MediaToolBox" and stored["phone_office"] == "+33656896325"
    assert stored["billing_address_street"] == "100 street beta test\r\nBat. B"
    assert stored["billing_address_city"] == "Montpellier"
    row = ok(vt.get(f"{BASE}/Accounts/{n}/{token}"))
    assert row["email1"] == "contact@mediatoolbox.fr" and row["bill_code"] == "34000"

    updated = vt.put(
        url(n), content="accountname=MediaToolBox2&email1=info%40mediatoolbox.fr", headers=FORM
    )
    assert updated.status_code == 200 and updated.json() == {"success": True, "result": n}
    row = ok(vt.get(f"{BASE}/Accounts/{n}/{token}"))
    assert row["accountname"] == "MediaToolBox2" and row["email1"] == "info@mediatoolbox.fr"
    assert row["bill_city"] == "Montpellier"

    gone = vt.delete(url(n))
    assert gone.status_code == 200 and gone.json() == {"success": True, "result": True}
    missing = vt.get(f"{BASE}/Accounts/{n}/{token}")
    assert missing.status_code == 404 and missing.json()["success"] is False


def services_admin(services: Services) -> Any:
    from amity.core.actor import SYSTEM

    return SYSTEM


def test_create_with_json(vt: ApiClient, token: str, services: Services) -> None:
    n = ok(vt.post(f"{BASE}/Contacts/{token}", json={"lastname": "Durand", "firstname": "Ana"}))
    row = ok(vt.get(f"{BASE}/Contacts/{n}/{token}"))
    assert row["lastname"] == "Durand" and row["firstname"] == "Ana"
    assert row["contact_no"] == f"CON{n}" and row["record_module"] == "Contacts"


def test_refs_are_record_numbers(
    vt: ApiClient, token: str, accounts: dict[str, str], services: Services
) -> None:
    account = number(services, accounts["MEDIACRM"])
    n = ok(
        vt.post(
            f"{BASE}/Potentials/{token}",
            json={
                "potentialname": "Big deal",
                "related_to": str(account),
                "amount": "1200.5",
                "closingdate": "2030-01-01",
            },
        )
    )
    row = ok(vt.get(f"{BASE}/Potentials/{n}/{token}"))
    assert row["related_to"] == str(account) and row["amount"] == "1200.50000000"
    rows = ok(vt.get(f"{BASE}/Potentials/criteria/vtiger_potential.related_to:{account}/{token}"))
    assert [r["potentialname"] for r in rows] == ["Big deal"]
    wrong = vt.put(f"{BASE}/Potentials/{n}/{token}", json={"related_to": str(n)})
    assert wrong.status_code == 400, wrong.text


def test_every_module_lists(vt: ApiClient, token: str) -> None:
    from amity.api.vtiger.modules import MODULES

    for name in MODULES:
        answer = vt.get(f"{BASE}/{name}/{token}")
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json() == {"success": True, "result": []}


def test_calendar_and_events(
    vt: ApiClient, token: str, accounts: dict[str, str], services: Services
) -> None:
    account = number(services, accounts["MEDIACRM"])
    task = ok(
        vt.post(
            f"{BASE}/Calendar/{token}", json={"subject": "Call back", "parent_id": str(account)}
        )
    )
    row = ok(vt.get(f"{BASE}/Calendar/{task}/{token}"))
    assert row["subject"] == "Call back" and row["parent_id"] == str(account)
    assert row["activitytype"] == "Task"
    meeting = ok(
        vt.post(
            f"{BASE}/Events/{token}",
            json={
                "subject": "Demo",
                "date_start": "2030-01-02 10:00:00",
                "due_date": "2030-01-02 11:00:00",
            },
        )
    )
    assert ok(vt.get(f"{BASE}/Events/{meeting}/{token}"))["subject"] == "Demo"
    # a Calendar id is no Events record
    assert vt.get(f"{BASE}/Events/{task}/{token}").status_code == 404


def test_writes_are_audited_as_api_writes_with_events(
    vt: ApiClient, token: str, services: Services, admin: User
) -> None:
    n = ok(vt.post(f"{BASE}/Accounts/{token}", json={"accountname": "Audited"}))
    ok(vt.put(f"{BASE}/Accounts/{n}/{token}", json={"accountname": "Audited 2"}))
    ok(vt.delete(f"{BASE}/Accounts/{n}/{token}"))
    _, record_id = services.record_numbers.record(n) or ("", "")
    history = services.api_log.history("Account", record_id)
    assert [(h["kind"], h["actor_id"], h["source"]) for h in history] == [
        ("create", admin.id, "api 127.0.0.1"),
        ("update", admin.id, "api 127.0.0.1"),
        ("delete", admin.id, "api 127.0.0.1"),
    ]
    audit = services.audit.list(admin.actor, "Account", record_id)
    assert audit.total_results >= 2, "the audit has the changes"


def test_custom_fields_under_their_amity_names(
    vt: ApiClient, token: str, services: Services, admin: User
) -> None:
    services.fields.add(admin.actor, "Account", {"name": "tier_c", "type": "Text"})
    services.fields.add(admin.actor, "Account", {"name": "seats_c", "type": "Number"})
    n = ok(vt.post(f"{BASE}/Accounts/{token}", json={"accountname": "Custom", "tier_c": "gold"}))
    row = ok(vt.get(f"{BASE}/Accounts/{n}/{token}"))
    assert row["tier_c"] == "gold" and row["seats_c"] == "0"
    assert list(row)[-5:] == ["tier_c", "seats_c", "record_id", "record_module", "api_date_now"]
    found = ok(vt.get(f"{BASE}/Accounts/criteria/vtiger_accountcf.tier_c:gold/{token}"))
    assert [r["accountname"] for r in found] == ["Custom"]


def test_field_tables_match_the_models(services: Services) -> None:
    """Every declared Amity field exists (field_table would drop it silently), and names
    and columns are unique per module."""
    from amity.api.vtiger.modules import KINDS, MODULES

    models = services.records.registry.models
    for module in MODULES.values():
        model = models[module.model]
        names = [vf.name for vf in module.fields]
        columns = [module.column(vf) for vf in module.fields]
        assert len(set(names)) == len(names) and len(set(columns)) == len(columns), module.name
        for vf in module.fields:
            assert vf.kind in KINDS
            assert vf.amity is None or model.fields[vf.amity].stored, (module.name, vf.name)
            assert (vf.amity is None) == (vf.kind in ("number", "const")), (module.name, vf.name)
