"""Caches keyed by a client's `fields` list stay bounded however many lists clients send."""

from __future__ import annotations

import itertools

from amity.core import fields
from amity.core.services import Services
from tests.conftest import ApiClient

REQUESTS = 2000


def test_distinct_fields_lists_do_not_grow_the_caches(api: ApiClient, services: Services) -> None:
    api.app = None  # thousands of answers: skip the OpenAPI check of each
    account = api.post("/data/Account", json={"data": {"name": "Acme"}}).json()["id"]
    model = services.records.model("Account")
    names = [fd.name for fd in model.fields.values() if fd.stored][:16]
    by_id = services.records.query._by_id
    for chosen in itertools.islice(itertools.permutations(names, 3), REQUESTS):
        got = api.get(f"/data/Account/{account}", params={"fields": ",".join(chosen)})
        assert got.status_code == 200, got.text
    listed = api.get("/data/Account", params={"fields": "name,description"})
    assert listed.json()["records"][0]["id"] == account
    assert 0 < len(fields._PLANS) <= fields._PLANS.size < REQUESTS
    assert 0 < len(by_id) <= by_id.size < REQUESTS
