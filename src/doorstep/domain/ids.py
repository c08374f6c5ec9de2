"""Public, type-prefixed, sortable ids (``ord_…``, ``veh_…``): time-ordered like ULIDs, Crockford base32."""

from __future__ import annotations

import os
import threading
import time

PREFIXES = frozenset(
    {"ord", "stp", "veh", "vty", "drv", "dep", "pln", "rte", "org", "usr", "key", "shf", "evt", "whk", "dlv", "job"}
    | {"sev", "pod", "dcd"}  # stop events, proofs of delivery, driver login codes
    | {"prp", "ret", "rls"}  # live proposals, returns, route live states
    | {"evh"}  # event handlings (which handler ran for which event)
    | {"msg", "opt"}  # customer messages (email, SMS), opted-out addresses
    | {"trk", "fbk"}  # customer tracking links, customer feedback
    | {"spl", "sof", "hld", "slc"}  # slot policies, slot offers, slot holds, slot counters
    | {"pup"}  # pickup points (counters and lockers)
    | {"lrn"}  # learned models (service times and travel factors of an organization)
    | {"stf"}  # staffing runs (plans of forecast days)
    | {"lsc"}  # loading scans and checks (the van loaded before departure)
    | {"car", "cbk", "ccb"}  # partner carriers, carrier bookings, carrier status callbacks
    | {"zon"}  # access zones (low-emission, restricted access)
    | {"trf", "tro"}  # inbound transfers (trunk runs to a depot), the orders each carries
)
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last: list[int] = [0, 0]


def _b32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id: 48-bit millisecond time + 80 random bits, monotonic within one process."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    with _lock:
        ms = int(time.time() * 1000)
        if ms <= _last[0]:
            ms = _last[0]
            rand = _last[1] + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1
        _last[0], _last[1] = ms, rand
    return f"{prefix}_{_b32(ms, 10)}{_b32(rand & ((1 << 80) - 1), 16)}"


def derived_id(prefix: str, key: str) -> str:
    """A stable id derived from a client key, so re-importing the same file yields the same ids."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in key)
    return f"{prefix}_{safe}"
