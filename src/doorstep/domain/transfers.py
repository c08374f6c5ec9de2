"""Inbound transfers: trunk runs from a central warehouse to a depot, and the release times they set.

A transfer arrives at its depot at ``arrival``; unloading and sorting take ``sorting_s``; from then on its parcels
can be loaded. A trunk that arrives before the depot opens is unloaded when it opens. The ready time becomes the
release time of every order it carries (the later of it and the order's own ``release_at``), and the order ships
from the transfer's depot (``domain/releases.py`` applies them to a problem).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.orders import Order, OrderKind

MAX_SORTING_S = 86_400
MAX_ORDERS = 10_000
EARLIEST_YEAR, LATEST_YEAR = 2000, 2200


def _usable(when: datetime) -> bool:
    """An aware time within the years a trunk run can be planned for (others are E1708)."""
    return when.tzinfo is not None and EARLIEST_YEAR <= when.year <= LATEST_YEAR
Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """A trunk run to ``depot_id`` arriving at ``arrival`` (aware) with the goods of ``orders`` (ids or external
    refs); ``origin`` names the central warehouse, ``reference`` the run (a trailer, a line number)."""

    id: str
    depot_id: str
    arrival: datetime
    sorting_s: int = 0
    orders: tuple[str, ...] = ()
    origin: str = ""
    reference: str = ""

    def ready_at(self, depot: Depot | None = None) -> datetime:
        """When its parcels can be loaded: arrival (or the depot's opening, when later that day) plus sorting."""
        begin = self.arrival
        if depot is not None and depot.opens is not None and self.arrival.tzinfo is not None:
            opens = depot.hours_on(depot.local_day(self.arrival))[0]
            begin = max(begin, opens) if opens is not None else begin
        return begin + timedelta(seconds=self.sorting_s)

    @property
    def label(self) -> str:
        """How messages name the run: its reference, else its id."""
        return self.reference or self.id


def order_index(orders: Iterable[Order]) -> dict[str, Order]:
    """Orders by id and by external ref (an id wins over another order's equal ref)."""
    out: dict[str, Order] = {}
    listed = list(orders)
    for o in listed:
        if o.external_ref:
            out.setdefault(o.external_ref, o)
    out.update((o.id, o) for o in listed)
    return out


def _transfer_fields(t: Transfer, where: Loc, depot: Depot | None) -> Iterator[Issue]:
    if depot is None:
        yield Issue("E1703", f"{t.id}: unknown depot {t.depot_id!r}", (*where, "depot_id"), t.id)
    if t.arrival.tzinfo is None:
        yield Issue("E1708", f"{t.id}: arrival {t.arrival.isoformat()} has no time zone", (*where, "arrival"), t.id)
    elif not EARLIEST_YEAR <= t.arrival.year <= LATEST_YEAR:
        msg = f"{t.id}: arrival {t.arrival.isoformat()} is not a date of these years ({EARLIEST_YEAR}..{LATEST_YEAR})"
        yield Issue("E1708", msg, (*where, "arrival"), t.id)
    if not 0 <= t.sorting_s <= MAX_SORTING_S:
        msg = f"{t.id}: sorting_s={t.sorting_s} (allowed 0..{MAX_SORTING_S})"
        yield Issue("E1708", msg, (*where, "sorting_s"), t.id)
    if len(t.orders) > MAX_ORDERS:
        msg = f"{t.id}: carries {len(t.orders)} orders (at most {MAX_ORDERS} per transfer)"
        yield Issue("E1711", msg, (*where, "orders"), t.id)
    if depot is not None and depot.closes is not None and _usable(t.arrival):
        closes = depot.hours_on(depot.local_day(t.arrival))[1]
        if closes is not None and t.arrival > closes:
            local = t.arrival.astimezone(closes.tzinfo).strftime("%H:%M")
            msg = f"{t.id}: arrives at {local}, after {depot.name or depot.id} closes at {depot.closes:%H:%M}"
            yield Issue("E1707", msg, (*where, "arrival"), t.id)


def _carried(
    t: Transfer, where: Loc, depot: Depot | None, orders: Mapping[str, Order], carrier: dict[str, tuple[Loc, str]]
) -> Iterator[Issue]:
    """The orders of one transfer: known, loaded at a depot, not pinned elsewhere, on no other transfer."""
    for k, ref in enumerate(t.orders):
        loc = (*where, "orders", k)
        o = orders.get(ref)
        if o is None:
            yield Issue("E1704", f"{t.id}: unknown order {ref!r}", loc, t.id)
            continue
        if o.id in carrier:
            first, other = carrier[o.id]
            same = first == where
            msg = f"{t.id}: order {ref} is listed twice" if same else f"{t.id}: order {ref} is already on {other}"
            yield Issue("E1705", msg, loc, o.id)
            continue
        carrier[o.id] = (where, t.id)
        if o.kind is not OrderKind.DELIVERY:
            msg = f"{t.id}: order {ref} is a {o.kind.value}, not goods loaded at the depot (only deliveries)"
            yield Issue("E1709", msg, loc, o.id)
        elif o.depot_id is not None and depot is not None and o.depot_id != depot.id:
            msg = f"{t.id}: order {ref} ships from depot {o.depot_id}, the transfer goes to {depot.id}"
            yield Issue("E1706", msg, loc, o.id)


def _late(t: Transfer, where: Loc, depot: Depot | None, orders: Mapping[str, Order]) -> Iterator[Issue]:
    """W1700 per order whose goods are ready only after its last window ends (it will be RELEASE_TIME)."""
    if not _usable(t.arrival) or not 0 <= t.sorting_s <= MAX_SORTING_S:
        return
    ready = t.ready_at(depot)
    seen: set[str] = set()
    for k, ref in enumerate(t.orders):
        o = orders.get(ref)
        if o is None or o.id in seen or o.kind is not OrderKind.DELIVERY or not o.time_windows:
            continue
        seen.add(o.id)
        last = max(w.end for w in o.time_windows)
        if ready > last:
            tz = last.tzinfo
            msg = (f"{o.external_ref or o.id}: ready at {ready.astimezone(tz):%H:%M} off {t.label}, after its last "
                   f"window ends at {last:%H:%M}")  # fmt: skip
            yield Issue("W1700", msg, (*where, "orders", k), o.id)


def transfer_issues(
    transfers: Iterable[Transfer], orders: Iterable[Order], depots: Iterable[Depot], root: str = "transfers"
) -> list[Issue]:
    """Every problem of the transfers at once (E1703–E1711), and W1700 for goods ready after their window."""
    listed = list(transfers)
    by_depot = {d.id: d for d in depots}
    index = order_index(orders)
    issues = [
        Issue("E1710", f"transfer id {tid!r} appears {n} times", (root,), tid)
        for tid, n in Counter(t.id for t in listed).items()
        if n > 1
    ]
    carrier: dict[str, tuple[Loc, str]] = {}
    for i, t in enumerate(listed):
        depot = by_depot.get(t.depot_id)
        issues += _transfer_fields(t, (root, i), depot)
        issues += _carried(t, (root, i), depot, index, carrier)
        issues += _late(t, (root, i), depot, index)
    return issues
