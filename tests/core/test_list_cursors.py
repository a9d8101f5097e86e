"""Keyset cursors: a walk by next_cursor sees every record exactly once, in the list's
order, whatever the order (NULLs included) and while others insert and delete; a cursor
changed by hand, or used with another order or an offset, is a 400."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from amity.core.actor import Actor
from amity.core.filters import parse_order
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import BadRequest
from tests.conftest import ApiClient, User

TITLES = [None, "", "CEO", "cfo", "Engineer", "engineer", "Zoo keeper"]


def make_contacts(services: Services, actor: Actor, count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        data: dict[str, Any] = {"last_name": rng.choice(["Lee", "lee", "Ng", "Okafor", "Ávila"])}
        title = rng.choice(TITLES)
        if title is not None:
            data["title"] = title
        if n % 3:
            data["first_name"] = rng.choice(["Ada", "Bo", "cy"])
        out.append(services.records.create(actor, "Contact", data))
    return out


def walk(services: Services, actor: Actor, order: str | None, limit: int) -> list[str]:
    """The ids of a whole walk by cursor."""
    meta = services.records.model("Contact")
    seen: list[str] = []
    cursor = None
    for _ in range(1000):
        q = ListQuery(
            fields=["id"], order=parse_order(meta, order), limit=limit, keyset=True, cursor=cursor
        )
        page = services.records.list_records(actor, "Contact", q)
        seen += [r["id"] for r in page.records]
        if page.next_cursor is None:
            return seen
        assert len(page.records) == limit
        cursor = page.next_cursor
    raise AssertionError("the walk did not end")


def all_at_once(services: Services, actor: Actor, order: str | None) -> list[str]:
    meta = services.records.model("Contact")
    q = ListQuery(fields=["id"], order=parse_order(meta, order), limit=200)
    return [r["id"] for r in services.records.list_records(actor, "Contact", q).records]


@pytest.mark.parametrize(
    "order",
    [None, "title", "title desc", "first_name", "first_name desc", "name", "date_entered desc"],
)
def test_a_walk_by_cursor_is_the_whole_list_in_order(
    services: Services, admin: User, order: str | None
) -> None:
    make_contacts(services, admin.actor, 60)
    expected = all_at_once(services, admin.actor, order)
    assert len(expected) == 60
    for limit in (1, 7, 60):
        assert walk(services, admin.actor, order, limit) == expected, (order, limit)


def test_a_walk_while_others_write_sees_every_lasting_record_once(
    services: Services, admin: User
) -> None:
    actor = admin.actor
    ids = make_contacts(services, actor, 80)
    doomed = set(ids[::4])
    lasting = set(ids) - doomed
    meta = services.records.model("Contact")
    done = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        rng = random.Random(3)
        try:
            for n, victim in enumerate(sorted(doomed)):
                services.records.create(actor, "Contact", {"last_name": rng.choice(["Lee", "Ng"])})
                services.records.delete(actor, "Contact", victim)
                if done.is_set() and n > 5:
                    break
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    seen: list[str] = []
    cursor = None
    thread.start()
    try:
        while True:
            q = ListQuery(
                fields=["id"],
                order=parse_order(meta, "title"),
                limit=5,
                keyset=True,
                cursor=cursor,
            )
            page = services.records.list_records(actor, "Contact", q)
            seen += [r["id"] for r in page.records]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    finally:
        done.set()
        thread.join(60)
    assert not errors
    assert len(seen) == len(set(seen)), "a record came twice"
    assert lasting <= set(seen), "a record that was there all along was skipped"


def test_a_cursor_changed_or_misused_is_refused(services: Services, admin: User) -> None:
    actor = admin.actor
    make_contacts(services, actor, 5)
    meta = services.records.model("Contact")
    first = services.records.list_records(
        actor, "Contact", ListQuery(order=parse_order(meta, "title"), limit=2, keyset=True)
    )
    cursor = first.next_cursor
    assert cursor is not None
    changed = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for q in (
        ListQuery(order=parse_order(meta, "title"), limit=2, cursor=changed),
        ListQuery(order=parse_order(meta, "first_name"), limit=2, cursor=cursor),
        ListQuery(order=parse_order(meta, "title"), limit=2, cursor=cursor, offset=2),
        ListQuery(order=parse_order(meta, "title"), limit=2, cursor="not a cursor"),
        ListQuery(order=parse_order(meta, "title"), limit=2, cursor="x" * 5000),
    ):
        with pytest.raises(BadRequest):
            services.records.list_records(actor, "Contact", q)
    with pytest.raises(BadRequest):
        services.records.list_records(
            actor, "Account", ListQuery(order=parse_order(meta, "title"), cursor=cursor)
        )


def test_the_api_pages_by_cursor(services: Services, admin: User, app: Any) -> None:
    make_contacts(services, admin.actor, 12)
    client = ApiClient(app, {"Authorization": f"Bearer {admin.token}"})
    try:
        seen: list[str] = []
        cursors = []
        url = "/data/Contact?limit=5&order=title desc"
        while url:
            answer = client.get(url)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["total_results"] == 12
            seen += [r["id"] for r in body["records"]]
            cursor = body["next_cursor"]
            cursors.append(cursor)
            url = f"/data/Contact?limit=5&order=title desc&cursor={cursor}" if cursor else ""
        assert len(seen) == len(set(seen)) == 12
        bad = client.get("/data/Contact?limit=5&cursor=abc")
        assert bad.status_code == 400 and set(bad.json()) == {"error", "message", "hint"}
        assert cursors[-1] is None and len(cursors) == 3
        both = client.get(f"/data/Contact?limit=5&order=title desc&offset=5&cursor={cursors[0]}")
        assert both.status_code == 400 and "offset" in both.json()["message"]
    finally:
        client.close()
