"""Applying a problem's inbound transfers (``domain/transfers.py``): each carried order released when its trunk
run is unloaded and sorted, and shipped from the run's depot. Applying them twice changes nothing, so a problem
that already went through it (a stored plan's) reads back the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from doorstep.domain.orders import OrderKind
from doorstep.domain.problem import Problem
from doorstep.domain.transfers import Transfer, order_index


def releases(problem: Problem) -> dict[str, tuple[datetime, Transfer]]:
    """Order id -> (ready time, transfer) for every order a transfer to a known depot carries."""
    index = order_index(problem.orders)
    depots = {d.id: d for d in problem.depots}
    out: dict[str, tuple[datetime, Transfer]] = {}
    for t in problem.transfers:
        depot = depots.get(t.depot_id)
        if depot is None or t.arrival.tzinfo is None:
            continue
        ready = t.ready_at(depot)
        for ref in t.orders:
            o = index.get(ref)
            if o is not None and o.id not in out:
                out[o.id] = (ready, t)
    return out


def with_transfers(problem: Problem) -> Problem:
    """The problem with each carried order released when its transfer is ready and shipped from the transfer's
    depot (the problem itself without transfers)."""
    if not problem.transfers:
        return problem
    ready = releases(problem)
    if not ready:
        return problem
    orders, changed = [], False
    for o in problem.orders:
        hit = ready.get(o.id)
        if hit is not None and o.kind is OrderKind.DELIVERY:
            at, t = hit
            release = at if o.release_at is None else max(o.release_at, at)
            depot = o.depot_id or t.depot_id
            if (release, depot) != (o.release_at, o.depot_id):
                o, changed = replace(o, release_at=release, depot_id=depot), True
        orders.append(o)
    return replace(problem, orders=tuple(orders)) if changed else problem
