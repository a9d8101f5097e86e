"""The webhook filter language: every operator of every kind of field, every `when`, nested
groups, the normalized form, stored filters whose fields changed, and every refusal."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from amity.core.webhooks.filters import (
    EMPTY_FITS,
    KINDS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    OPERATORS,
    StaleCondition,
    WebhookFilter,
    filter_json,
    load_filter,
    matches,
    parse_filter,
)
from amity.errors import BadRequest, UnknownField
from amity.schema.custom import CustomFieldDef, with_custom_fields
from amity.schema.model import Field, Model
from amity.schema.registry import default_registry
from amity.schema.types import OPTION_TYPES, Choice

REGISTRY = default_registry()
CONTACT = REGISTRY.model("Contact")
TODAY = date(2024, 5, 15)  # a Wednesday
OPTIONS = (Choice(5, "Gold"), Choice(7, "Silver"), Choice(3, "Old", retired=True))
CUSTOM_TYPES = {
    "code_c": "Text",
    "score_c": "Number",
    "ratio_c": "Numeric",
    "due_c": "Date",
    "seen_c": "DateTime",
    "flag_c": "Boolean",
    "level_c": "Select",
    "size_c": "Radio",
    "tags_c": "MultiSelect",
    "boxes_c": "Checkbox",
}


def custom_fields(model: Model, names: dict[str, str]) -> Model:
    """`model` with custom fields, added the way stored definitions add them."""
    defs = [
        CustomFieldDef(
            id=str(i),
            model=model.name,
            name=name,
            type=type_name,
            label=name,
            options=OPTIONS if type_name in OPTION_TYPES else (),
        )
        for i, (name, type_name) in enumerate(names.items())
    ]
    return with_custom_fields([model], defs)[0]


_WITH_CUSTOM = custom_fields(REGISTRY.model("Opportunity"), CUSTOM_TYPES)
OPP = replace(  # plus a multienum, which no built-in model has, and an enum without options
    _WITH_CUSTOM,
    fields={
        **_WITH_CUSTOM.fields,
        "colors": Field("colors", "multienum", options=("red", "green", "blue")),
        "mood": Field("mood", "enum"),
    },
)
MODELS = {"Opportunity": OPP, "Contact": CONTACT}


def leaf(
    field: str, op: str, value: Any = None, value2: Any = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field, "filter": op, **extra}
    if value is not None:
        out["value"] = value
    if value2 is not None:
        out["value2"] = value2
    return out


def one(model: Model, condition: dict[str, Any]) -> WebhookFilter:
    return parse_filter(model, {"glue": "and", "conditions": [condition]})


def fits(
    flt: WebhookFilter,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
    changed: tuple[str, ...] = (),
    today: date = TODAY,
    fiscal: int = 1,
) -> bool:
    return matches(flt, after, before or {}, changed, today=today, fiscal_start_month=fiscal)


# (model, field, operator, value, value2, a value that fits, a value that does not)
CASES: list[tuple[str, str, str, Any, Any, Any, Any]] = [
    # text: case-insensitive as the list filters
    ("Contact", "last_name", "eq", "smith", None, "SMITH", "Smithers"),
    ("Contact", "last_name", "eq", "ÄRGER", None, "ärger", "arger"),
    ("Contact", "last_name", "not_eq", "smith", None, "Smithers", "Smith"),
    ("Contact", "last_name", "not_eq", "smith", None, None, "sMiTh"),
    ("Contact", "title", "prefix", "ce", None, "CEO", "Vice CEO"),
    ("Contact", "email1", "suffix", "@EXAMPLE.com", None, "a@example.com", "a@example.com.au"),
    ("Contact", "last_name", "like", "j_ck%n", None, "Jackson", "Jacksonville"),
    ("Contact", "last_name", "like", "ack", None, "Jackson", "Jones"),  # no %: contains
    ("Contact", "last_name", "like", "%son", None, "Jackson", "Sonny"),
    ("Contact", "description", "like", "50\\%", None, "save 50% now", "save 500 now"),
    ("Contact", "description", "like", "a%b%c", None, "aXbYc", "aXcYb"),
    ("Contact", "last_name", "not_like", "%son", None, "Jones", "JACKSON"),
    ("Contact", "last_name", "not_like", "%son", None, None, "son"),
    ("Contact", "last_name", "empty", None, None, "", "x"),
    ("Contact", "last_name", "empty", None, None, None, " "),
    ("Contact", "last_name", "not_empty", None, None, "x", None),
    ("Contact", "website", "prefix", "https://", None, "HTTPS://a.example", "http://a.example"),
    ("Contact", "phone_work", "eq", "+1 555", None, "+1 555", "+1 556"),
    ("Contact", "assigned_user_id", "eq", "abc", None, "abc", "ABC"),  # ids exactly
    ("Opportunity", "account", "prefix", "acme", None, "ACME Corp", "The Acme"),  # a ref
    ("Opportunity", "code_c", "suffix", "-x", None, "A-X", "A-Y"),
    # numbers: exact decimals
    ("Opportunity", "amount", "eq", 10.1, None, 10.1, 10.11),
    ("Opportunity", "amount", "eq", "0.3", None, Decimal("0.30"), 0.1 + 0.2),
    ("Opportunity", "amount", "not_eq", 5, None, 6, "5.00"),
    ("Opportunity", "amount", "not_eq", 5, None, None, 5.0),
    ("Opportunity", "amount", "lt", 100, None, 99.99, 100),
    ("Opportunity", "amount", "lte", 100, None, 100, 100.01),
    ("Opportunity", "amount", "gt", "100", None, Decimal("100.01"), 100),
    ("Opportunity", "amount", "gte", 100, None, 100, 99.99),
    ("Opportunity", "amount", "between", 10, 20, 20, 20.01),
    ("Opportunity", "amount", "between", 10, 20, "10", 9.99),
    ("Opportunity", "amount", "empty", None, None, None, 0),
    ("Opportunity", "amount", "not_empty", None, None, 0, None),
    ("Opportunity", "probability", "gte", 50, None, 50, 49),
    ("Opportunity", "score_c", "lt", "1.5", None, 1, 2),
    ("Opportunity", "ratio_c", "eq", "1250.33", None, 1250.330, 1250.331),
    # dates
    ("Opportunity", "date_closed", "on_date", "2024-05-15", None, "2024-05-15", "2024-05-16"),
    (
        "Opportunity",
        "date_closed",
        "on_date",
        "2024-05-15 23:00:00",
        None,
        "2024-05-15",
        "2024-05-16",
    ),
    ("Opportunity", "date_closed", "not_on_date", "2024-05-15", None, "2024-05-16", "2024-05-15"),
    ("Opportunity", "date_closed", "not_on_date", "2024-05-15", None, "2024-05-14", None),
    ("Opportunity", "date_closed", "before_date", "2024-05-15", None, "2024-05-14", "2024-05-15"),
    ("Opportunity", "date_closed", "after_date", "2024-05-15", None, "2024-05-16", "2024-05-15"),
    (
        "Opportunity",
        "date_closed",
        "between_dates",
        "2024-05-01",
        "2024-05-31",
        "2024-05-31",
        "2024-06-01",
    ),
    (
        "Opportunity",
        "date_closed",
        "between_dates",
        "2024-05-01",
        "2024-05-31",
        "2024-05-01",
        "2024-04-30",
    ),
    ("Opportunity", "date_closed", "yesterday", None, None, "2024-05-14", "2024-05-15"),
    ("Opportunity", "date_closed", "today", None, None, "2024-05-15", "2024-05-14"),
    ("Opportunity", "date_closed", "tomorrow", None, None, "2024-05-16", "2024-05-15"),
    ("Opportunity", "date_closed", "period_prev", "month", None, "2024-04-30", "2024-05-01"),
    ("Opportunity", "date_closed", "period_current", "week", None, "2024-05-19", "2024-05-20"),
    ("Opportunity", "date_closed", "period_current", "week", None, "2024-05-13", "2024-05-12"),
    ("Opportunity", "date_closed", "period_next", "quarter", None, "2024-07-01", "2024-06-30"),
    ("Opportunity", "date_closed", "period_current", "days_7", None, "2024-05-09", "2024-05-08"),
    ("Opportunity", "date_closed", "period_current", "year", None, "2024-12-31", "2025-01-01"),
    ("Opportunity", "date_closed", "empty", None, None, None, "2024-05-15"),
    ("Opportunity", "date_closed", "not_empty", None, None, "2024-05-15", ""),
    (
        "Opportunity",
        "date_entered",
        "on_date",
        "2024-05-15",
        None,
        "2024-05-15 23:59:59",
        "2024-05-16 00:00:00",
    ),
    (
        "Opportunity",
        "date_entered",
        "not_on_date",
        "2024-05-15",
        None,
        "2024-05-14 23:59:59",
        "2024-05-15 00:00:00",
    ),
    (
        "Opportunity",
        "date_entered",
        "before_date",
        "2024-05-15 12:00:00",
        None,
        "2024-05-15 11:59:59",
        "2024-05-15 12:00:00",
    ),
    (
        "Opportunity",
        "date_entered",
        "before_date",
        "2024-05-15",
        None,
        "2024-05-14 23:59:59",
        "2024-05-15 00:00:00",
    ),
    (
        "Opportunity",
        "date_entered",
        "after_date",
        "2024-05-15 12:00:00",
        None,
        "2024-05-15 12:00:01",
        "2024-05-15 12:00:00",
    ),
    (
        "Opportunity",
        "date_entered",
        "after_date",
        "2024-05-15",
        None,
        "2024-05-16 00:00:00",
        "2024-05-15 23:59:59",
    ),
    (
        "Opportunity",
        "date_entered",
        "between_dates",
        "2024-05-15 08:00:00",
        "2024-05-15",
        "2024-05-15 23:59:59",
        "2024-05-15 07:59:59",
    ),
    (
        "Opportunity",
        "date_entered",
        "between_dates",
        "2024-05-01",
        "2024-05-15 08:00:00",
        "2024-05-15 08:00:00",
        "2024-05-15 08:00:01",
    ),
    (
        "Opportunity",
        "date_entered",
        "today",
        None,
        None,
        "2024-05-15 00:00:00",
        "2024-05-14 23:59:59",
    ),
    (
        "Opportunity",
        "date_entered",
        "period_prev",
        "day",
        None,
        "2024-05-14 10:00:00",
        "2024-05-15 10:00:00",
    ),
    ("Opportunity", "due_c", "on_date", "2024-05-15", None, "2024-05-15", "2024-05-14"),
    (
        "Opportunity",
        "seen_c",
        "after_date",
        "2024-05-15T08:00",
        None,
        "2024-05-15 08:00:01",
        "2024-05-15 08:00:00",
    ),
    # enums
    ("Opportunity", "sales_stage", "eq", "Closed Won", None, "Closed Won", "Closed Lost"),
    ("Opportunity", "sales_stage", "not_eq", "Closed Won", None, "Prospecting", "Closed Won"),
    ("Opportunity", "sales_stage", "not_eq", "Closed Won", None, None, "Closed Won"),
    (
        "Opportunity",
        "sales_stage",
        "any_of",
        ["Closed Won", "Closed Lost"],
        None,
        "Closed Lost",
        "Prospecting",
    ),
    ("Opportunity", "sales_stage", "any_of", "Closed Won", None, "Closed Won", "Closed Lost"),
    (
        "Opportunity",
        "sales_stage",
        "not_any_of",
        ["Closed Won", "Closed Lost"],
        None,
        "Prospecting",
        "Closed Won",
    ),
    ("Opportunity", "sales_stage", "all_of", ["Closed Won"], None, "Closed Won", "Prospecting"),
    ("Opportunity", "sales_stage", "empty", None, None, None, "Prospecting"),
    ("Opportunity", "sales_stage", "not_empty", None, None, "Prospecting", ""),
    ("Opportunity", "mood", "eq", "happy", None, "happy", "sad"),
    ("Opportunity", "level_c", "eq", 5, None, 5, 7),
    ("Opportunity", "level_c", "not_eq", "5", None, 7, 5),
    ("Opportunity", "size_c", "any_of", [5, 3], None, 3, 7),
    ("Opportunity", "colors", "eq", ["red", "green"], None, ["green", "red"], ["red"]),
    ("Opportunity", "colors", "not_eq", ["red"], None, ["red", "blue"], ["red"]),
    ("Opportunity", "colors", "any_of", ["red", "blue"], None, ["blue"], ["green"]),
    ("Opportunity", "colors", "any_of", "red", None, "^blue^,^red^", "^green^"),
    ("Opportunity", "colors", "not_any_of", ["red"], None, ["green"], ["green", "red"]),
    (
        "Opportunity",
        "colors",
        "all_of",
        ["red", "green"],
        None,
        ["red", "green", "blue"],
        ["red", "blue"],
    ),
    ("Opportunity", "colors", "empty", None, None, [], ["red"]),
    ("Opportunity", "colors", "not_empty", None, None, ["red"], None),
    ("Opportunity", "tags_c", "all_of", [5, "7"], None, [7, 5], [5]),
    ("Opportunity", "tags_c", "eq", [5], None, [5], [5, 7]),
    ("Opportunity", "boxes_c", "any_of", [3], None, [3], [5]),
    ("Opportunity", "boxes_c", "not_any_of", [3], None, [5, 7], [7, 3]),
    # booleans
    ("Contact", "do_not_call", "is_true", None, None, True, False),
    ("Contact", "do_not_call", "is_true", None, None, "1", 0),
    ("Contact", "do_not_call", "is_false", "0", None, False, True),
    ("Contact", "do_not_call", "is_false", "0", None, "0", None),
    ("Opportunity", "deleted", "is_false", None, None, False, 1),
    ("Opportunity", "flag_c", "is_true", None, None, True, None),
]


def case_id(case: tuple[str, str, str, Any, Any, Any, Any]) -> str:
    return f"{case[1]}-{case[2]}-{case[3]!r}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_operator_fits_and_refuses(case: tuple[str, str, str, Any, Any, Any, Any]) -> None:
    model, field, op, value, value2, good, bad = case
    flt = one(MODELS[model], leaf(field, op, value, value2))
    assert fits(flt, {field: good}) is True
    assert fits(flt, {field: bad}) is False


def test_the_cases_cover_every_operator_of_every_kind() -> None:
    seen = {(KINDS[MODELS[m].fields[f].kind.filter_kind], op) for m, f, op, *_ in CASES}
    for kind, ops in OPERATORS.items():
        for op in ops:
            assert (kind, op) in seen, (kind, op)
    custom = {f for m, f, *_ in CASES if MODELS[m].fields[f].custom}
    assert custom == set(CUSTOM_TYPES)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_an_empty_value_fits_only_empty_and_the_negative_operators(
    case: tuple[str, str, str, Any, Any, Any, Any],
) -> None:
    """Missing, None and "" alike; a stale condition agrees, whatever its field was."""
    model, field, op, value, value2, *_ = case
    flt = one(MODELS[model], leaf(field, op, value, value2))
    expected = op in EMPTY_FITS
    for after in ({}, {field: None}, {field: ""}):
        assert fits(flt, after) is expected
    assert StaleCondition(field, op, "current_value", {}).fits(None, TODAY, 1) is expected


@pytest.mark.parametrize(
    ("field", "op", "value", "bad"),
    [
        ("amount", "eq", 5, "five"),
        ("amount", "not_eq", 5, "five"),
        ("amount", "lt", 5, True),
        ("amount", "gt", 5, float("nan")),
        ("date_closed", "not_on_date", "2024-05-15", "15.05.2024"),
        ("date_entered", "before_date", "2024-05-15", 20240514),
        ("sales_stage", "not_eq", "Closed Won", 5),
        ("colors", "not_any_of", ["red"], {"red": 1}),
        ("tags_c", "not_eq", [5], ["gold"]),
        ("level_c", "not_eq", 5, True),
        ("code_c", "not_eq", "x", 7),
        ("flag_c", "is_false", None, "maybe"),
    ],
)
def test_a_value_that_does_not_parse_fits_only_not_empty(
    field: str, op: str, value: Any, bad: Any
) -> None:
    assert fits(one(OPP, leaf(field, op, value)), {field: bad}) is False
    if field != "flag_c":  # a bool field has no empty / not_empty
        assert fits(one(OPP, leaf(field, "not_empty")), {field: bad}) is True
        assert fits(one(OPP, leaf(field, "empty")), {field: bad}) is False


def test_strange_values_never_raise() -> None:
    strange: list[Any] = [
        object(),
        {"a": 1},
        float("inf"),
        b"bytes",
        Decimal("sNaN"),
        Decimal("1e999999999"),
        10**40,
        "1e999999999",
        "\ud800",
        ["x", 1, None],
        ("a",),
        date.max,
        datetime.max,
        "9999-12-31 23:59:59",
        "0001-01-01",
        datetime(2024, 5, 15, 1, tzinfo=timezone(timedelta(hours=5))),
    ]
    for model, field, op, value, value2, *_ in CASES:
        flt = one(MODELS[model], leaf(field, op, value, value2))
        for weird in strange:
            for today in (TODAY, date.max, date.min):
                fits(flt, {field: weird}, {field: weird}, (field,), today=today)


def test_the_ends_of_the_calendar() -> None:
    last = one(OPP, leaf("date_closed", "after_date", "9999-12-31"))
    assert fits(last, {"date_closed": "9999-12-31"}) is False
    on_last = one(OPP, leaf("date_closed", "on_date", "9999-12-31"))
    assert fits(on_last, {"date_closed": "9999-12-31"}) is True
    tomorrow = one(OPP, leaf("date_closed", "tomorrow"))
    assert fits(tomorrow, {"date_closed": "9999-12-31"}, today=date.max) is False
    next_year = one(OPP, leaf("date_closed", "period_next", "year"))
    assert fits(next_year, {"date_closed": "9999-12-31"}, today=date(9999, 6, 1)) is False
    until_last = one(OPP, leaf("date_entered", "between_dates", "2024-01-01", "9999-12-31"))
    assert fits(until_last, {"date_entered": "9999-12-31 23:59:59"}) is True


def test_an_aware_datetime_counts_in_utc() -> None:
    flt = one(OPP, leaf("date_entered", "on_date", "2024-05-14"))
    plus_five = datetime(2024, 5, 15, 1, tzinfo=timezone(timedelta(hours=5)))
    assert fits(flt, {"date_entered": plus_five}) is True  # 2024-05-14 20:00 UTC
    assert fits(flt, {"date_entered": datetime(2024, 5, 15, 1)}) is False


@pytest.mark.parametrize(
    ("fiscal", "good", "bad"),
    [(4, "2025-03-31", "2024-03-31"), (1, "2024-01-01", "2025-01-01")],
)
def test_fiscal_periods_start_in_the_fiscal_month(fiscal: int, good: str, bad: str) -> None:
    flt = one(OPP, leaf("date_closed", "period_current", "fiscal_year"))
    assert fits(flt, {"date_closed": good}, fiscal=fiscal) is True
    assert fits(flt, {"date_closed": bad}, fiscal=fiscal) is False


def test_like_does_not_backtrack() -> None:
    flt = one(CONTACT, leaf("description", "like", "%a%a%a%a%a%a%a%a%a%a%b"))
    text = "a" * 60_000
    started = time.monotonic()
    assert fits(flt, {"description": text}) is False
    assert fits(flt, {"description": text + "b"}) is True
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("a_c", "xxABCxx", True),  # no %: anywhere
        ("a_c", "ac", False),
        ("a%", "abc", True),
        ("a%", "bac", False),
        ("%", "x", True),
        ("%%", "x", True),
        ("a\\_c", "a_c", True),
        ("a\\_c", "abc", False),
        ("tail\\", "has tail\\", True),
        ("line%end", "line\nend", True),
        ("ab%ba", "aba", False),  # the pieces may not overlap
    ],
)
def test_like_patterns(pattern: str, text: str, expected: bool) -> None:
    flt = one(CONTACT, leaf("description", "like", pattern))
    assert fits(flt, {"description": text}) is expected


# -- when ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("when", "after", "before", "changed", "expected"),
    [
        ("current_value", 150, 50, ("amount",), True),
        ("current_value", 50, 150, ("amount",), False),
        ("prev_value", 50, 150, ("amount",), True),
        ("prev_value", 150, 50, ("amount",), False),
        ("changed_to", 150, 50, ("amount",), True),
        ("changed_to", 150, 150, (), False),  # fits, but did not change
        ("changed_to", 50, 150, ("amount",), False),
        ("changed", 50, 150, ("amount",), True),
        ("changed", 150, 150, ("name",), False),
        ("changed", 150, 50, ("amount",), False),
        ("not_changed", 150, 150, ("name",), True),
        ("not_changed", 150, 50, ("amount",), False),
        ("not_changed", 50, 50, (), False),
        (None, 150, 50, (), True),  # the default is current_value
        (None, 50, 150, (), False),
    ],
)
def test_when(
    when: str | None, after: int, before: int, changed: tuple[str, ...], expected: bool
) -> None:
    extra = {"when": when} if when else {}
    flt = one(OPP, leaf("amount", "gt", 100, **extra))
    assert fits(flt, {"amount": after}, {"amount": before}, changed) is expected


def test_prev_value_of_a_create_sees_empty_values() -> None:
    was_empty = one(OPP, leaf("sales_stage", "empty", when="prev_value"))
    assert fits(was_empty, {"sales_stage": "Prospecting"}, {}, ("sales_stage",)) is True
    changed_from = one(OPP, leaf("sales_stage", "eq", "Prospecting", when="changed"))
    assert fits(changed_from, {"sales_stage": "Closed Won"}, {}, ("sales_stage",)) is False


# -- groups ----------------------------------------------------------------------------
BIG_WIN = {
    "glue": "or",
    "conditions": [
        {
            "glue": "and",
            "conditions": [
                leaf("sales_stage", "eq", "Closed Won"),
                leaf("amount", "gt", 1000),
            ],
        },
        leaf("name", "prefix", "vip"),
    ],
}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ({"sales_stage": "Closed Won", "amount": 5000, "name": "Deal"}, True),
        ({"sales_stage": "Closed Won", "amount": 500, "name": "Deal"}, False),
        ({"sales_stage": "Prospecting", "amount": 5000, "name": "Deal"}, False),
        ({"sales_stage": "Prospecting", "amount": 5, "name": "VIP deal"}, True),
        ({}, False),
    ],
)
def test_an_and_group_inside_an_or_group(after: dict[str, Any], expected: bool) -> None:
    assert fits(parse_filter(OPP, BIG_WIN), after) is expected


def test_and_is_the_default_glue() -> None:
    flt = parse_filter(OPP, {"conditions": [leaf("amount", "gt", 1), leaf("amount", "lt", 3)]})
    assert flt.glue == "and"
    assert fits(flt, {"amount": 2}) is True
    assert fits(flt, {"amount": 4}) is False
    either = parse_filter(
        OPP, {"glue": "or", "conditions": [leaf("amount", "lt", 1), leaf("amount", "gt", 3)]}
    )
    assert fits(either, {"amount": 4}) is True
    assert fits(either, {"amount": 2}) is False


@pytest.mark.parametrize("raw", [{}, {"glue": "or", "conditions": []}, {"glue": "and"}])
def test_a_group_without_conditions_matches(raw: dict[str, Any]) -> None:
    assert fits(parse_filter(OPP, raw), {}) is True
    if not raw:  # nested, an empty object would be a condition without a field
        return
    nested = parse_filter(OPP, {"glue": "and", "conditions": [raw, leaf("amount", "gt", 1)]})
    assert fits(nested, {"amount": 2}) is True
    assert fits(nested, {"amount": 0}) is False


def test_the_1crm_default_filter() -> None:
    raw = {
        "glue": "or",
        "conditions": [
            {"field": "deleted", "filter": "is_false", "value": "0", "when": "current_value"}
        ],
    }
    flt = parse_filter(CONTACT, raw)
    assert fits(flt, {"deleted": False}) is True
    assert fits(flt, {"deleted": True}) is False


def nested(depth: int) -> dict[str, Any]:
    raw: dict[str, Any] = {"glue": "and", "conditions": [leaf("amount", "gt", 1)]}
    for _ in range(depth - 1):
        raw = {"glue": "and", "conditions": [raw]}
    return raw


def test_ten_levels_are_allowed() -> None:
    flt = parse_filter(OPP, nested(MAX_DEPTH))
    assert fits(flt, {"amount": 2}) is True
    assert fits(flt, {"amount": 1}) is False


def test_a_hundred_entries_are_allowed() -> None:
    conditions = [leaf("amount", "gt", i) for i in range(MAX_CONDITIONS)]
    flt = parse_filter(OPP, {"glue": "and", "conditions": conditions})
    assert fits(flt, {"amount": MAX_CONDITIONS}) is True
    assert fits(flt, {"amount": MAX_CONDITIONS - 1}) is False


# -- the normalized form ---------------------------------------------------------------
def test_filter_json_is_the_normalized_form() -> None:
    raw = {
        "conditions": [
            leaf("amount", "between", "10.50", "12"),
            leaf("amount", "eq", "0.1000000000000000000001"),
            leaf("date_closed", "on_date", "2024-05-15 10:00:00"),
            leaf("date_entered", "after_date", "2024-05-15T08:00"),
            leaf("date_closed", "period_next", "days_30", when="changed_to"),
            leaf("deleted", "is_false", "0"),
            leaf("level_c", "eq", "7"),
            leaf("tags_c", "any_of", "5"),
            leaf("sales_stage", "any_of", "Closed Won"),
            leaf("colors", "eq", ["red", "red", "blue"]),
            leaf("name", "empty", "ignored"),
            {"glue": "or", "conditions": []},
        ]
    }
    assert filter_json(parse_filter(OPP, raw)) == {
        "glue": "and",
        "conditions": [
            {
                "field": "amount",
                "filter": "between",
                "value": 10.5,
                "value2": 12,
                "when": "current_value",
            },
            {
                "field": "amount",
                "filter": "eq",
                "value": "0.1000000000000000000001",
                "when": "current_value",
            },
            {
                "field": "date_closed",
                "filter": "on_date",
                "value": "2024-05-15",
                "when": "current_value",
            },
            {
                "field": "date_entered",
                "filter": "after_date",
                "value": "2024-05-15 08:00:00",
                "when": "current_value",
            },
            {
                "field": "date_closed",
                "filter": "period_next",
                "value": "days_30",
                "when": "changed_to",
            },
            {"field": "deleted", "filter": "is_false", "when": "current_value"},
            {"field": "level_c", "filter": "eq", "value": 7, "when": "current_value"},
            {"field": "tags_c", "filter": "any_of", "value": [5], "when": "current_value"},
            {
                "field": "sales_stage",
                "filter": "any_of",
                "value": ["Closed Won"],
                "when": "current_value",
            },
            {
                "field": "colors",
                "filter": "eq",
                "value": ["red", "blue"],
                "when": "current_value",
            },
            {"field": "name", "filter": "empty", "when": "current_value"},
            {"glue": "or", "conditions": []},
        ],
    }


def test_the_normalized_form_parses_to_the_same_filter() -> None:
    raws = [(OPP, BIG_WIN), (OPP, nested(3))] + [
        (MODELS[m], {"glue": "or", "conditions": [leaf(f, op, v, v2)]})
        for m, f, op, v, v2, *_ in CASES
    ]
    for model, raw in raws:
        flt = parse_filter(model, raw)
        assert parse_filter(model, filter_json(flt)) == flt


# -- fields that change ----------------------------------------------------------------
def test_a_filter_on_a_field_that_is_gone_sees_it_empty() -> None:
    stored = filter_json(
        parse_filter(
            OPP,
            {
                "glue": "and",
                "conditions": [
                    leaf("code_c", "not_eq", "x"),
                    leaf("tags_c", "not_any_of", [5]),
                    leaf("amount", "gt", 10),
                ],
            },
        )
    )
    without = REGISTRY.model("Opportunity")  # no custom fields any more
    with pytest.raises(UnknownField, match="code_c"):
        parse_filter(without, stored)
    loaded = load_filter(without, stored)
    assert [type(c).__name__ for c in loaded.conditions] == [
        "StaleCondition",
        "StaleCondition",
        "NumberCondition",
    ]
    assert filter_json(loaded) == stored  # shown as it was stored
    assert fits(loaded, {"amount": 11, "code_c": "x", "tags_c": [5]}) is True  # seen as empty
    assert fits(loaded, {"amount": 9}) is False
    prefix = load_filter(without, {"conditions": [leaf("code_c", "prefix", "x")]})
    assert fits(prefix, {"code_c": "xyz"}) is False


def test_a_field_of_another_type_now_is_stale() -> None:
    stored = filter_json(one(OPP, leaf("code_c", "prefix", "ab")))
    retyped = custom_fields(REGISTRY.model("Opportunity"), {"code_c": "Number"})
    loaded = load_filter(retyped, stored)
    assert isinstance(loaded.conditions[0], StaleCondition)
    assert fits(loaded, {"code_c": 5}) is False
    gone_option = custom_fields(REGISTRY.model("Opportunity"), {"level_c": "Select"})
    level = filter_json(one(OPP, leaf("level_c", "eq", 5)))
    fewer = replace(
        gone_option,
        fields={
            **gone_option.fields,
            "level_c": replace(gone_option.fields["level_c"], choices=(Choice(7, "Silver"),)),
        },
    )
    assert isinstance(load_filter(fewer, level).conditions[0], StaleCondition)
    assert not isinstance(load_filter(gone_option, level).conditions[0], StaleCondition)


def test_a_parsed_filter_matches_records_without_the_field() -> None:
    flt = one(OPP, leaf("code_c", "not_eq", "x"))
    assert fits(flt, {"amount": 1}) is True
    flt = one(OPP, leaf("code_c", "eq", "x"))
    assert fits(flt, {"amount": 1}) is False


# -- refusals --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "in_message", "in_hint"),
    [
        ("and", ["filters", "object"], ["glue"]),
        ([leaf("amount", "gt", 1)], ["filters", "object"], []),
        ({"conditions": ["x"]}, ["filters.conditions[0]", "object"], []),
        ({"glue": "xor"}, ["'xor'", "glue"], ["and", "or"]),
        ({"glue": "and", "conditions": {"a": 1}}, ["conditions", "list"], []),
        ({"glue": "and", "filters": []}, ["'filters'"], []),
        ({"conditions": [{**leaf("name", "eq", "a"), "vaule": 1}]}, ["'vaule'"], []),
        ({"conditions": [{"filter": "eq", "value": "a"}]}, ["needs a field"], ["Opportunity"]),
        ({"conditions": [{"field": 7, "filter": "eq"}]}, ["needs a field"], []),
        ({"conditions": [{"field": "name"}]}, ["name", "filter"], ["prefix", "not_like"]),
        (
            {"conditions": [leaf("amount", "prefix", "1")]},
            ["amount", "'prefix'", "currency"],
            ["currency", "lt", "between"],
        ),
        (
            {"conditions": [leaf("deleted", "eq", True)]},
            ["deleted", "'eq'", "bool"],
            ["is_true", "is_false"],
        ),
        ({"conditions": [leaf("tags_c", "lt", 1)]}, ["tags_c", "'lt'", "MultiSelect"], ["all_of"]),
        ({"conditions": [leaf("due_c", "eq", "x")]}, ["due_c", "'eq'", "Date"], ["on_date"]),
        ({"conditions": [leaf("name", "eq", "a", when="sometimes")]}, ["name", "'sometimes'"], []),
        ({"conditions": [leaf("name", "prefix")]}, ["name", "prefix", "text"], ["empty"]),
        ({"conditions": [leaf("name", "eq", "")]}, ["name", "eq", "text"], []),
        ({"conditions": [leaf("name", "like", 5)]}, ["name", "like"], []),
        ({"conditions": [leaf("name", "eq", "a\x00")]}, ["name", "eq"], []),
        ({"conditions": [leaf("amount", "gt")]}, ["amount", "gt", "number", "value"], []),
        ({"conditions": [leaf("amount", "gt", "ten")]}, ["amount", "gt", "number"], ["99.95"]),
        ({"conditions": [leaf("amount", "gt", True)]}, ["amount", "number"], []),
        ({"conditions": [leaf("amount", "gt", "1e100")]}, ["amount", "number"], []),
        ({"conditions": [leaf("amount", "between", 1)]}, ["amount", "between", "value2"], []),
        ({"conditions": [leaf("amount", "between", 2, 1)]}, ["amount", "value <= value2"], []),
        ({"conditions": [leaf("score_c", "eq", [1])]}, ["score_c", "number"], []),
        ({"conditions": [leaf("date_closed", "on_date")]}, ["date_closed", "date"], ["Y-m-d"]),
        (
            {"conditions": [leaf("date_closed", "on_date", "15.05.2024")]},
            ["date_closed", "on_date", "date", "value"],
            ["Y-m-d H:i:s"],
        ),
        ({"conditions": [leaf("date_closed", "on_date", "2024-02-30")]}, ["date_closed"], []),
        (
            {"conditions": [leaf("date_entered", "between_dates", "2024-05-02")]},
            ["date_entered", "value2"],
            [],
        ),
        (
            {"conditions": [leaf("date_entered", "between_dates", "2024-05-02", "2024-05-01")]},
            ["date_entered", "value <= value2"],
            [],
        ),
        (
            {"conditions": [leaf("date_closed", "period_prev")]},
            ["date_closed", "period_prev", "period"],
            ["fiscal_quarter", "days_N"],
        ),
        ({"conditions": [leaf("date_closed", "period_next", "fortnight")]}, ["period"], []),
        ({"conditions": [leaf("date_closed", "period_next", "days_0")]}, ["period"], []),
        (
            {"conditions": [leaf("sales_stage", "eq", "Won")]},
            ["'Won'", "sales_stage"],
            ["Closed Won", "Prospecting"],
        ),
        ({"conditions": [leaf("sales_stage", "eq")]}, ["sales_stage", "one option"], []),
        (
            {"conditions": [leaf("sales_stage", "eq", ["Closed Won"])]},
            ["sales_stage", "one option"],
            [],
        ),
        ({"conditions": [leaf("sales_stage", "any_of", [])]}, ["sales_stage", "list"], []),
        ({"conditions": [leaf("sales_stage", "all_of", [5])]}, ["5", "sales_stage"], []),
        ({"conditions": [leaf("colors", "eq")]}, ["colors", "list of options"], ["red"]),
        ({"conditions": [leaf("colors", "any_of", ["red", "pink"])]}, ["'pink'", "colors"], []),
        ({"conditions": [leaf("mood", "eq", "")]}, ["mood"], ["any text"]),
        ({"conditions": [leaf("level_c", "eq", 99)]}, ["99", "level_c"], ["5 (Gold)"]),
        ({"conditions": [leaf("level_c", "eq", "Gold")]}, ["'Gold'", "level_c"], ["7 (Silver)"]),
        ({"conditions": [leaf("tags_c", "all_of", [5, True])]}, ["True", "tags_c"], []),
        (nested(MAX_DEPTH + 1), ["deeper than 10"], []),
        (
            {"conditions": [leaf("amount", "gt", i) for i in range(MAX_CONDITIONS + 1)]},
            ["more than 100"],
            [],
        ),
        (
            {"conditions": [{"conditions": [leaf("amount", "gt", 1)] * 50}] * 2},
            ["more than 100"],  # two groups and their 100 conditions: 102 entries
            [],
        ),
    ],
)
def test_refusals_name_the_problem(raw: Any, in_message: list[str], in_hint: list[str]) -> None:
    with pytest.raises(BadRequest) as info:
        parse_filter(OPP, raw)
    error = info.value
    assert error.status == 400
    for text in in_message:
        assert text in error.message, (text, error.message)
    for text in in_hint:
        assert text in error.hint, (text, error.hint)


def test_an_unknown_field_is_an_unknown_field_error() -> None:
    """UnknownField: the API reads the metadata again (another worker may have added it)."""
    with pytest.raises(UnknownField) as info:
        parse_filter(CONTACT, {"conditions": [leaf("shoe_size", "eq", "42")]})
    assert info.value.status == 400
    assert "shoe_size" in info.value.message and "Contact" in info.value.message
    with pytest.raises(UnknownField):
        parse_filter(CONTACT, {"conditions": [{"conditions": [leaf("amount", "gt", 1)]}]})


def test_a_deep_hostile_filter_is_refused_without_walking_it_all() -> None:
    raw: dict[str, Any] = {"conditions": []}
    for _ in range(5000):  # deeper than Python would recurse
        raw = {"conditions": [raw]}
    with pytest.raises(BadRequest, match="deeper than"):
        parse_filter(OPP, raw)
