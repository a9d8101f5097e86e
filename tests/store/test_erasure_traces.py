"""How an erasure finds its values in stored bodies (answers, delivery logs): exactly by
field name in JSON about the record, whatever the value's length; as text only for values
of three or more characters, so that "Bo" or "1" never costs unrelated bodies."""

from __future__ import annotations

import orjson

from amity.store.erasure import Traces

RECORD = "4b1c0e9a-5f2d-4e58-9a51-7d0c3e2f1a66"
TRACES = Traces(RECORD, frozenset({"first_name", "email1"}), frozenset({"Bo", "bo@example.org"}))


def cleaned(doc: object, *, of_record: bool = False) -> object:
    body = orjson.dumps(doc)
    out = TRACES.cleaned(body, of_record=of_record)
    return None if out is None else orjson.loads(out)


def test_json_about_the_record_loses_the_erased_fields_and_keeps_the_rest() -> None:
    answer = {"id": RECORD, "first_name": "Bo", "title": "Bo", "email1": "bo@example.org"}
    assert cleaned(answer) == {"id": RECORD, "first_name": None, "title": "Bo", "email1": None}
    nested = {"result": True, "record": {"first_name": "Bo", "city": "Bonn"}}
    assert cleaned(nested, of_record=True) == {
        "result": True,
        "record": {"first_name": None, "city": "Bonn"},
    }


def test_short_values_of_other_records_stay() -> None:
    other = {"id": "another-record", "first_name": "Bo", "last_name": "Bolt"}
    assert cleaned(other) == other
    assert TRACES.cleaned(b"Bo was here", of_record=True) == b"Bo was here"


def test_long_values_are_found_anywhere() -> None:
    answer = {"id": "an-invoice", "billing_contact": "mail bo@example.org", "amount": "1"}
    assert cleaned(answer) == {"id": "an-invoice", "billing_contact": None, "amount": "1"}
    assert TRACES.cleaned(b"saved bo@example.org", of_record=True) is None
    assert cleaned({"bo@example.org": 1}) is None  # a value as a key: the body goes
    truncated = b'{"email1": "bo@example.org", "note": "cut off her'
    assert TRACES.cleaned(truncated, of_record=True) is None
