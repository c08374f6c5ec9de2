"""A bounded memory of recent answers: the last ``size`` values by key, the least recently used dropped first.

Thread-safe (API handlers run in a thread pool). It counts hits and misses, so a test can tell an answer that came
from memory from one computed again. Used for road paths and vehicles (dispatch) and matched GPS chunks (routing).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class Lru[K: Hashable, V]:
    """The last ``size`` values by key; ``get`` tells a known key whose value is None from an unknown one."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"an LRU memory holds at least one value, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[bool, V | None]:
        """Whether ``key`` is known, and its value (None when unknown); a known key becomes the most recent."""
        with self._lock:
            if key not in self._items:
                self.misses += 1
                return False, None
            self.hits += 1
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` as the most recent, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
