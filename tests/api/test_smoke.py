"""The seed's first example: create a contact and list it with limit=2."""

from tests.conftest import ApiClient


def test_create_and_list_contact(api: ApiClient) -> None:
    created = api.post(
        "/data/Contact", json={"data": {"first_name": "Andrey", "last_name": "Demenev"}}
    )
    assert created.status_code == 200
    record_id = created.json()["id"]
    assert len(record_id) == 36
    listed = api.get("/data/Contact", params={"limit": 2}).json()
    assert listed["total_results"] == 1
    row = listed["records"][0]
    assert row == {
        "id": record_id,
        "salutation": None,
        "first_name": "Andrey",
        "last_name": "Demenev",
        "name": "Andrey Demenev",
        "_display": "Andrey Demenev",
    }
