"""Unique custom fields: one value per live record (an external id, a code), kept by a
unique index, so that even concurrent writers cannot store a value twice."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.api.test_custom_fields import add_field, create
from tests.conftest import ApiClient, User


def refused(res: httpx.Response, words: str) -> None:
    assert res.status_code == 409, res.text
    assert set(res.json()) == {"error", "message", "hint"}
    assert words in res.json()["message"]


def test_a_unique_field_takes_each_value_once_among_live_records(api: ApiClient) -> None:
    field = add_field(api, "Account", "external_id_c", "Text", unique=True)
    assert field["unique"] is True
    assert api.get("/meta/fields/Account").json()["fields"]["external_id_c"]["unique"] is True
    acme = create(api, "Account", {"name": "Acme", "external_id_c": "A-1"})
    refused(
        api.post("/data/Account", json={"data": {"name": "Copy", "external_id_c": "A-1"}}),
        "external_id_c 'A-1'",
    )
    other = create(api, "Account", {"name": "Other", "external_id_c": "A-2"})
    refused(
        api.patch(f"/data/Account/{other}", json={"data": {"external_id_c": "A-1"}}),
        "already exists",
    )
    german = api.post(
        "/data/Account",
        json={"data": {"name": "Kopie", "external_id_c": "A-1"}},
        headers={"Accept-Language": "de"},
    ).json()
    assert german["message"] == "Ein Datensatz Account mit external_id_c 'A-1' existiert bereits"
    assert german["hint"] == "wählen Sie einen anderen Wert für external_id_c"
    # records without a value are many ("" is no value); a record may keep its own value
    create(api, "Account", {"name": "No id 1"})
    create(api, "Account", {"name": "No id 2"})
    empty = [create(api, "Account", {"name": f"Empty {n}", "external_id_c": ""}) for n in range(2)]
    assert api.get(f"/data/Account/{empty[1]}").json()["record"]["external_id_c"] is None
    same = api.patch(
        f"/data/Account/{acme}", json={"data": {"external_id_c": "A-1", "name": "Acme Inc"}}
    )
    assert same.status_code == 200, same.text
    # a deleted record frees its value
    assert api.delete(f"/data/Account/{acme}").status_code == 200
    create(api, "Account", {"name": "Acme again", "external_id_c": "A-1"})
    assert (
        api.get("/data/Account", params={"filters[external_id_c]": "A-1"}).json()["total_results"]
        == 1
    )


def test_making_a_field_unique_needs_distinct_values_first(api: ApiClient) -> None:
    add_field(api, "Contact", "badge_c", "Number")
    first = create(api, "Contact", {"last_name": "One", "badge_c": 7})
    create(api, "Contact", {"last_name": "Two", "badge_c": 7})
    res = api.patch("/admin/fields/Contact/badge_c", json={"unique": True})
    refused(res, "badge_c 7")
    assert api.get("/admin/fields/Contact/badge_c").json()["record"]["unique"] is False
    create(api, "Contact", {"last_name": "Three", "badge_c": 7})  # still allowed

    api.patch("/admin/fields/Contact/badge_c", json={"unique": False})
    for contact in api.get("/data/Contact", params={"filters[badge_c]": 7}).json()["records"]:
        if contact["id"] != first:
            assert (
                api.patch(
                    f"/data/Contact/{contact['id']}", json={"data": {"badge_c": None}}
                ).status_code
                == 200
            )
    res = api.patch("/admin/fields/Contact/badge_c", json={"unique": True})
    assert res.status_code == 200, res.text
    refused(
        api.post("/data/Contact", json={"data": {"last_name": "Four", "badge_c": 7}}), "badge_c 7"
    )
    # back to not unique: the index goes, repeats are fine again
    assert api.patch("/admin/fields/Contact/badge_c", json={"unique": False}).status_code == 200
    create(api, "Contact", {"last_name": "Five", "badge_c": 7})


@pytest.mark.parametrize("type_", ["Boolean", "Checkbox", "Select", "Textarea"])
def test_only_value_types_can_be_unique(api: ApiClient, type_: str) -> None:
    body: dict[str, Any] = {"name": "flag_c", "type": type_, "unique": True}
    if type_ in ("Checkbox", "Select"):
        body["options"] = ["A", "B"]
    res = api.post("/admin/fields/Account", json=body)
    assert res.status_code == 400 and "cannot be unique" in res.json()["message"]
    assert "flag_c" not in api.get("/meta/fields/Account").json()["fields"]


def test_a_removed_unique_field_no_longer_refuses_anything(api: ApiClient) -> None:
    add_field(api, "Lead", "code_c", "Text", unique=True)
    create(api, "Lead", {"last_name": "Lee", "code_c": "X"})
    assert api.delete("/admin/fields/Lead/code_c").status_code == 200
    create(api, "Lead", {"last_name": "Lee"})
    create(api, "Lead", {"last_name": "Lee"})


def test_concurrent_writers_store_a_unique_value_once(
    app: Any, admin: User, api: ApiClient
) -> None:
    add_field(api, "Account", "vat_c", "Text", unique=True)

    async def race() -> list[int]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver/api.php",
            headers={"Authorization": f"Bearer {admin.token}"},
            timeout=60,
        ) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/data/Account", json={"data": {"name": f"Racer {n}", "vat_c": "DE123"}}
                    )
                    for n in range(8)
                )
            )
        return [a.status_code for a in answers]

    statuses = asyncio.run(race())
    assert sorted(statuses) == [200] + [409] * 7
    assert api.get("/data/Account", params={"filters[vat_c]": "DE123"}).json()["total_results"] == 1
