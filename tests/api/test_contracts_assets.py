"""The Contract and Asset models over /data and /meta/fields: create, list, filter, get,
their links and their German labels."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def records(api: ApiClient, path: str, **params: Any) -> list[dict[str, Any]]:
    resp = api.get(path, params=params)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["records"])


def test_contracts_are_numbered_filtered_and_linked(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Globex"})
    contact = create(api, "Contact", {"last_name": "Simpson"})
    first = create(
        api,
        "Contract",
        {
            "name": "Support 2026",
            "account_id": account,
            "contact_id": contact,
            "status": "Signed",
            "contract_type": "Support",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "renewal_date": "2026-11-30",
            "contract_value": "12000.10",
        },
    )
    second = create(api, "Contract", {"name": "Pilot", "account_id": account})
    got = api.get(f"/data/Contract/{first}").json()["record"]
    assert got["account"] == "Globex" and got["contact_id"] == contact
    assert got["status"] == "Signed" and got["end_date"] == "2026-12-31"
    assert float(got["contract_value"]) == 12000.10
    numbers = {
        r["id"]: r["contract_number"]
        for r in records(api, "/data/Contract", **{"fields[]": "contract_number"})
    }
    assert int(numbers[first]) == 1 and int(numbers[second]) == 2
    assert api.get(f"/data/Contract/{second}").json()["record"]["status"] == "Not Started"
    signed = records(api, "/data/Contract", **{"filters[status]": "Signed"})
    assert [r["id"] for r in signed] == [first]
    linked = records(api, f"/data/Account/{account}/contracts")
    assert {r["id"] for r in linked} == {first, second}
    bad = api.post("/data/Contract", json={"data": {"name": "X", "status": "Nope"}})
    assert bad.status_code == 400


def test_assets_belong_to_products_and_accounts(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Initech"})
    product = create(api, "Product", {"name": "Printer"})
    asset = create(
        api,
        "Asset",
        {
            "name": "Printer 3rd floor",
            "serial_number": "PC-LOAD-LETTER",
            "asset_number": "INV-0042",
            "product_id": product,
            "account_id": account,
            "purchase_date": "2025-05-01",
            "warranty_end_date": "2027-05-01",
            "purchase_cost": "499.99",
            "location": "3rd floor",
        },
    )
    create(api, "Asset", {"name": "Stapler", "status": "Retired"})
    got = api.get(f"/data/Asset/{asset}").json()["record"]
    assert got["product"] == "Printer" and got["status"] == "In Service"
    assert got["quantity"] == 1 and float(got["purchase_cost"]) == 499.99
    found = records(api, "/data/Asset", **{"filters[filter_text]": "PC-LOAD"})
    assert [r["id"] for r in found] == [asset]
    retired = records(api, "/data/Asset", **{"filters[status]": "Retired"})
    assert [r["name"] for r in retired] == ["Stapler"]
    assert {r["id"] for r in records(api, f"/data/Product/{product}/assets")} == {asset}
    assert {r["id"] for r in records(api, f"/data/Account/{account}/assets")} == {asset}


def test_metadata_in_english_and_german(api: ApiClient) -> None:
    contract = api.get("/meta/fields/Contract").json()["fields"]
    assert contract["contract_number"]["editable"] is False
    assert contract["account"]["bean_name"] == "Account"
    assert "Terminated" in contract["status"]["options"]
    assert contract["contract_value"]["type"] == "currency"
    de = api.get("/meta/fields/Asset", headers={"Accept-Language": "de"}).json()
    assert de["fields"]["serial_number"]["vname"] == "Seriennummer"
    assert de["fields"]["status"]["options"]["Retired"] == "Ausgemustert"
    assert "warranty_end_date" in de["filters"]
