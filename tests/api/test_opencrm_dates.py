"""OpenCRM's date overrides: the PHP date() letters, the path's spelling of a format."""

from __future__ import annotations

from datetime import datetime

import pytest

from amity.api.opencrm.dates import parse_moment, path_format, php_format
from amity.errors import BadRequest

MOMENT = datetime(2015, 8, 4, 15, 4, 1, 123456)  # a Tuesday


@pytest.mark.parametrize(
    "fmt,shown",
    [
        ("d D j l N S w z", "04 Tue 4 Tuesday 2 th 2 215"),
        ("W F m M n t L o", "32 August 08 Aug 8 31 0 2015"),
        ("Y y a A g G h H i s", "2015 15 pm PM 3 15 03 15 04 01"),
        ("u v e T P O", "123456 123 UTC UTC +00:00 +0000"),
        ("c", "2015-08-04T15:04:01+00:00"),
        ("r", "Tue, 04 Aug 2015 15:04:01 +0000"),
        ("U", "1438700641"),
        ("\\Y\\m Y", "Ym 2015"),
        ("d.m.Y H:i (x)", "04.08.2015 15:04 (x)"),
    ],
)
def test_php_letters(fmt: str, shown: str) -> None:
    assert php_format(MOMENT, fmt) == shown


def test_day_suffixes_and_twelve_hour_clock() -> None:
    assert [php_format(datetime(2016, 2, d), "jS") for d in (1, 2, 3, 11, 12, 13, 21, 22, 23)] == [
        "1st", "2nd", "3rd", "11th", "12th", "13th", "21st", "22nd", "23rd",
    ]  # fmt: skip
    assert php_format(datetime(2016, 2, 29, 0, 5), "L t g a h") == "1 29 12 am 12"


def test_path_spelling() -> None:
    assert path_format("d_F_Y_H:i") == "d F Y H:i"
    assert path_format("d*m*Y") == "d/m/Y"
    with pytest.raises(BadRequest):
        path_format("Y" * 65)
    with pytest.raises(BadRequest):
        path_format("")


def test_stored_values() -> None:
    assert parse_moment("2015-08-04") == datetime(2015, 8, 4)
    assert parse_moment("2015-08-04 15:04:01") == datetime(2015, 8, 4, 15, 4, 1)
    assert parse_moment("2015-08-04T15:04:01Z") == datetime(2015, 8, 4, 15, 4, 1)
    assert parse_moment("soon") is None
