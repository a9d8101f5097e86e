"""Vtiger RestfulApi: hostile and malformed input is a 4xx in Vtiger's error shape, never
a 5xx, and never reaches SQL as text (order, criteria, ids, module names, encodings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User, raw_get

BASE = "/modules/RestfulApi"


@pytest.fixture
def vt(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, base_url="http://testserver")
    yield client
    client.close()


@pytest.fixture
def token(vt: ApiClient, admin: User, services: Services) -> str:
    services.records.create(admin.actor, "Account", {"name": "Safe"})
    return str(vt.get(f"{BASE}/auth/admin/{admin.password}").json()["result"])


def refused(answer: Any, *statuses: int) -> dict[str, Any]:
    assert answer.status_code in statuses, (answer.status_code, answer.text)
    body = answer.json()
    assert body["success"] is False and {"code", "message"} <= set(body["error"])
    return dict(body["error"])


INJECTIONS = [
    "vtiger_account.accountname; DROP TABLE accounts",
    "vtiger_account.accountname DESC; DELETE FROM accounts",
    "(SELECT 1)",
    "vtiger_account.accountname SIDEWAYS",
    "vtiger_account.accountname DESC DESC",
    "1",
    "vtiger_users.user_password",
    "accountname%27%20OR%201=1",
    "x" * 5000,
]


@pytest.mark.parametrize("order", INJECTIONS)
def test_bad_order_is_400(vt: ApiClient, token: str, order: str) -> None:
    refused(
        vt.get(f"{BASE}/index.php", params={"module": "Accounts", "order": order, "token": token}),
        400,
    )
    refused(vt.get(f"{BASE}/Accounts/order/{order}/{token}"), 400, 404)


@pytest.mark.parametrize(
    "criteria",
    [
        "vtiger_account.accountname' OR '1'='1",
        "vtiger_users.user_name:admin",
        "no colon here",
        "vtiger_account.employees:many",
        "vtiger_account.account_id:1 OR 1=1",
        "vtiger_account.createdtime:yesterday",
        ";".join(["vtiger_account.accountname:a"] * 50),
    ],
)
def test_bad_criteria_is_400(vt: ApiClient, token: str, criteria: str) -> None:
    refused(
        vt.get(
            f"{BASE}/index.php", params={"module": "Accounts", "criteria": criteria, "token": token}
        ),
        400,
    )


def test_an_injected_value_is_only_a_value(vt: ApiClient, token: str, services: Services) -> None:
    value = "Safe' OR '1'='1"
    answer = vt.get(
        f"{BASE}/index.php",
        params={
            "module": "Accounts",
            "criteria": f"vtiger_account.accountname:{value}",
            "token": token,
        },
    )
    assert answer.status_code == 200 and answer.json()["result"] == []
    assert services.records.registry.models["Account"]  # the table is still there
    assert len(vt.get(f"{BASE}/Accounts/{token}").json()["result"]) == 1


@pytest.mark.parametrize(
    "record_id", ["-1", "0", "1.5", "1e9", "99999999999999999999999", "abc", "1 OR 1=1", "٣"]
)
def test_bad_ids_are_404_or_400(vt: ApiClient, token: str, record_id: str) -> None:
    refused(
        vt.get(f"{BASE}/index.php", params={"module": "Accounts", "id": record_id, "token": token}),
        400,
        404,
    )
    refused(vt.put(f"{BASE}/Accounts/{record_id}/{token}", json={"accountname": "x"}), 400, 404)
    refused(vt.delete(f"{BASE}/Accounts/{record_id}/{token}"), 400, 404)


@pytest.mark.parametrize(
    "module",
    ["Users", "vtiger_users", "../Accounts", "Accounts'--", "X" * 3000, "Auth2", "index.php"],
)
def test_unknown_modules_are_404(vt: ApiClient, token: str, module: str) -> None:
    refused(vt.get(f"{BASE}/index.php", params={"module": module, "token": token}), 404, 400)


def test_unknown_module_in_the_path_is_404(vt: ApiClient, token: str) -> None:
    error = refused(vt.get(f"{BASE}/Nope/{token}"), 404)
    assert error["code"] == "NOT_FOUND"
    refused(vt.get(f"{BASE}/Accounts/bogus/1/{token}"), 400)


@pytest.mark.parametrize(
    ("start", "length"),
    [("-1", "2"), ("0", "0"), ("0", "100000"), ("x", "1"), ("0", "1.5"), ("9" * 40, "1")],
)
def test_bad_paging_is_400(vt: ApiClient, token: str, start: str, length: str) -> None:
    refused(vt.get(f"{BASE}/Accounts/start/{start}/length/{length}/{token}"), 400)


def test_bad_encodings_are_400(app: Any, token: str) -> None:
    for query in (
        b"module=Accounts&token=" + token.encode() + b"&criteria=%ff%fe",
        b"module=Accounts&token=" + token.encode() + b"&order=\xff",
        b"module=%C0%AF&token=" + token.encode(),
        b"module=Accounts&token=" + token.encode() + b"&criteria=vtiger_account.accountname:%00",
    ):
        status, body = raw_get(app, f"{BASE}/index.php", query)
        assert 400 <= status < 500, (query, status, body)


def test_bad_bodies(vt: ApiClient, token: str) -> None:
    url = f"{BASE}/Accounts/{token}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused(vt.post(url, content=b"accountname=%ff%fe", headers=form), 400)
    refused(vt.post(url, content=b"\xff\xfe", headers=form), 400)
    refused(vt.post(url, content=b"{not json", headers={"Content-Type": "application/json"}), 400)
    refused(vt.post(url, json=[1, 2]), 400)
    refused(vt.post(url, content=b"<xml/>", headers={"Content-Type": "text/xml"}), 415)
    refused(vt.post(url, json={"no_such_field": "x"}), 400)
    refused(vt.post(url, json={"account_no": "ACC9"}), 400)  # read-only
    refused(vt.post(url, json={"accountname": "x" * 100000}), 400, 413)
    refused(vt.post(url, json={"accountname": {"$gt": ""}}), 400)
    refused(vt.post(url, json={"employees": "lots", "accountname": "x"}), 400)
    refused(vt.post(url, json={"assigned_user_id": "abc", "accountname": "x"}), 400)
    refused(vt.post(url, json={"assigned_user_id": ["1"], "accountname": "x"}), 400)
    refused(vt.post(url, json={}), 400)  # accountname is required
    refused(vt.post(f"{BASE}/Accounts/1/{token}", json={"accountname": "x"}), 400, 404)


def test_wrong_methods(vt: ApiClient, token: str) -> None:
    refused(vt.put(f"{BASE}/Accounts/{token}", json={"accountname": "x"}), 400)
    refused(vt.delete(f"{BASE}/Accounts/{token}"), 400)
    refused(vt.patch(f"{BASE}/Accounts/{token}", json={}), 405)
    refused(vt.delete(f"{BASE}/auth/admin/x"), 405)


def test_picklist_errors(vt: ApiClient, token: str) -> None:
    refused(vt.get(f"{BASE}/Accounts/picklist/nope/{token}"), 404)
    refused(vt.get(f"{BASE}/Accounts/picklist/accountname/{token}"), 400)
    refused(vt.get(f"{BASE}/Accounts/picklist/rating/picklistdep/yes/{token}"), 400)


def test_malformed_logins(vt: ApiClient) -> None:
    refused(vt.get(f"{BASE}/auth/a/b/c"), 400)
    refused(vt.get(f"{BASE}/index.php", params={"module": "Auth"}), 400)
    refused(vt.get(f"{BASE}/index.php", params={"module": "Auth", "login": "admin"}), 400)
    refused(vt.get(f"{BASE}/auth/{'k' * 5000}"), 400, 401)
    refused(
        vt.get(f"{BASE}/index.php", params={"module": "Auth", "login": "a\x00", "password": "b"}),
        400,
        401,
    )


def test_write_errors_name_vtiger_fields(vt: ApiClient, token: str) -> None:
    missing = refused(vt.post(f"{BASE}/Project/{token}", json={"projectname": "P"}), 400)
    assert "startdate" in missing["message"] and "date_starting" not in missing["message"]
    bad = refused(
        vt.post(f"{BASE}/Accounts/{token}", json={"accountname": "A", "employees": "x"}), 400
    )
    assert "employees" in bad["message"]
    typed = refused(
        vt.post(f"{BASE}/Accounts/{token}", json={"accountname": "A", "phone": "x" * 300}), 400
    )
    assert "phone" in typed["message"] and "phone_office" not in typed["message"]
