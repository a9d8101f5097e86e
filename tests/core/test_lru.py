"""The bounded LRU map behind the caches keyed by what clients send."""

from __future__ import annotations

import pytest

from amity.lru import LruCache


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: LruCache[str, int] = LruCache(3)
    for i, key in enumerate("abc"):
        cache[key] = i
    assert cache.get("a") == 0  # read: now the most recent
    cache["d"] = 3
    assert len(cache) == 3
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), cache.get("d")) == (0, 2, 3)
    cache["c"] = 20  # a rewrite refreshes too
    cache["e"] = 4
    assert cache.get("a") is None and cache.get("c") == 20


def test_size_must_hold_an_entry() -> None:
    with pytest.raises(ValueError):
        LruCache(0)
