"""Record numbers: stable integers, global across models, mapped back to the record."""

from __future__ import annotations

from amity.core.services import Services


def test_numbers_are_stable_global_and_map_back(services: Services) -> None:
    numbers = services.record_numbers
    first = numbers.numbers("Account", ["a1", "a2", "a1"])
    assert set(first) == {"a1", "a2"}
    assert first["a1"] != first["a2"]
    # the same record keeps its number; another model gets fresh ones
    assert numbers.numbers("Account", ["a2", "a1", "a3"]) == {
        **first,
        "a3": numbers.number("Account", "a3"),
    }
    contact = numbers.number("Contact", "a1")
    assert contact not in numbers.numbers("Account", ["a1", "a2", "a3"]).values()
    assert numbers.record(first["a2"]) == ("Account", "a2")
    assert numbers.record(contact) == ("Contact", "a1")
    assert numbers.record(10**9) is None
    assert numbers.numbers("Account", []) == {}
