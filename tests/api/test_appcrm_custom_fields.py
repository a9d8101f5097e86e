"""App CRM custom fields (seed 003): keyed by the custom field's id (or its name) in POST and
PUT payloads, every value example of the seed, read back by name, decimals exact, and
invalid values as 422 keyed by what the client sent."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from tests.conftest import (
    ApiClient,
    SqliteTemplate,
    TemplateCopies,
    User,
    make_admin,
    settings_for,
)

HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
OPTIONS = [f"Option {n}" for n in range(1, 11)]  # option ids 1..10: the seed sends 5 and 10

# name: (type, the seed's example value, how GET shows it)
SEED: dict[str, tuple[str, Any, Any]] = {
    "flag_c": ("Boolean", True, True),
    "colour_c": ("ColorSwatch", "#333333", "#333333"),
    "boxes_c": ("Checkbox", [5], [5]),
    "day_c": ("Date", "2020-11-26", "2020-11-26"),
    "moment_c": ("DateTime", "2020-11-26 06:00:00", "2020-11-26 06:00:00"),
    "tags_c": ("MultiSelect", [5], [5]),
    "count_c": ("Number", 200, 200),
    "amount_c": ("Numeric", Decimal("1250.330"), Decimal("1250.33")),
    "choice_c": ("Radio", 5, 5),
    "site_c": ("URL", "https://www.iacrn.com.br", "https://www.iacrn.com.br"),
    "pick_c": ("Select", 10, 10),
    "title_c": ("Text", "Sample Text", "Sample Text"),
    "notes_c": ("Textarea", "Sample Text", "Sample Text"),
    "zone_c": ("Timezone", "America/Toronto", "America/Toronto"),
}
INVALID: dict[str, Any] = {
    "flag_c": "maybe",
    "colour_c": "#33333g",
    "boxes_c": [11],
    "day_c": "2020-13-01",
    "moment_c": "2020-11-26 25:00:00",
    "tags_c": 5,
    "count_c": 1.5,
    "amount_c": "lots",
    "choice_c": 99,
    "site_c": "ftp://example.com",
    "pick_c": [10],
    "title_c": "x" * 256,
    "notes_c": 5,
    "zone_c": "Mars/Olympus_Mons",
}


def dumps(payload: dict[str, Any]) -> bytes:
    """JSON with Decimals written as the exact numbers they are (1250.330, not a string)."""
    numbers: dict[str, str] = {}

    def mark(value: Any) -> str:
        if not isinstance(value, Decimal):
            raise TypeError(value)
        token = f"@number{len(numbers)}@"
        numbers[token] = str(value)
        return token

    text = json.dumps(payload, default=mark)
    for token, number in numbers.items():
        text = text.replace(f'"{token}"', number)
    return text.encode()


def exact(answer: httpx.Response) -> Any:
    """The answer's JSON with every fractional number as Decimal (never a float)."""
    return json.loads(answer.text, parse_float=Decimal)


def make_fields(api: ApiClient, crm: ApiClient) -> dict[str, str]:
    """A Contact custom field of every App CRM type; their ids by field name."""
    for name, (type_, _, _) in SEED.items():
        body: dict[str, Any] = {"name": name, "type": type_}
        if type_ in ("Checkbox", "MultiSelect", "Radio", "Select"):
            body["options"] = OPTIONS
        made = api.post("/admin/fields/Contact", json=body)
        assert made.status_code == 200, made.text
    listed = crm.get("/api/custom-fields", params={"resource": "contacts"})
    assert listed.status_code == 200, listed.text
    rows = listed.json()["data"]
    assert {r["field_id"] for r in rows} == set(SEED)
    return {r["field_id"]: r["id"] for r in rows}


def app_crm_client(app: Any, admin: User) -> ApiClient:
    return ApiClient(
        app, {**HEADERS, "Authorization": f"Bearer {admin.token}"}, base_url="http://testserver"
    )


@dataclasses.dataclass
class Shared:
    crm: ApiClient
    ids: dict[str, str]


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory,
    template: SqliteTemplate | TemplateCopies,
    jwt_key_file: str,
) -> Iterator[Shared]:
    """One app with the fields made once for the module's tests that change no metadata
    (each writes records of its own)."""
    with template.database(tmp_path_factory.mktemp("appcrm-custom")) as url:
        svc = build_services(settings_for(url, jwt_key_file))
        admin = make_admin(svc)
        app = create_app(svc.settings, svc)
        api = ApiClient(app, {"Authorization": f"Bearer {admin.token}"})
        crm = app_crm_client(app, admin)
        try:
            yield Shared(crm, make_fields(api, crm))
        finally:
            crm.close()
            api.close()
            svc.close()


@pytest.fixture
def crm(shared: Shared) -> ApiClient:
    """The shared app's App CRM client."""
    return shared.crm


@pytest.fixture
def ids(shared: Shared) -> dict[str, str]:
    """The shared app's custom field ids by name."""
    return shared.ids


@pytest.fixture
def own_crm(app: Any, admin: User) -> Iterator[ApiClient]:
    """An App CRM client of this test's own app (for tests that change metadata)."""
    client = app_crm_client(app, admin)
    yield client
    client.close()


@pytest.fixture
def own_ids(api: ApiClient, own_crm: ApiClient) -> dict[str, str]:
    """The fields made on this test's own app."""
    return make_fields(api, own_crm)


def post(crm: ApiClient, payload: dict[str, Any]) -> httpx.Response:
    return crm.post("/api/contacts", content=dumps({"last_name": "Custom", **payload}))


def test_custom_fields_list_their_ids_types_and_options(
    crm: ApiClient, ids: dict[str, str]
) -> None:
    rows = {r["field_id"]: r for r in crm.get("/api/custom-fields").json()["data"]}
    assert rows["pick_c"]["field_type"] == "Select"
    assert rows["pick_c"]["resource_name"] == "contacts"
    assert rows["pick_c"]["options"][4] == {"id": 5, "name": "Option 5", "retired": False}
    assert "options" not in rows["count_c"]
    assert len(set(ids.values())) == len(SEED) and not set(ids.values()) & set(SEED)
    assert crm.get("/api/custom-fields", params={"resource": "nothings"}).status_code == 404


def test_every_seed_example_keyed_by_id_reads_back_by_name(
    crm: ApiClient, ids: dict[str, str]
) -> None:
    made = post(crm, {ids[name]: value for name, (_, value, _) in SEED.items()})
    assert made.status_code == 201, made.text
    record = exact(made)
    for name, (_, _, shown) in SEED.items():
        assert record[name] == shown, name
        assert ids[name] not in record  # read back by name only
    got = exact(crm.get(f"/api/contacts/{record['id']}"))
    assert {name: got[name] for name in SEED} == {name: s for name, (_, _, s) in SEED.items()}


@pytest.mark.parametrize("by", ["id", "name"])
def test_each_type_by_id_or_name_on_create_and_update(
    crm: ApiClient, ids: dict[str, str], by: str
) -> None:
    for name, (_, value, shown) in SEED.items():
        key = ids[name] if by == "id" else name
        made = post(crm, {key: value})
        assert made.status_code == 201, made.text
        assert exact(made)[name] == shown
        record_id = made.json()["id"]
        cleared = crm.put(f"/api/contacts/{record_id}", content=dumps({key: None}))
        assert cleared.status_code == 200, cleared.text
        assert exact(cleared)[name] in (None, []), name
        again = crm.put(f"/api/contacts/{record_id}", content=dumps({key: value}))
        assert again.status_code == 200, again.text
        assert exact(crm.get(f"/api/contacts/{record_id}"))[name] == shown, name


def test_numeric_takes_the_seeds_integer_form_too(crm: ApiClient, ids: dict[str, str]) -> None:
    made = post(crm, {ids["amount_c"]: 1250.330})
    record_id = made.json()["id"]
    put = crm.put(f"/api/contacts/{record_id}", content=b'{"%s": 1300}' % ids["amount_c"].encode())
    assert put.status_code == 200, put.text
    assert exact(put)["amount_c"] == Decimal(1300)


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("123456789012.345", Decimal("123456789012.345")),  # 15 digits: all kept
        ("0.001", Decimal("0.001")),
        ("-999999999999.999", Decimal("-999999999999.999")),
        ("1250.3300000000000", Decimal("1250.33")),  # trailing zeros are no precision
    ],
)
def test_numeric_values_are_exact(
    crm: ApiClient, ids: dict[str, str], sent: str, shown: Decimal
) -> None:
    body = b'{"last_name": "Exact", "%s": %s}' % (ids["amount_c"].encode(), sent.encode())
    made = crm.post("/api/contacts", content=body)
    assert made.status_code == 201, made.text
    assert exact(made)["amount_c"] == shown
    assert exact(crm.get(f"/api/contacts/{made.json()['id']}"))["amount_c"] == shown


@pytest.mark.parametrize("sent", ["1250.3300000000001", "0.0005", "1000000000000"])
def test_numeric_values_a_float_would_round_are_refused(
    crm: ApiClient, ids: dict[str, str], sent: str
) -> None:
    """Read as a float, 1250.3300000000001 would be 1250.33 and silently stored."""
    key = ids["amount_c"]
    made = crm.post(
        "/api/contacts", content=b'{"last_name": "R", "%s": %s}' % (key.encode(), sent.encode())
    )
    assert made.status_code == 422, made.text
    assert list(made.json()["errors"]) == [key]


def test_other_decimal_fields_are_exact_too(crm: ApiClient) -> None:
    made = crm.post(
        "/api/opportunities",
        content=b'{"name": "Deal", "date_closed": "2026-12-31", "amount": 224.55}',
    )
    assert made.status_code == 201, made.text
    assert Decimal(str(made.json()["amount"])) == Decimal("224.55")
    refused = crm.post(
        "/api/opportunities",
        content=b'{"name": "Deal", "date_closed": "2026-12-31", "amount": 0.001}',
    )
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["amount"]


@pytest.mark.parametrize("by", ["id", "name"])
def test_invalid_values_are_422_keyed_as_sent(crm: ApiClient, ids: dict[str, str], by: str) -> None:
    record_id = post(crm, {}).json()["id"]
    for name, value in INVALID.items():
        key = ids[name] if by == "id" else name
        made = post(crm, {key: value})
        assert made.status_code == 422, made.text
        body = made.json()
        assert set(body) == {"message", "errors"}
        assert list(body["errors"]) == [key], name
        assert all(isinstance(m, str) and m for m in body["errors"][key])
        put = crm.put(f"/api/contacts/{record_id}", content=dumps({key: value}))
        assert put.status_code == 422 and list(put.json()["errors"]) == [key], name


def test_retired_option_is_refused(
    api: ApiClient, own_crm: ApiClient, own_ids: dict[str, str]
) -> None:
    crm, ids = own_crm, own_ids
    options = [{"id": n, "retired": n == 5} for n in range(1, 11)]
    changed = api.patch("/admin/fields/Contact/pick_c", json={"options": options})
    assert changed.status_code == 200, changed.text
    made = post(crm, {ids["pick_c"]: 5})
    assert made.status_code == 422 and list(made.json()["errors"]) == [ids["pick_c"]]
    assert post(crm, {ids["pick_c"]: 4}).status_code == 201


def test_a_field_given_by_id_and_by_name_is_422(crm: ApiClient, ids: dict[str, str]) -> None:
    made = post(crm, {"count_c": 1, ids["count_c"]: 2})
    assert made.status_code == 422
    assert list(made.json()["errors"]) == [ids["count_c"]]


def test_unknown_keys_are_422_keyed_as_sent(crm: ApiClient, ids: dict[str, str]) -> None:
    made = post(crm, {"no_such_field_c": 1})
    assert made.status_code == 422 and list(made.json()["errors"]) == ["no_such_field_c"]
    other = post(crm, {"00000000-0000-0000-0000-000000000000": 1})
    assert list(other.json()["errors"]) == ["00000000-0000-0000-0000-000000000000"]


def test_an_id_of_another_models_field_is_unknown(crm: ApiClient, ids: dict[str, str]) -> None:
    made = crm.post("/api/accounts", content=dumps({"name": "A", ids["count_c"]: 1}))
    assert made.status_code == 422 and list(made.json()["errors"]) == [ids["count_c"]]


def test_a_removed_fields_id_no_longer_writes(
    api: ApiClient, own_crm: ApiClient, own_ids: dict[str, str]
) -> None:
    crm, ids = own_crm, own_ids
    assert api.delete("/admin/fields/Contact/title_c").status_code == 200
    made = post(crm, {ids["title_c"]: "gone"})
    assert made.status_code == 422 and list(made.json()["errors"]) == [ids["title_c"]]
    rows = crm.get("/api/custom-fields").json()["data"]
    assert "title_c" not in {r["field_id"] for r in rows}


@pytest.fixture
def second(settings: Settings, services: Services) -> Iterator[tuple[Services, ApiClient]]:
    """Another process's services and App CRM client on the same database (checks rarely)."""
    other = build_services(dataclasses.replace(settings, metadata_check_seconds=3600))
    other.metadata.refresh()
    client = ApiClient(create_app(other.settings, other), HEADERS, base_url="http://testserver")
    yield other, client
    client.close()
    other.close()


def test_a_field_added_by_another_process_is_usable_by_id_at_once(
    api: ApiClient, own_crm: ApiClient, admin: User, second: tuple[Services, ApiClient]
) -> None:
    crm = own_crm
    _, far = second
    auth = {"Authorization": f"Bearer {admin.token}"}
    assert far.get("/api/contacts", headers=auth).status_code == 200
    made = api.post("/admin/fields/Contact", json={"name": "far_c", "type": "Number"})
    assert made.status_code == 200, made.text
    (row,) = crm.get("/api/custom-fields", params={"resource": "contacts"}).json()["data"]
    # the other process has not looked yet; a request naming the field's id makes it look
    created = far.post("/api/contacts", headers=auth, json={"last_name": "Far", row["id"]: 7})
    assert created.status_code == 201, created.text
    assert created.json()["far_c"] == 7
    listed = far.get(
        "/api/contacts",
        headers=auth,
        params={"q": "7", "search_fields": "far_c:=", "order": "far_c|desc"},
    )
    assert [r["id"] for r in listed.json()["data"]] == [created.json()["id"]]
