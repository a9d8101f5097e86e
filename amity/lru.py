"""A bounded least-recently-used map, for caches keyed by what clients send (such as a
`fields` list): the entries a client can add are at most `size`, the oldest go first.

It belongs to no layer (like errors.py), so that store/ and core/ may both use it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most `size` entries; reading one makes it the most recent, a new one past the
    size drops the least recent. Safe to share between threads (writes take a lock)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("an LRU cache holds at least one entry")
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        # no lock on this hot path: each OrderedDict call is atomic under the GIL
        value = self._entries.get(key)
        if value is None:
            return None
        try:
            self._entries.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile: still a valid answer
            return value
        return value

    def __setitem__(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
