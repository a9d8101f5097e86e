"""/meta layouts, locale and modules; admins' layout changes; users' list view choices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User

DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture
def sam(services: Services, admin: User, api: ApiClient) -> Iterator[ApiClient]:
    """A second, non-admin user's client."""
    services.auth.add_user(admin.actor, "sam", "sam-pw-2024", last_name="Sample")
    _, token = services.auth.create_token("sam")
    client = ApiClient(api.app, {"Authorization": f"Bearer {token}"})
    yield client
    client.close()


def test_locale_follows_the_language(api: ApiClient) -> None:
    en = api.get("/meta/locale").json()
    assert en["date_format"] == "Y-m-d" and en["name_format"] == "s f l"
    assert en["number_format"]["dec_sep"] == "." and en["number_format"]["grp_sep"] == ","
    assert en["base_currency"]["iso4217"] == "USD" and en["base_currency"]["symbol"] == "$"
    assert en["base_currency"]["symbol_place_after"] is False
    de = api.get("/meta/locale", headers=DE)
    body = de.json()
    assert body["date_format"] == "d.m.Y"
    assert body["number_format"]["dec_sep"] == "," and body["number_format"]["grp_sep"] == "."
    assert body["base_currency"]["name"] == "US-Dollar"
    assert body["base_currency"]["symbol_place_after"] is True


def test_modules_list_primary_models(api: ApiClient) -> None:
    modules = {m["module"]: m for m in api.get("/meta/modules").json()["list"]}
    assert modules["Contacts"]["primary_model"] == "Contact"
    assert modules["Cases"]["models"] == ["aCase"]
    german = {m["module"]: m for m in api.get("/meta/modules", headers=DE).json()["list"]}
    assert german["Contacts"]["label"] == "Kontakte"


def test_list_view_defaults_from_metadata(api: ApiClient, services: Services) -> None:
    view = api.get("/meta/list_view/Contact").json()
    model = services.records.model("Contact")
    assert [c["field"] for c in view["columns"]] == list(model.list_fields)
    assert view["current_layout"]["name"] == "Standard"
    assert view["layouts"] == [{"name": "Standard", "label": "Standard"}]
    german = api.get("/meta/list_view/Contact", headers=DE).json()
    labels = {c["field"]: c["label"] for c in german["columns"]}
    assert labels.get("last_name", "Nachname") == "Nachname"
    assert german["settings"]["title"] == "Kontakt"


def test_admins_change_layouts_and_users_choose(api: ApiClient, sam: ApiClient) -> None:
    compact = {
        "label": "Compact",
        "columns": ["last_name", "email1"],
        "filters": ["filter_text"],
        "order_by": "last_name",
    }
    assert sam.put("/admin/layouts/Contact/list/Compact", json=compact).status_code == 403
    saved = api.put("/admin/layouts/Contact/list/Compact", json=compact)
    assert saved.status_code == 200, saved.text
    names = [lay["name"] for lay in sam.get("/meta/list_view/Contact").json()["layouts"]]
    assert names == ["Standard", "Compact"]
    chose = sam.post(
        "/layouts/list_view/Contact",
        json={
            "layout": "Compact",
            "filter_values": {"filter_text": "ada"},
            "limit": 50,
            "order_by": "last_name desc",
        },
    )
    assert chose.status_code == 200, chose.text
    view = sam.get("/meta/list_view/Contact").json()
    assert [c["field"] for c in view["columns"]] == ["last_name", "email1"]
    current = view["current_layout"]
    assert current["name"] == "Compact" and current["limit"] == 50
    assert current["filter_values"] == {"filter_text": "ada"}
    assert current["order_by"] == "last_name desc"
    # the choice is sam's own: the admin still sees the default
    assert api.get("/meta/list_view/Contact").json()["current_layout"]["name"] == "Standard"
    assert sam.get("/layouts/list_view/Contact").json()["layout"] == "Compact"


@pytest.mark.parametrize(
    "body",
    [
        {"layout": "Nope"},
        {"filter_values": {"no_such_filter": "x"}},
        {"limit": 500},
        {"offset": -1},
        {"order_by": "no_such_field"},
        {"filter_values": "x"},
    ],
)
def test_bad_list_view_choices_are_400(api: ApiClient, body: dict[str, Any]) -> None:
    resp = api.patch("/layouts/list_view/Contact", json=body)
    assert resp.status_code == 400, resp.text
    assert api.get("/layouts/list_view/Contact").json() == {}


@pytest.mark.parametrize(
    ("view", "body", "word"),
    [
        ("list", {"columns": ["first_name", "shoe_size"]}, "shoe_size"),
        ("list", {"columns": []}, "columns"),
        ("detail", {"sections": [{"id": "a", "label": "A", "fields": ["nope"]}]}, "nope"),
        ("sub_panels", {"panels": ["no_link"]}, "no_link"),
        ("list", ["first_name"], "object"),
    ],
)
def test_layouts_are_checked_against_the_model(
    api: ApiClient, view: str, body: Any, word: str
) -> None:
    resp = api.put(f"/admin/layouts/Contact/{view}/Standard", json=body)
    assert resp.status_code == 400 and word in resp.json()["message"]


def test_unknown_view_or_layout_is_404(api: ApiClient) -> None:
    assert api.put("/admin/layouts/Contact/kanban/X", json={}).status_code == 404
    assert api.get("/meta/detail_view/Contact/Nope").status_code == 404
    assert api.get("/meta/sub_panels/Contact/Nope").status_code == 404
    assert api.get("/meta/list_view/NoModel").status_code == 404
    assert api.get("/meta/generic_module_layouts/NoModule").status_code == 404
    assert api.delete("/admin/layouts/Contact/list/Standard").status_code == 404


def test_detail_view_and_reset(api: ApiClient) -> None:
    view = api.get("/meta/detail_view/Contact/Standard").json()
    assert view["title"] == "Contact"
    overview = [f["field"] for f in view["sections"][0]["fields"]]
    assert "first_name" in overview and "date_entered" not in overview
    custom = {
        "label": "Short",
        "sections": [{"id": "main", "label": "Overview", "fields": ["first_name", "last_name"]}],
    }
    assert api.put("/admin/layouts/Contact/detail/Standard", json=custom).status_code == 200
    german = api.get("/meta/detail_view/Contact/Standard", headers=DE).json()
    assert german["sections"] == [
        {
            "id": "main",
            "label": "Übersicht",
            "fields": [
                {"field": "first_name", "label": "Vorname", "type": "name"},
                {"field": "last_name", "label": "Nachname", "type": "name"},
            ],
        }
    ]
    assert api.delete("/admin/layouts/Contact/detail/Standard").status_code == 200
    assert api.get("/meta/detail_view/Contact/Standard").json()["sections"] == view["sections"]


def test_sub_panels_follow_links(api: ApiClient, services: Services) -> None:
    panels = api.get("/meta/sub_panels/Account/Standard").json()["panels"]
    links = services.records.model("Account").links
    assert [p["name"] for p in panels] == list(links)
    contacts = next(p for p in panels if p["name"] == "contacts")
    assert contacts["bean_name"] == "Contact" and contacts["columns"]
    only = {"panels": ["contacts"]}
    assert api.put("/admin/layouts/Account/sub_panels/Standard", json=only).status_code == 200
    panels = api.get("/meta/sub_panels/Account/Standard").json()["panels"]
    assert [p["name"] for p in panels] == ["contacts"]


def test_generic_module_layouts(api: ApiClient) -> None:
    body = api.get("/meta/generic_module_layouts/Contacts").json()
    assert set(body) == {"list", "popup", "detail"}
    assert body["detail"]["view"]["sections"]


def test_the_standard_detail_view_keeps_addresses_in_their_own_section(api: ApiClient) -> None:
    view = api.get("/meta/detail_view/Account/Standard", headers=DE).json()
    sections = {s["id"]: [f["field"] for f in s["fields"]] for s in view["sections"]}
    assert list(sections) == ["overview", "addresses", "details", "other"]
    assert [s["label"] for s in view["sections"]][:2] == ["Übersicht", "Adressen"]
    assert sections["addresses"][:2] == ["billing_address_street", "billing_address_city"]
    assert {"billing_address_countrycode", "shipping_address_statecode"} <= set(
        sections["addresses"]
    )
    assert not [n for n in sections["overview"] if "_address_" in n]
    assert {"name", "ticker_symbol", "default_terms", "currency"} <= set(sections["overview"])
