"""Assembly: a product made of products, each part linked with a quantity on the join
(the 1CRM seed's records_with_data example)."""

from __future__ import annotations

from typing import Any

from tests.api.test_related import assert_error, create, link, related
from tests.conftest import ApiClient


def parts(api: ApiClient, assembly: str) -> dict[str, Any]:
    """product id -> quantity of the assembly's products."""
    page = related(api, "Assembly", assembly, "products")
    return {r["id"]: r["quantity"] for r in page["records"]}


def test_records_with_data_stores_the_quantity_of_each_part(api: ApiClient) -> None:
    board = create(api, "Product", {"name": "Mainboard"})
    fan = create(api, "Product", {"name": "Fan"})
    pc = create(api, "Assembly", {"name": "Office PC", "product_category": "Hardware"})
    link(api, "Assembly", pc, "products", records_with_data=[{"id": fan, "quantity": 3}])
    link(api, "Assembly", pc, "products", records=[board])
    assert parts(api, pc) == {fan: 3, board: 1}  # a part linked by id alone counts once
    # the product's side of the same join shows the same quantity
    back = related(api, "Product", fan, "assemblies")["records"]
    assert [(r["id"], r["name"], r["quantity"]) for r in back] == [(pc, "Office PC", 3)]
    # linking again with data changes the quantity; by id alone it keeps it
    link(api, "Assembly", pc, "products", records_with_data=[{"id": fan, "quantity": 5}])
    link(api, "Assembly", pc, "products", records=[fan])
    assert parts(api, pc) == {fan: 5, board: 1}
    assert api.delete(f"/data/Assembly/{pc}/products/{fan}").json() == {"result": True}
    assert parts(api, pc) == {board: 1}


def test_a_quantity_that_is_no_number_is_refused(api: ApiClient) -> None:
    fan = create(api, "Product", {"name": "Fan"})
    pc = create(api, "Assembly", {"name": "Office PC"})
    resp = api.post(
        f"/data/Assembly/{pc}/products",
        json={"records_with_data": [{"id": fan, "quantity": "several"}]},
    )
    assert_error(resp, 400, "quantity")
    assert parts(api, pc) == {}


def test_assembly_is_described_in_german(api: ApiClient) -> None:
    de = {"Accept-Language": "de"}
    fields = api.get("/meta/fields/Assembly", headers=de).json()["fields"]
    assert fields["name"]["vname"] == "Name"
    assert fields["product_category"]["options"]["Hardware"] == "Hardware"
    modules = api.get("/meta/modules", headers=de).json()["list"]
    assemblies = next(m for m in modules if m["primary_model"] == "Assembly")
    assert (assemblies["module"], assemblies["label"]) == ("Assemblies", "Baugruppen")
