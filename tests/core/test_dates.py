"""period_range: the [start, end) windows behind period_prev/current/next, on fixed dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from amity.core.dates import period_range

D = date
WHICH = ("period_prev", "period_current", "period_next")


def window(period: str, which: str, today: date, fiscal: int = 1) -> tuple[date, date]:
    bounds = period_range(period, which, today, fiscal)
    assert bounds is not None, f"{period} should be a known period"
    return bounds


@pytest.mark.parametrize(
    ("today", "which", "expected"),
    [
        (D(2024, 5, 15), "period_current", (D(2024, 5, 15), D(2024, 5, 16))),
        (D(2024, 3, 1), "period_prev", (D(2024, 2, 29), D(2024, 3, 1))),  # leap day
        (D(2024, 12, 31), "period_next", (D(2025, 1, 1), D(2025, 1, 2))),
    ],
)
def test_day(today: date, which: str, expected: tuple[date, date]) -> None:
    assert window("day", which, today) == expected


@pytest.mark.parametrize(
    ("today", "which", "expected"),
    [
        # Wednesday: the week runs Monday 13th to Sunday 19th
        (D(2024, 5, 15), "period_current", (D(2024, 5, 13), D(2024, 5, 20))),
        (D(2024, 5, 15), "period_prev", (D(2024, 5, 6), D(2024, 5, 13))),
        (D(2024, 5, 15), "period_next", (D(2024, 5, 20), D(2024, 5, 27))),
        # Monday starts its own week, Sunday ends it
        (D(2024, 5, 13), "period_current", (D(2024, 5, 13), D(2024, 5, 20))),
        (D(2024, 5, 19), "period_current", (D(2024, 5, 13), D(2024, 5, 20))),
        (D(2024, 5, 20), "period_prev", (D(2024, 5, 13), D(2024, 5, 20))),
        # weeks across the new year
        (D(2025, 1, 1), "period_current", (D(2024, 12, 30), D(2025, 1, 6))),
        (D(2025, 1, 1), "period_prev", (D(2024, 12, 23), D(2024, 12, 30))),
        (D(2024, 12, 28), "period_next", (D(2024, 12, 30), D(2025, 1, 6))),
    ],
)
def test_week_starts_monday(today: date, which: str, expected: tuple[date, date]) -> None:
    assert window("week", which, today) == expected


@pytest.mark.parametrize(
    ("today", "which", "expected"),
    [
        (D(2024, 1, 31), "period_current", (D(2024, 1, 1), D(2024, 2, 1))),
        (D(2024, 1, 31), "period_prev", (D(2023, 12, 1), D(2024, 1, 1))),
        (D(2024, 1, 31), "period_next", (D(2024, 2, 1), D(2024, 3, 1))),
        (D(2024, 12, 15), "period_next", (D(2025, 1, 1), D(2025, 2, 1))),
        (D(2024, 3, 1), "period_prev", (D(2024, 2, 1), D(2024, 3, 1))),
    ],
)
def test_month(today: date, which: str, expected: tuple[date, date]) -> None:
    assert window("month", which, today) == expected


@pytest.mark.parametrize(
    ("today", "which", "expected"),
    [
        (D(2024, 5, 15), "period_current", (D(2024, 4, 1), D(2024, 7, 1))),
        (D(2024, 4, 1), "period_current", (D(2024, 4, 1), D(2024, 7, 1))),
        (D(2024, 3, 31), "period_current", (D(2024, 1, 1), D(2024, 4, 1))),
        (D(2024, 5, 15), "period_prev", (D(2024, 1, 1), D(2024, 4, 1))),
        (D(2024, 5, 15), "period_next", (D(2024, 7, 1), D(2024, 10, 1))),
        (D(2024, 2, 10), "period_prev", (D(2023, 10, 1), D(2024, 1, 1))),
        (D(2024, 11, 30), "period_next", (D(2025, 1, 1), D(2025, 4, 1))),
    ],
)
def test_quarter(today: date, which: str, expected: tuple[date, date]) -> None:
    assert window("quarter", which, today) == expected


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("period_prev", (D(2023, 1, 1), D(2024, 1, 1))),
        ("period_current", (D(2024, 1, 1), D(2025, 1, 1))),
        ("period_next", (D(2025, 1, 1), D(2026, 1, 1))),
    ],
)
def test_year(which: str, expected: tuple[date, date]) -> None:
    assert window("year", which, D(2024, 12, 31)) == expected
    assert window("year", which, D(2024, 1, 1)) == expected


@pytest.mark.parametrize(
    ("today", "fiscal", "which", "expected"),
    [
        # fiscal year from April: 31 March still belongs to the year that began last April
        (D(2024, 3, 31), 4, "period_current", (D(2023, 4, 1), D(2024, 4, 1))),
        (D(2024, 4, 1), 4, "period_current", (D(2024, 4, 1), D(2025, 4, 1))),
        (D(2024, 4, 1), 4, "period_prev", (D(2023, 4, 1), D(2024, 4, 1))),
        (D(2024, 1, 15), 4, "period_next", (D(2024, 4, 1), D(2025, 4, 1))),
        # December start: the fiscal year is named by neither calendar year alone
        (D(2024, 11, 30), 12, "period_current", (D(2023, 12, 1), D(2024, 12, 1))),
        (D(2024, 12, 1), 12, "period_current", (D(2024, 12, 1), D(2025, 12, 1))),
        # January start equals the calendar year
        (D(2024, 6, 1), 1, "period_current", (D(2024, 1, 1), D(2025, 1, 1))),
    ],
)
def test_fiscal_year(today: date, fiscal: int, which: str, expected: tuple[date, date]) -> None:
    assert window("fiscal_year", which, today, fiscal) == expected


@pytest.mark.parametrize(
    ("today", "fiscal", "which", "expected"),
    [
        # from February: Feb-Apr, May-Jul, Aug-Oct, Nov-Jan
        (D(2024, 1, 15), 2, "period_current", (D(2023, 11, 1), D(2024, 2, 1))),
        (D(2024, 1, 15), 2, "period_next", (D(2024, 2, 1), D(2024, 5, 1))),
        (D(2024, 1, 15), 2, "period_prev", (D(2023, 8, 1), D(2023, 11, 1))),
        (D(2024, 2, 1), 2, "period_current", (D(2024, 2, 1), D(2024, 5, 1))),
        (D(2024, 12, 31), 2, "period_next", (D(2025, 2, 1), D(2025, 5, 1))),
        # from November: Nov-Jan, Feb-Apr, ...
        (D(2024, 10, 31), 11, "period_current", (D(2024, 8, 1), D(2024, 11, 1))),
        (D(2024, 11, 1), 11, "period_current", (D(2024, 11, 1), D(2025, 2, 1))),
        # from April the fiscal quarters are the calendar quarters
        (D(2024, 5, 15), 4, "period_current", (D(2024, 4, 1), D(2024, 7, 1))),
    ],
)
def test_fiscal_quarter(today: date, fiscal: int, which: str, expected: tuple[date, date]) -> None:
    assert window("fiscal_quarter", which, today, fiscal) == expected


@pytest.mark.parametrize(
    ("period", "today", "which", "expected"),
    [
        # the current window is N days ending with today
        ("days_7", D(2024, 5, 15), "period_current", (D(2024, 5, 9), D(2024, 5, 16))),
        ("days_7", D(2024, 5, 15), "period_prev", (D(2024, 5, 2), D(2024, 5, 9))),
        ("days_7", D(2024, 5, 15), "period_next", (D(2024, 5, 16), D(2024, 5, 23))),
        ("days_1", D(2024, 5, 15), "period_current", (D(2024, 5, 15), D(2024, 5, 16))),
        ("days_1", D(2024, 5, 15), "period_prev", (D(2024, 5, 14), D(2024, 5, 15))),
        ("days_30", D(2024, 1, 10), "period_current", (D(2023, 12, 12), D(2024, 1, 11))),
        ("days_14", D(2024, 12, 25), "period_next", (D(2024, 12, 26), D(2025, 1, 9))),
        ("days_365", D(2024, 3, 1), "period_prev", (D(2022, 3, 3), D(2023, 3, 3))),
    ],
)
def test_days_n(period: str, today: date, which: str, expected: tuple[date, date]) -> None:
    assert window(period, which, today) == expected


@pytest.mark.parametrize(
    "period",
    [
        "fortnight",
        "Week",
        "days_0",
        "days_",
        "days_x",
        "days_-1",
        "days_12345",
        "days_7 ",
        "",
        "days",
    ],
)
def test_unknown_periods_are_none(period: str) -> None:
    assert period_range(period, "period_current", D(2024, 5, 15)) is None


PERIODS = (
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "fiscal_quarter",
    "fiscal_year",
    "days_3",
    "days_30",
)


@pytest.mark.parametrize("fiscal", [1, 2, 4, 7, 12])
@pytest.mark.parametrize("period", PERIODS)
def test_windows_are_adjacent_and_hold_today(period: str, fiscal: int) -> None:
    """Over two years of days: current holds today, prev and next touch it."""
    day = D(2023, 11, 1)
    while day < D(2025, 11, 1):
        prev = window(period, "period_prev", day, fiscal)
        cur = window(period, "period_current", day, fiscal)
        nxt = window(period, "period_next", day, fiscal)
        assert cur[0] <= day < cur[1], (period, fiscal, day, cur)
        assert prev[1] == cur[0] and cur[1] == nxt[0], (period, fiscal, day)
        assert prev[0] < prev[1] and nxt[0] < nxt[1]
        if period in ("month", "quarter", "year", "fiscal_quarter", "fiscal_year"):
            assert cur[0].day == 1
        if period.startswith("fiscal_"):
            assert (cur[0].month - fiscal) % 3 == 0
        day += timedelta(days=1)
