"""Each custom field type's value rules, including the App CRM seed's examples."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from amity.schema.custom import LENGTHS
from amity.schema.types import CUSTOM_TYPES, Choice, InvalidValue

OPTIONS = (Choice(5, "Gold"), Choice(7, "Silver"), Choice(10, "Bronze"), Choice(3, "Old", True))

# type: [(value from the client, value stored)], [rejected values]
ACCEPTED: dict[str, list[tuple[Any, Any]]] = {
    "Boolean": [(True, True), (False, False), (None, None)],
    "ColorSwatch": [("#333333", "#333333"), ("#A0b1C2", "#a0b1c2")],
    "Checkbox": [([5], "^5^"), ([5, 7], "^5^,^7^"), ([], None)],
    "MultiSelect": [([5], "^5^"), (["7", 5, 5], "^7^,^5^")],
    "Date": [("2020-11-26", date(2020, 11, 26))],
    "DateTime": [("2020-11-26 06:00:00", datetime(2020, 11, 26, 6, 0, 0))],
    "File": [("contract.pdf", "contract.pdf")],  # any string until the files service checks
    "Image": [("logo.png", "logo.png")],
    "Number": [(200, 200), (-3, -3), ("42", 42)],
    "Numeric": [
        (1250.330, 1250330),
        (1300, 1300000),
        ("0.001", 1),
        ("999999999999.999", 999999999999999),
    ],
    "Radio": [(5, 5), ("7", 7)],
    "Select": [(10, 10)],
    "URL": [
        ("https://www.iacrn.com.br", "https://www.iacrn.com.br"),
        ("http://example.com/a?b=c", "http://example.com/a?b=c"),
    ],
    "Text": [("Sample Text", "Sample Text")],
    "Textarea": [("Sample Text\nsecond line", "Sample Text\nsecond line")],
    "Timezone": [("America/Toronto", "America/Toronto"), ("UTC", "UTC")],
}
REJECTED: dict[str, list[Any]] = {
    "Boolean": ["maybe", 2, [True]],
    "ColorSwatch": ["#333", "333333", "#GGGGGG", "red", 333333],
    "Checkbox": [5, [99], [3], ["gold"], [True]],
    "MultiSelect": ["5", [5.5], [None]],
    "Date": ["26/11/2020", "2020-13-01", "2020-11-26 06:00:00", 20201126],
    "DateTime": ["2020-11-26", "2020-11-26 25:00:00", "yesterday"],
    "File": [5, ["a.pdf"], "nul\x00", "x" * 256],
    "Image": [True, {"id": "a"}, "x" * 256],
    "Number": [1.5, "12abc", True, 2**63],
    "Numeric": [1250.3301, "abc", True, 1e12, "1e400"],
    "Radio": [99, 3, "gold", [5], True],
    "Select": [4, 5.0, {"id": 5}],
    "URL": [
        "www.example.com",
        "ftp://example.com",
        "https://",
        "javascript:alert(1)",
        "https://exa mple.com",
    ],
    "Text": ["x" * 256, ["a"], "nul\x00"],
    "Textarea": [["a"], {"a": 1}],
    "Timezone": ["Mars/Olympus", "america/toronto", "+05:00", 5],
}


def test_every_custom_type_has_examples() -> None:
    assert set(ACCEPTED) == set(REJECTED) == set(CUSTOM_TYPES)


@pytest.mark.parametrize(
    ("type_name", "given", "stored"), [(t, g, s) for t, pairs in ACCEPTED.items() for g, s in pairs]
)
def test_accepted_values(type_name: str, given: Any, stored: Any) -> None:
    kind = CUSTOM_TYPES[type_name]
    length = LENGTHS.get(type_name)  # what the field passes (its declared len)
    assert kind.parse(given, length=length, scale=3, choices=OPTIONS) == stored


@pytest.mark.parametrize(
    ("type_name", "given"), [(t, g) for t, values in REJECTED.items() for g in values]
)
def test_rejected_values(type_name: str, given: Any) -> None:
    kind = CUSTOM_TYPES[type_name]
    length = LENGTHS.get(type_name)  # what the field passes (its declared len)
    with pytest.raises(InvalidValue):
        kind.parse(given, length=length, scale=3, choices=OPTIONS)


def test_a_retired_option_is_refused_naming_it_and_the_live_ones() -> None:
    with pytest.raises(InvalidValue, match=r"option 3 \(Old\) is retired.*5 \(Gold\)"):
        CUSTOM_TYPES["Select"].parse(3, choices=OPTIONS)


def test_option_lists_read_back_as_ids() -> None:
    assert CUSTOM_TYPES["MultiSelect"].to_json("^7^,^5^") == [7, 5]
    assert CUSTOM_TYPES["Checkbox"].to_json(None) == []
