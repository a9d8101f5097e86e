"""seconds_from_now: stored to the second, a span (a session, a portal token) never ends early."""

from __future__ import annotations

from datetime import timedelta

from amity.core.clock import seconds_from_now, utcnow_precise


def test_a_span_ends_on_a_whole_second_no_sooner_than_asked() -> None:
    for _ in range(200):
        before = utcnow_precise()
        end = seconds_from_now(1)
        after = utcnow_precise()
        assert end.microsecond == 0
        assert end >= before + timedelta(seconds=1)
        assert end <= after + timedelta(seconds=2)
