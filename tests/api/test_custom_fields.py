"""Custom fields through the admin API: add, use through /data, filter, sort, change
options, remove; admins only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amity.app import create_app
from amity.core.services import Services, build_services
from tests.conftest import ApiClient, SqliteTemplate, User, make_admin, settings_for
from tests.pg_databases import TemplateCopies

SEED_PAYLOAD: dict[str, Any] = {  # the App CRM seed's examples, one field per type
    "flag_c": True,
    "colour_c": "#333333",
    "boxes_c": [1],
    "day_c": "2020-11-26",
    "moment_c": "2020-11-26 06:00:00",
    "tags_c": [1],
    "count_c": 200,
    "amount_c": 1250.330,
    "choice_c": 1,
    "site_c": "https://www.iacrn.com.br",
    "pick_c": 2,
    "title_c": "Sample Text",
    "notes_c": "Sample Text",
    "zone_c": "America/Toronto",
}
TYPES = {
    "flag_c": "Boolean",
    "colour_c": "ColorSwatch",
    "boxes_c": "Checkbox",
    "day_c": "Date",
    "moment_c": "DateTime",
    "tags_c": "MultiSelect",
    "count_c": "Number",
    "amount_c": "Numeric",
    "choice_c": "Radio",
    "site_c": "URL",
    "pick_c": "Select",
    "title_c": "Text",
    "notes_c": "Textarea",
    "zone_c": "Timezone",
}


def add_field(api: ApiClient, model: str, name: str, type_: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "type": type_, **extra}
    if type_ in ("Checkbox", "MultiSelect", "Radio", "Select") and "options" not in extra:
        body["options"] = ["Gold", "Silver", "Bronze"]
    res = api.post(f"/admin/fields/{model}", json=body)
    assert res.status_code == 200, res.text
    record: dict[str, Any] = res.json()["record"]
    return record


@pytest.fixture
def every_type(api: ApiClient) -> None:
    for name, type_ in TYPES.items():
        add_field(api, "Contact", name, type_)


@pytest.fixture(scope="module")
def typed_api(
    template: SqliteTemplate | TemplateCopies,
    jwt_key_file: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ApiClient]:
    """The admin's client on a database with a custom field of every type, made once for the
    tests that only read it or are refused (they leave it as they found it)."""
    directory: Path = tmp_path_factory.mktemp("every_type")
    with template.database(directory) as url:
        settings = settings_for(url, jwt_key_file)
        services = build_services(settings)
        client = ApiClient(
            create_app(settings, services),
            {"Authorization": f"Bearer {make_admin(services).token}"},
        )
        try:
            for name, type_ in TYPES.items():
                add_field(client, "Contact", name, type_)
            yield client
        finally:
            client.close()
            services.close()


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    res = api.post(f"/data/{model}", json={"data": data})
    assert res.status_code == 200, res.text
    return str(res.json()["id"])


@pytest.mark.usefixtures("every_type")
def test_seed_examples_are_stored_and_read_back_exactly(api: ApiClient) -> None:
    record_id = create(api, "Contact", {"last_name": "Seed", **SEED_PAYLOAD})
    got = api.get(f"/data/Contact/{record_id}").json()["record"]
    assert {k: got[k] for k in SEED_PAYLOAD} == {**SEED_PAYLOAD, "amount_c": 1250.33}
    api.patch(f"/data/Contact/{record_id}", json={"data": {"amount_c": 1300}})
    api.patch(f"/data/Contact/{record_id}", json={"data": {"count_c": "-7"}})
    got = api.get(f"/data/Contact/{record_id}", params={"fields[]": ["amount_c", "count_c"]})
    assert got.json()["record"]["amount_c"] == 1300
    assert got.json()["record"]["count_c"] == -7
    listed = api.get("/data/Contact", params={"fields[]": list(SEED_PAYLOAD)}).json()
    assert listed["records"][0]["tags_c"] == [1]


@pytest.mark.usefixtures("every_type")
def test_numeric_is_exact_to_the_thousandth(api: ApiClient) -> None:
    values = ["999999999999.999", "0.001", "-1250.330", "0.1", "1234567.891"]
    ids = [create(api, "Contact", {"last_name": "N", "amount_c": v}) for v in values]
    for record_id, value in zip(ids, values, strict=True):
        raw = api.get(f"/data/Contact/{record_id}", params={"fields[]": "amount_c"}).text
        assert f'"amount_c":{value.rstrip("0").rstrip(".")}' in raw
    matched = api.get(
        "/data/Contact", params={"filters[amount_c]": "0.1", "fields[]": "amount_c"}
    ).json()
    assert [r["id"] for r in matched["records"]] == [ids[3]]


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        ("flag_c", "maybe", "true or false"),
        ("colour_c", "#333", "#rrggbb"),
        ("boxes_c", 1, "a list of option ids"),
        ("boxes_c", [9], "1 (Gold), 2 (Silver)"),
        ("day_c", "26.11.2020", "Y-m-d"),
        ("moment_c", "2020-11-26", "Y-m-d H:i:s"),
        ("count_c", 1.5, "an integer"),
        ("amount_c", 1250.3301, "3 decimal places"),
        ("choice_c", "Gold", "option id"),
        ("site_c", "www.iacrn.com.br", "http"),
        ("pick_c", 4, "3 (Bronze)"),
        ("title_c", "x" * 256, "255"),
        ("zone_c", "Toronto", "IANA"),
    ],
)
def test_a_wrong_value_is_a_400_naming_field_type_and_what_is_accepted(
    typed_api: ApiClient, name: str, value: Any, accepted: str
) -> None:
    res = typed_api.post("/data/Contact", json={"data": {"last_name": "X", name: value}})
    assert res.status_code == 400
    body = res.json()
    text = body["message"] + " " + body["hint"]
    assert name in body["message"] and TYPES[name] in body["message"]
    assert accepted in text


@pytest.mark.usefixtures("every_type")
def test_custom_fields_are_filterable_and_sortable(api: ApiClient) -> None:
    rows = [
        {
            "last_name": "A",
            "count_c": 5,
            "pick_c": 1,
            "tags_c": [1, 2],
            "flag_c": True,
            "title_c": "Alpha",
            "day_c": "2024-01-10",
            "zone_c": "Europe/Berlin",
        },
        {
            "last_name": "B",
            "count_c": 50,
            "pick_c": 2,
            "tags_c": [2],
            "flag_c": False,
            "title_c": "beta",
            "day_c": "2024-02-10",
            "zone_c": "America/Toronto",
        },
        {
            "last_name": "C",
            "count_c": 500,
            "pick_c": 3,
            "tags_c": [3],
            "title_c": "Alphabet",
            "day_c": "2024-03-10",
        },
    ]
    a, b, c = (create(api, "Contact", row) for row in rows)

    def ids(**params: Any) -> list[str]:
        res = api.get("/data/Contact", params=params)
        assert res.status_code == 200, res.text
        return [r["id"] for r in res.json()["records"]]

    assert ids(
        **{"filters[count_c]": "50", "filters[count_c-operator]": "gte", "order": "count_c"}
    ) == [b, c]
    assert ids(**{"filters[pick_c][]": ["1", "3"], "order": "count_c desc"}) == [c, a]
    assert ids(**{"filters[tags_c]": "2", "order": "last_name"}) == [a, b]
    assert ids(**{"filters[flag_c]": "true"}) == [a]
    assert ids(**{"filters[title_c]": "alph", "order": "title_c desc"}) == [c, a]
    assert ids(
        **{
            "filters[day_c]": "2024-02-01",
            "filters[day_c-operator]": "after_date",
            "order": "day_c",
        }
    ) == [b, c]
    assert ids(**{"filters[zone_c]": "America/", "order": "zone_c"}) == [b]
    assert ids(order="title_c") == [a, c, b]
    bad = api.get("/data/Contact", params={"filters[pick_c]": "9"})
    assert bad.status_code == 400 and "1 (Gold)" in bad.json()["hint"]


def test_meta_lists_custom_fields_with_a_marker_and_their_filters(typed_api: ApiClient) -> None:
    meta = typed_api.get("/meta/fields/Contact").json()
    pick = meta["fields"]["pick_c"]
    assert pick["custom"] is True and pick["custom_type"] == "Select"
    assert pick["type"] == "enum" and pick["options"] == {"1": "Gold", "2": "Silver", "3": "Bronze"}
    assert meta["fields"]["amount_c"]["decimal_places"] == 3
    assert meta["fields"]["tags_c"]["type"] == "multienum"
    assert "custom" not in meta["fields"]["last_name"]
    assert meta["filters"]["pick_c"]["options"] == {"1": "Gold", "2": "Silver", "3": "Bronze"}
    assert set(TYPES) <= set(meta["filters"])


def test_option_life_cycle(api: ApiClient) -> None:
    add_field(api, "Account", "tier_c", "Select", options=["Gold", "Silver"])
    add_field(api, "Account", "labels_c", "MultiSelect", options=["Red", "Blue"])
    held = create(api, "Account", {"name": "Holder", "tier_c": 2, "labels_c": [1, 2]})

    def change(name: str, options: Any) -> Any:
        return api.patch(f"/admin/fields/Account/{name}", json={"options": options})

    # add, rename, reorder
    res = change("tier_c", [{"label": "Platinum"}, {"id": 2, "label": "Argent"}, {"id": 1}])
    assert res.status_code == 200, res.text
    assert res.json()["record"]["options"] == [
        {"id": 3, "label": "Platinum", "retired": False},
        {"id": 2, "label": "Argent", "retired": False},
        {"id": 1, "label": "Gold", "retired": False},
    ]
    meta = api.get("/meta/fields/Account").json()["fields"]["tier_c"]
    assert list(meta["options"].items()) == [("3", "Platinum"), ("2", "Argent"), ("1", "Gold")]
    # retire: stored values stay and read back, filters still find them, new writes refused
    assert change("tier_c", [{"id": 3}, {"id": 2, "retired": True}, {"id": 1}]).status_code == 200
    assert change("labels_c", [{"id": 1, "retired": True}, {"id": 2}]).status_code == 200
    record = api.get(f"/data/Account/{held}").json()["record"]
    assert record["tier_c"] == 2 and record["labels_c"] == [1, 2]
    found = api.get("/data/Account", params={"filters[tier_c]": "2"}).json()["records"]
    assert [r["id"] for r in found] == [held]
    refused = api.post("/data/Account", json={"data": {"name": "New", "tier_c": 2}})
    assert refused.status_code == 400 and "retired" in refused.json()["message"]
    refused = api.patch(f"/data/Account/{held}", json={"data": {"labels_c": [1]}})
    assert refused.status_code == 400
    assert (
        api.patch(f"/data/Account/{held}", json={"data": {"name": "Renamed"}}).status_code == 200
    )  # a write that leaves the field alone keeps the retired value
    assert api.get(f"/data/Account/{held}").json()["record"]["tier_c"] == 2
    # un-retire; options cannot be deleted; ids are never reused
    assert change("tier_c", [{"id": 3}, {"id": 2, "retired": False}, {"id": 1}]).status_code == 200
    assert create(api, "Account", {"name": "Again", "tier_c": 2})
    missing = change("tier_c", [{"id": 3}, {"id": 1}])
    assert missing.status_code == 400 and "retire" in missing.json()["hint"]
    res = change("tier_c", [{"id": 3}, {"id": 2}, {"id": 1}, "Copper"])
    assert res.json()["record"]["options"][-1] == {"id": 4, "label": "Copper", "retired": False}
    assert change("tier_c", [{"id": 7, "label": "X"}]).status_code == 400
    assert (
        change("tier_c", [{"id": 3}, {"id": 2}, {"id": 1}, {"id": 4, "label": "Gold"}]).status_code
        == 400
    )  # labels stay unique


def test_change_label_required_and_index(api: ApiClient) -> None:
    add_field(api, "Lead", "budget_c", "Number")
    res = api.patch(
        "/admin/fields/Lead/budget_c", json={"label": "Budget", "required": True, "indexed": True}
    )
    assert res.status_code == 200, res.text
    assert (
        res.json()["record"] | {"label": "Budget", "required": True, "indexed": True}
        == res.json()["record"]
    )
    meta = api.get("/meta/fields/Lead").json()["fields"]["budget_c"]
    assert meta["vname"] == "Budget" and meta["required"] is True and meta["indexed"] is True
    missing = api.post("/data/Lead", json={"data": {"last_name": "L"}})
    assert missing.status_code == 400 and "budget_c" in missing.json()["message"]
    assert create(api, "Lead", {"last_name": "L", "budget_c": 10})
    assert api.patch("/admin/fields/Lead/budget_c", json={"type": "Text"}).status_code == 400
    assert api.patch("/admin/fields/Lead/budget_c", json={"indexed": False}).status_code == 200
    assert api.patch("/admin/fields/Lead/budget_c", json={"colour": 1}).status_code == 400


def test_remove_hides_the_field_and_keeps_its_values(api: ApiClient, services: Services) -> None:
    add_field(api, "Account", "region_c", "Text", indexed=True)
    record_id = create(api, "Account", {"name": "Deal", "region_c": "North"})
    assert [f["name"] for f in api.get("/admin/fields/Account").json()["records"]] == ["region_c"]
    assert api.delete("/admin/fields/Account/region_c").json() == {"result": True}
    assert api.get("/admin/fields/Account").json()["records"] == []
    assert "region_c" not in api.get("/meta/fields/Account").json()["fields"]
    assert "region_c" not in api.get(f"/data/Account/{record_id}").json()["record"]
    gone = api.post("/data/Account", json={"data": {"name": "D", "region_c": "South"}})
    assert gone.status_code == 400 and "Unknown field region_c" in gone.json()["message"]
    assert api.get("/data/Account", params={"filters[region_c]": "N"}).status_code == 400
    assert api.delete("/admin/fields/Account/region_c").status_code == 404
    again = api.post("/admin/fields/Account", json={"name": "region_c", "type": "Text"})
    assert again.status_code == 409
    assert create(api, "Account", {"name": "After"})  # inserts still work
    with services.db.read() as conn:  # the hidden column keeps the value
        value = conn.exec_driver_sql(
            "SELECT region_c FROM accounts WHERE id = ?"
            if services.db.is_sqlite
            else "SELECT region_c FROM accounts WHERE id = %s",
            (record_id,),
        ).scalar()
    assert value == "North"


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"name": "tier", "type": "Text"}, 400, "end in _c"),
        ({"name": "Tier_c", "type": "Text"}, 400, "lower-case"),
        ({"name": "x" * 40 + "_c", "type": "Text"}, 400, "3-40"),
        ({"name": "tier_c", "type": "Colour"}, 400, "ColorSwatch"),
        ({"name": "tier_c", "type": "Select"}, 400, "needs options"),
        ({"name": "tier_c", "type": "Text", "options": ["a"]}, 400, "no options"),
        ({"name": "tier_c", "type": "Textarea", "indexed": True}, 400, "cannot be indexed"),
        ({"name": "tier_c", "type": "Text", "size": 3}, 400, "size"),
        ({"name": "tier_c", "type": "Select", "options": ["a", "a"]}, 400, "unique"),
    ],
)
def test_invalid_definitions_are_refused(
    api: ApiClient, body: dict[str, Any], status: int, text: str
) -> None:
    res = api.post("/admin/fields/Contact", json=body)
    assert res.status_code == status
    assert text in res.json()["message"] + res.json()["hint"]


def test_names_and_models_are_checked(api: ApiClient) -> None:
    add_field(api, "Contact", "tier_c", "text")  # type names match case-insensitively
    assert (
        api.post("/admin/fields/Contact", json={"name": "tier_c", "type": "Text"}).status_code
        == 400
    )
    assert api.post("/admin/fields/Nope", json={"name": "a_c", "type": "Text"}).status_code == 404
    assert api.get("/admin/fields/Contact/nope_c").status_code == 404
    assert api.get("/admin/fields/Contact/tier_c").json()["record"]["type"] == "Text"


def test_builtin_fields_never_end_in_the_custom_suffix(services: Services) -> None:
    for model in services.db.registry.models.values():
        assert not [name for name in model.fields if name.endswith("_c")], model.name


def test_only_admins_manage_custom_fields(
    api: ApiClient, app: Any, services: Services, admin: User
) -> None:
    add_field(api, "Contact", "tier_c", "Text")
    services.auth.add_user(admin.actor, "bob", "bob-password-1")
    _, token = services.auth.create_token("bob", "t")
    bob = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        for method, path, body in [
            ("GET", "/admin/fields/Contact", None),
            ("POST", "/admin/fields/Contact", {"name": "x_c", "type": "Text"}),
            ("GET", "/admin/fields/Contact/tier_c", None),
            ("PATCH", "/admin/fields/Contact/tier_c", {"label": "T"}),
            ("DELETE", "/admin/fields/Contact/tier_c", None),
        ]:
            res = bob.request(method, path, json=body)
            assert res.status_code == 403, (method, path)
            assert set(res.json()) == {"error", "message", "hint"}
        # bob still uses the field like any other
        assert (
            bob.post("/data/Contact", json={"data": {"last_name": "B", "tier_c": "x"}}).status_code
            == 200
        )
    finally:
        bob.close()
