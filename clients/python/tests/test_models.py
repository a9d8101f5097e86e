"""client.model(...) against a real `amity serve`: lists and pages, CRUD, related records,
metadata and favorites."""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import pytest
from conftest import unique

from amity_client import (
    Client,
    Conflict,
    FetchedRecord,
    ListResult,
    NotFound,
    PreconditionFailed,
)


def make_contacts(client: Client, last_name: str, count: int) -> list[str]:
    contacts = client.model("Contact")
    return [
        contacts.create({"first_name": f"P{i:03d}", "last_name": last_name}) for i in range(count)
    ]


def page_requests(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "amity_client" and r.getMessage().startswith("GET /data/Contact ->")
    ]


# -- lists and pagination --------------------------------------------------------------------
def test_iteration_walks_every_page_lazily(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    last = unique("Page")
    ids = make_contacts(client, last, 47)
    caplog.set_level(logging.DEBUG, logger="amity_client")
    result = client.model("Contact").list(filters={"last_name": last}, order="first_name", limit=10)
    assert isinstance(result, ListResult)
    assert result.total_results == 47 and len(result.records) == 10
    assert len(page_requests(caplog)) == 1
    first_15 = list(itertools.islice(result, 15))
    assert len(page_requests(caplog)) == 2  # only as far as iteration went
    assert [r["first_name"] for r in first_15] == [f"P{i:03d}" for i in range(15)]
    everything = list(result)
    assert [r["id"] for r in everything] == ids
    assert len(page_requests(caplog)) == 2 + 4  # a second pass: pages 2..5 again


def test_iteration_starts_at_the_offset(client: Client) -> None:
    last = unique("Off")
    ids = make_contacts(client, last, 12)
    result = client.model("Contact").list(
        filters={"last_name": last}, order="first_name", offset=7, limit=2
    )
    assert [r["id"] for r in result.records] == ids[7:9]
    assert [r["id"] for r in result] == ids[7:]


def test_iteration_follows_cursors_so_deletes_meanwhile_skip_nothing(client: Client) -> None:
    last = unique("Cur")
    ids = make_contacts(client, last, 30)
    result = client.model("Contact").list(filters={"last_name": last}, order="first_name", limit=10)
    walk = iter(result)
    seen = [next(walk)["id"] for _ in range(10)]  # the first page
    for gone in ids[:5]:  # by offset, the next page would now start 5 records late
        client.model("Contact").delete(gone)
    client.model("Contact").create({"first_name": "P999", "last_name": last})  # at the end
    seen += [r["id"] for r in walk]
    assert seen[:30] == ids and len(seen) == 31


def test_an_empty_list_iterates_to_nothing(client: Client) -> None:
    result = client.model("Contact").list(filters={"last_name": unique("None")})
    assert result.total_results == 0 and result.records == [] and list(result) == []


def test_list_options_reach_the_server(client: Client) -> None:
    last = unique("Opt")
    contacts = client.model("Contact")
    ann = contacts.create({"first_name": "Ann", "last_name": last, "email1": "ann@x.example"})
    contacts.create({"first_name": "Bob", "last_name": last})
    result = contacts.list(fields=["email1"], filter_text=last, order="first_name desc")
    assert [r["first_name"] for r in result.records] == ["Bob", "Ann"]
    assert result.records[1]["email1"] == "ann@x.example"
    only_ann = contacts.list(filters={"last_name": last, "first_name": "an"})
    assert [r["id"] for r in only_ann] == [ann]


def test_date_filters_take_python_dates(client: Client) -> None:
    name = unique("Deal")
    deals = client.model("Opportunity")
    early = deals.create({"name": name + "a", "date_closed": dt.date(2024, 1, 15)})
    deals.create({"name": name + "b", "date_closed": "2024-03-01"})
    result = deals.list(
        filters={
            "name": name,
            "date_closed": dt.date(2024, 2, 1),
            "date_closed-operator": "before_date",
        }
    )
    assert [r["id"] for r in result] == [early]


# -- records ---------------------------------------------------------------------------------
def test_create_get_update_delete(client: Client) -> None:
    accounts = client.model("Account")
    name = unique("Acme")
    record_id = accounts.create({"name": name, "industry": "Energy"})
    assert accounts.get(record_id)["name"] == name
    assert accounts.update(record_id, {"industry": "Banking"}) is True
    got = accounts.get(record_id, fields=["industry"])
    assert got["industry"] == "Banking" and "date_entered" not in got
    assert accounts.delete(record_id) is True
    with pytest.raises(NotFound):
        accounts.get(record_id)


def test_get_gives_the_etag_that_if_match_sends(client: Client) -> None:
    accounts = client.model("Account")
    record_id = accounts.create({"name": unique("Etag")})
    read = accounts.get(record_id)
    assert isinstance(read, FetchedRecord) and read["id"] == record_id
    assert read.etag and read.etag.startswith('"')
    assert accounts.get(record_id, fields=["name"]).etag == read.etag
    assert accounts.update(record_id, {"industry": "Energy"}, if_match=read.etag) is True
    with pytest.raises(PreconditionFailed) as info:  # someone else's change came first
        accounts.update(record_id, {"industry": "Banking"}, if_match=read.etag)
    error = info.value
    assert error.status == 412 and error.type == "precondition_failed"
    now = accounts.get(record_id)
    assert error.etag == now.etag != read.etag
    assert now["industry"] == "Energy"  # the refused write changed nothing
    with pytest.raises(PreconditionFailed):
        accounts.delete(record_id, if_match=read.etag)
    assert accounts.update(record_id, {"industry": "Banking"}, if_match="*") is True
    assert accounts.delete(record_id, if_match=accounts.get(record_id).etag) is True
    with pytest.raises(NotFound):
        accounts.get(record_id)


def test_an_upsert_with_if_match_on_a_missing_record_is_412(client: Client) -> None:
    notes = client.model("Note")
    record_id = unique("note-")
    with pytest.raises(PreconditionFailed) as info:
        notes.update(record_id, {"name": "x"}, create=True, if_match="*")
    assert info.value.etag is None
    with pytest.raises(NotFound):
        notes.get(record_id)


def test_update_with_create_upserts(client: Client) -> None:
    notes = client.model("Note")
    record_id = unique("note-")
    with pytest.raises(NotFound):
        notes.update(record_id, {"name": "x"})
    assert notes.update(record_id, {"name": "upserted"}, create=True) is True
    assert notes.get(record_id)["name"] == "upserted"
    notes.delete(record_id)
    with pytest.raises(Conflict) as info:  # the id belongs to a deleted record
        notes.update(record_id, {"name": "again"}, create=True)
    assert info.value.status == 409


# -- related ---------------------------------------------------------------------------------
def test_related_records_add_list_and_remove(client: Client) -> None:
    account = client.model("Account").create({"name": unique("Rel")})
    ids = make_contacts(client, unique("Member"), 3)
    accounts = client.model("Account")
    assert accounts.add_related(account, "contacts", ids[:2]) is True
    assert accounts.add_related(account, "contacts", ids[2]) is True
    related = accounts.related(account, "contacts", order="first_name", limit=2)
    assert related.total_results == 3 and len(related.records) == 2
    assert [r["id"] for r in related] == ids
    assert accounts.delete_related(account, "contacts", ids[0]) is True
    assert {r["id"] for r in accounts.related(account, "contacts")} == set(ids[1:])
    back = client.model("Contact").related(ids[1], "accounts", fields=["name"])
    assert [r["id"] for r in back] == [account]


def test_related_with_join_data(client: Client) -> None:
    contact = client.model("Contact").create({"last_name": unique("Role")})
    deals = client.model("Opportunity")
    first = deals.create({"name": "First", "date_closed": "2024-09-30"})
    second = deals.create({"name": "Second", "date_closed": "2024-09-30"})
    client.model("Contact").add_related(
        contact, "opportunities", {first: {"contact_role": "Technical Evaluator"}, second: None}
    )
    rows = {r["id"]: r for r in client.model("Contact").related(contact, "opportunities")}
    assert set(rows) == {first, second}
    assert rows[first]["contact_role"] == "Technical Evaluator"


def test_linked_records_of_a_model(client: Client) -> None:
    account = client.model("Account").create({"name": unique("Linked")})
    ids = make_contacts(client, unique("Lk"), 2)
    client.model("Account").add_related(account, "contacts", ids)
    linked = client.model("Account").linked_records("contacts", limit=200)
    assert set(ids) <= {r["id"] for r in linked}


# -- metadata and favorites ------------------------------------------------------------------
def test_metadata_lists_fields_and_filters(client: Client) -> None:
    meta = client.model("Contact").metadata()
    assert meta["fields"]["first_name"]["type"] in ("varchar", "name")
    assert meta["fields"]["reports_to"]["id_name"] == "reports_to_id"
    assert meta["fields"]["reports_to"]["bean_name"] == "Contact"
    assert "filter_text" in meta["filters"]


def test_toggle_favorite(client: Client) -> None:
    contacts = client.model("Contact")
    last = unique("Fav")
    star, plain = (contacts.create({"last_name": last, "first_name": n}) for n in "AB")
    assert contacts.toggle_favorite(star) is True
    rows = {r["id"]: r for r in contacts.list(filters={"last_name": last}, query_favorite=True)}
    assert (rows[star]["favorite"], rows[plain]["favorite"]) == (0, 1)
    assert contacts.toggle_favorite(star) is False
    rows = {r["id"]: r for r in contacts.list(filters={"last_name": last}, query_favorite=True)}
    assert rows[star]["favorite"] == 1


def test_erase_personal(client: Client) -> None:
    contacts = client.model("Contact")
    record_id = contacts.create(
        {"last_name": unique("Erase"), "email1": "erase.me@example.org", "phone_work": "12345"}
    )
    assert contacts.erase_personal(record_id, ["email1", "phone_work"]) is True
    record = contacts.get(record_id)
    assert (record["email1"], record["phone_work"]) == (None, None)
    rows = [r for r in contacts.audit(record_id) if r["field_name"] == "email1"]
    assert rows and all(r["erased"] for r in rows)
