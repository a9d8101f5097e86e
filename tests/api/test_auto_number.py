"""Auto-number custom fields: the server numbers records 1, 2, 3 ... (the records that exist
when the field is added too, oldest first); concurrent creates never share a number."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import Services, build_services
from tests.api.test_custom_fields import add_field, create
from tests.conftest import ApiClient, User


def number_of(api: ApiClient, model: str, record_id: str, field: str) -> Any:
    return api.get(f"/data/{model}/{record_id}").json()["record"][field]


def test_existing_records_are_numbered_oldest_first_and_new_ones_follow(api: ApiClient) -> None:
    first = create(api, "Account", {"name": "First"})
    gone = create(api, "Account", {"name": "Gone"})
    second = create(api, "Account", {"name": "Second"})
    assert api.delete(f"/data/Account/{gone}").status_code == 200
    field = add_field(api, "Account", "account_no_c", "Number", auto_number=True, unique=True)
    assert field["auto_number"] is True
    meta = api.get("/meta/fields/Account").json()["fields"]["account_no_c"]
    assert meta["auto_number"] is True
    assert [number_of(api, "Account", r, "account_no_c") for r in (first, second)] == [1, 2]

    third = create(api, "Account", {"name": "Third"})
    assert number_of(api, "Account", third, "account_no_c") == 3
    # a number given by the client is kept (an import of old numbers); the next goes on
    imported = create(api, "Account", {"name": "Imported", "account_no_c": 1000})
    assert number_of(api, "Account", imported, "account_no_c") == 1000
    fourth = create(api, "Account", {"name": "Fourth"})
    assert number_of(api, "Account", fourth, "account_no_c") == 4
    ordered = api.get("/data/Account", params={"order": "account_no_c DESC", "limit": 1})
    assert ordered.json()["records"][0]["id"] == imported


def test_a_custom_model_gets_an_auto_number_at_definition(api: ApiClient) -> None:
    res = api.post(
        "/admin/models",
        json={
            "name": "Ticket",
            "fields": [{"name": "number", "type": "Number", "auto_number": True, "unique": True}],
        },
    )
    assert res.status_code == 200, res.text
    made = [create(api, "Ticket", {"name": f"T{n}"}) for n in range(3)]
    assert [number_of(api, "Ticket", t, "number") for t in made] == [1, 2, 3]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "no_c", "type": "Text", "auto_number": True}, "Number fields"),
        ({"name": "no_c", "type": "Number", "auto_number": True, "required": True}, "required"),
        ({"name": "no_c", "type": "Number", "auto_number": "yes"}, "true or false"),
    ],
)
def test_bad_auto_number_fields_are_400(api: ApiClient, body: dict[str, Any], words: str) -> None:
    res = api.post("/admin/fields/Account", json=body)
    assert res.status_code == 400 and words in res.json()["message"], res.text
    assert "no_c" not in api.get("/meta/fields/Account").json()["fields"]


def test_auto_number_is_fixed_once_the_field_exists(api: ApiClient) -> None:
    add_field(api, "Contact", "member_no_c", "Number", auto_number=True)
    for body in ({"auto_number": False}, {"required": True}):
        res = api.patch("/admin/fields/Contact/member_no_c", json=body)
        assert res.status_code == 400, res.text
    assert api.get("/admin/fields/Contact/member_no_c").json()["record"]["auto_number"] is True


def test_concurrent_creates_get_distinct_numbers(app: Any, admin: User, api: ApiClient) -> None:
    add_field(api, "Lead", "lead_no_c", "Number", auto_number=True, unique=True)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver/api.php",
            headers={"Authorization": f"Bearer {admin.token}"},
            timeout=60,
        ) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post("/data/Lead", json={"data": {"last_name": f"L{n}"}})
                        for n in range(10)
                    )
                )
            )

    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [200] * 10
    numbers = sorted(number_of(api, "Lead", a.json()["id"], "lead_no_c") for a in answers)
    assert numbers == list(range(1, 11))


def test_a_process_on_older_metadata_numbers_its_records_too(
    api: ApiClient, settings: Settings, services: Services
) -> None:
    """Another worker that has not yet seen the field still writes numbered records (the
    database numbers what a writer leaves empty); removing the field stops numbering."""
    other = build_services(dataclasses.replace(settings, metadata_check_seconds=3600))
    try:
        other.metadata.refresh()
        create(api, "Account", {"name": "Before"})
        add_field(api, "Account", "account_no_c", "Number", auto_number=True)
        assert "account_no_c" not in other.db.registry.model("Account").fields
        stale = other.records.create(SYSTEM, "Account", {"name": "From the stale process"})
        fresh = create(api, "Account", {"name": "From this one"})
        numbers = [number_of(api, "Account", r, "account_no_c") for r in (stale, fresh)]
        assert numbers == [2, 3]

        assert api.delete("/admin/fields/Account/account_no_c").status_code == 200
        later = create(api, "Account", {"name": "After removal"})
        with services.db.engine.connect() as conn:
            kept = conn.execute(
                sa.text("SELECT account_no_c FROM accounts WHERE id = :id"), {"id": later}
            ).scalar()
        assert kept is None
    finally:
        other.close()
