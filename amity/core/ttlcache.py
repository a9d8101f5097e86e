"""A small per-process cache whose entries live a few seconds: how credentials, grants,
sessions and rights are remembered for AMITY_AUTH_CACHE_SECONDS, so a change made in
another process takes effect everywhere within that time."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_SIZE = 10_000


class TtlCache(Generic[K, V]):
    """Values remembered for `seconds` (0: not at all), at most `size` of them (all are
    dropped when full: the entries are cheap to load again)."""

    def __init__(self, seconds: float, size: int = DEFAULT_SIZE) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: dict[K, tuple[float, V | None]] = {}
        self._generation = 0  # moved by clear/pop: a load begun before is not remembered

    def get(self, key: K, load: Callable[[], V | None], *, keep_missing: bool = False) -> V | None:
        """The remembered value, else `load()` (remembered unless None, or even then with
        keep_missing)."""
        now = time.monotonic()
        if self.seconds > 0:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        generation = self._generation
        value = load()
        if (
            self.seconds > 0
            and (value is not None or keep_missing)
            and generation == self._generation
        ):
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = (now + self.seconds, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def pop(self, key: K) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything, also what a load running now (begun before) returns."""
        self._generation += 1
        self._entries.clear()
