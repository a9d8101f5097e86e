"""Text keys (prefix_bounds, fold_text) and the kept counts behind total_results."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from amity.core.services import Services
from amity.store.query import fold_text, prefix_bounds
from tests.conftest import ApiClient

MAX = "\U0010ffff"
SAMPLES = [
    "",
    "a",
    "ab",
    "abc",
    "abd",
    "abc" + MAX,
    "ab" + MAX,
    "b",
    "A",
    "zoe",
    "zoë",
    "zoëy",
    "zoì",
    "é",
    "éa",
    "\ud7ff",
    "\ue000",
    "a\ud7ff",
    "a\ud7ffx",
    "a\ue000",
    MAX,
    MAX + "a",
    MAX + MAX,
    "日本",
    "日本語",
    "日",
    "\U0001f600",
    "\U0001f600x",
    "100%",
    "100_",
    "o'b",
]


def in_bounds(text: str, low: str, high: str | None) -> bool:
    return low <= text and (high is None or text < high)


def in_bytes(text: str, low: str, high: str | None) -> bool:
    """The same test the way the database runs it: on UTF-8 bytes."""
    encode = lambda s: s.encode("utf-8", "surrogatepass")  # noqa: E731
    return encode(low) <= encode(text) and (high is None or encode(text) < encode(high))


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", ("", None)),
        ("abc", ("abc", "abd")),
        ("zoë", ("zoë", "zoì")),
        ("a" + MAX, ("a" + MAX, "b")),
        ("ab" + MAX + MAX, ("ab" + MAX + MAX, "ac")),
        (MAX, (MAX, None)),
        (MAX + MAX, (MAX + MAX, None)),
        ("a\ud7ff", ("a\ud7ff", "a\ue000")),  # the next storable code point skips surrogates
        ("100%", ("100%", "100&")),
        ("o'b", ("o'b", "o'c")),
    ],
)
def test_prefix_bounds(prefix: str, expected: tuple[str, str | None]) -> None:
    assert prefix_bounds(prefix) == expected


@pytest.mark.parametrize("prefix", sorted({s for s in SAMPLES} | {"a" + MAX, "日本", "zo"}))
def test_bounds_hold_exactly_the_strings_with_the_prefix(prefix: str) -> None:
    low, high = prefix_bounds(prefix)
    for text in SAMPLES:
        assert in_bounds(text, low, high) == text.startswith(prefix), (prefix, text)
        assert in_bytes(text, low, high) == text.startswith(prefix), (prefix, text)


GREEK = "\u03a3\u0391\u03a3"  # capital sigma, alpha, sigma
GREEK_LOWER = "\u03c3\u03b1\u03c3"  # no final sigma: the database maps letter by letter
CYRILLIC = "\u041c\u041e\u0421\u041a\u0412\u0410"


def test_fold_text_sqlite_folds_ascii_only() -> None:
    assert fold_text("", "sqlite") == ""
    assert fold_text("John O'BRIEN 100%_X", "sqlite") == "john o'brien 100%_x"
    assert fold_text(f"ÉCOLE Zoë {GREEK}", "sqlite") == f"École zoë {GREEK}"


def test_fold_text_postgresql_folds_unicode() -> None:
    assert fold_text("", "postgresql") == ""
    assert fold_text(f"ÉCOLE Zoë {GREEK}", "postgresql") == f"école zoë {GREEK_LOWER}"
    # one character in, one character out, as the database's lower() does
    assert fold_text("İSTANBUL", "postgresql") == "istanbul"


def test_fold_text_agrees_with_the_database(services: Services) -> None:
    """The client's text must be folded exactly as lower() folds stored values."""
    samples = [
        "John",
        "O'BRIEN",
        "ÉCOLE",
        "Zoë",
        GREEK,
        "İstanbul",
        "ÅSA",
        "ŁÓDŹ",
        CYRILLIC,
        "日本",
        "Straße",
        "ǅ",
        "\U0010ffff",
        "100%_X",
    ]
    dialect = services.db.dialect
    with services.db.engine.connect() as conn:
        for text in samples:
            folded = conn.execute(sa.select(sa.func.lower(sa.literal(text)))).scalar_one()
            assert folded == fold_text(text, dialect), text


# -- kept counts ---------------------------------------------------------------------------


def listed_ids(api: ApiClient, model: str, params: dict[str, Any] | None = None) -> list[str]:
    """Every id of a list, page by page; checks total_results on each page."""
    ids: list[str] = []
    total = None
    while True:
        page = api.get(
            f"/data/{model}", params={**(params or {}), "offset": len(ids), "limit": 200}
        ).json()
        total = page["total_results"] if total is None else total
        assert page["total_results"] == total
        ids += [r["id"] for r in page["records"]]
        if not page["records"]:
            break
    assert len(ids) == len(set(ids))
    return ids


def assert_total_matches(api: ApiClient, model: str, expected: set[str]) -> None:
    ids = listed_ids(api, model)
    assert set(ids) == expected
    assert api.get(f"/data/{model}").json()["total_results"] == len(expected)


def test_unfiltered_total_follows_creates_deletes_and_upserts(api: ApiClient) -> None:
    live: set[str] = set()
    assert_total_matches(api, "Account", live)
    for i in range(5):
        live.add(api.post("/data/Account", json={"data": {"name": f"Count {i}"}}).json()["id"])
    assert_total_matches(api, "Account", live)

    gone = sorted(live)[:2]
    for record_id in gone:
        assert api.delete(f"/data/Account/{record_id}").status_code == 200
        live.discard(record_id)
    assert_total_matches(api, "Account", live)
    # deleting again, or deleting what never existed, changes nothing
    assert api.delete(f"/data/Account/{gone[0]}").status_code == 404
    assert api.delete("/data/Account/no-such-id").status_code == 404
    assert_total_matches(api, "Account", live)

    # an upsert of a new id creates; of an existing id only updates
    assert (
        api.patch(
            "/data/Account/upsert-1", json={"data": {"name": "Upserted"}, "create": True}
        ).status_code
        == 200
    )
    live.add("upsert-1")
    assert (
        api.patch(
            "/data/Account/upsert-1", json={"data": {"name": "Upserted again"}, "create": True}
        ).status_code
        == 200
    )
    assert (
        api.patch(f"/data/Account/{sorted(live)[0]}", json={"data": {"name": "Edited"}}).status_code
        == 200
    )
    assert_total_matches(api, "Account", live)
    # an upsert that cannot create (a deleted record's id) leaves the count alone
    assert (
        api.patch(
            f"/data/Account/{gone[0]}", json={"data": {"name": "Back"}, "create": True}
        ).status_code
        == 409
    )
    # a failed create leaves it alone too
    assert api.post("/data/Account", json={"data": {"name": ""}}).status_code == 400
    assert_total_matches(api, "Account", live)

    # other models keep their own counts
    api.post("/data/Contact", json={"data": {"last_name": "Other"}})
    assert_total_matches(api, "Account", live)
    assert api.get("/data/Contact").json()["total_results"] == 1


def test_filtered_total_counts_matches_not_the_page(api: ApiClient) -> None:
    for i in range(7):
        api.post("/data/Account", json={"data": {"name": f"Paged {i}"}})
    api.post("/data/Account", json={"data": {"name": "Other"}})
    page = api.get(
        "/data/Account", params={"filters[name]": "Paged", "limit": 3, "offset": 5}
    ).json()
    assert page["total_results"] == 7
    assert len(page["records"]) == 2
    assert len(listed_ids(api, "Account", {"filters[name]": "Paged"})) == 7
