"""HTTP Range requests (RFC 9110 14): one byte range of a download.

Only a single range is answered with 206; a list of ranges gets the whole file (200), as
the RFC allows. A range that starts beyond the end is a 416.
"""

from __future__ import annotations

import re

from amity.errors import AmityError

_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


class RangeNotSatisfiable(AmityError):
    """A Range that selects no byte of the file (416); `size` goes in Content-Range."""

    status = 416
    error = "range_not_satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(
            "The requested range is not within the file",
            "the file has {size} bytes; ask for bytes=0-{last}",
            size=size,
            last=max(size - 1, 0),
        )
        self.size = size


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) of the one range asked for, None for the whole file (no
    Range, several ranges, or a unit other than bytes); RangeNotSatisfiable if it
    selects nothing."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first:  # the last `last` bytes
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(size - suffix, 0), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None  # malformed: ignore the header
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, end
