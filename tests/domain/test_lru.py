"""The bounded memory behind the road paths, the plans' vehicles and the matched GPS chunks."""

from __future__ import annotations

import threading

import pytest

from doorstep.domain.lru import Lru


def test_the_least_recently_used_goes_first_and_a_read_makes_a_key_recent() -> None:
    memory: Lru[str, int] = Lru(2)
    memory.put("a", 1)
    memory.put("b", 2)
    assert memory.get("a") == (True, 1)  # "a" is now the most recent, so "b" goes next
    memory.put("c", 3)
    assert memory.get("b") == (False, None)
    assert memory.get("a") == (True, 1) and memory.get("c") == (True, 3)
    assert len(memory) == 2 and (memory.hits, memory.misses) == (3, 1)


def test_a_value_of_none_is_known_and_a_put_replaces() -> None:
    memory: Lru[str, int | None] = Lru(4)
    memory.put("nothing", None)
    assert memory.get("nothing") == (True, None) and memory.get("other") == (False, None)
    memory.put("nothing", 5)
    assert memory.get("nothing") == (True, 5) and len(memory) == 1


def test_threads_never_grow_it_past_its_size() -> None:
    memory: Lru[tuple[int, int], int] = Lru(50)

    def fill(t: int) -> None:
        for i in range(2_000):
            memory.put((t, i), i)
            memory.get((t, i - 1))

    threads = [threading.Thread(target=fill, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memory) == 50 and memory.hits + memory.misses == 8_000
    kept = [(t, i) for t in range(4) for i in range(2_000) if memory.get((t, i))[0]]
    assert len(kept) == 50 and all(memory.get(key) == (True, key[1]) for key in kept)


def test_it_holds_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Lru(0)
