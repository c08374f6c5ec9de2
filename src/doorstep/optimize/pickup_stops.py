"""One stop per pickup point: a day's orders to one point are one client of the solver model and one visit.

Before solving, the orders to a point (same point, same place) are merged into one order: the summed size, one
handover time (the point's base time once plus its time per parcel: ``share_handover`` gives the base to the
group's first order by id and the per-parcel part to each), the windows every member allows, shortened at the end
by the handover of the members served after the first so that each member still starts inside its own window.
After solving, the merged stop is expanded back into one stop per order, consecutive, at the same place, with no
driving between them: the driver app, proof of delivery and the checker see ordinary stops, one per order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from doorstep.domain.orders import Order, Priority, TimeWindow
from doorstep.domain.plan import Plan, ScheduledStop, StopType, Unassigned
from doorstep.domain.problem import Problem

RANK = {Priority.OPTIONAL: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.MUST_SERVE: 3}


@dataclass(frozen=True, slots=True)
class Handover:
    """A point's handover time: ``base_s`` once per visit plus ``per_parcel_s`` per parcel."""

    base_s: int
    per_parcel_s: int


def _parcels(order: Order) -> int:
    return max(1, int(order.size.get("parcels", 1)))


def _groups(orders: tuple[Order, ...]) -> dict[tuple[str, object], list[Order]]:
    """Orders to a point by (point, place), each group in id order (its first order is the group's lead)."""
    out: dict[tuple[str, object], list[Order]] = {}
    for o in orders:
        if o.pickup_point_id is not None:
            out.setdefault((o.pickup_point_id, o.location), []).append(o)
    return {k: sorted(v, key=lambda o: o.id) for k, v in out.items()}


def with_handovers(problem: Problem, handovers: dict[str, Handover]) -> Problem:
    """Each order to a point with that point's current handover time, as if served alone (``service_s`` the
    handover plus the per-parcel time, ``handover_s`` the handover). What a visit shares is decided when planning
    (``share_handover``) and, on a route, by the stop before (``domain.pickup.service_after``)."""
    changed: dict[str, Order] = {}
    for o in problem.orders:
        h = handovers.get(o.pickup_point_id or "")
        if h is not None:
            changed[o.id] = replace(o, service_s=h.base_s + h.per_parcel_s * _parcels(o), handover_s=h.base_s)
    if not changed:
        return problem
    return replace(problem, orders=tuple(changed.get(o.id, o) for o in problem.orders))


def _share(o: Order, lead: bool) -> Order:
    """One member's service time: the handover (``handover_s``) stays with the lead only."""
    return o if lead else replace(o, service_s=max(0, o.service_s - o.handover_s), handover_s=0)


def share_handover(problem: Problem) -> Problem:
    """The problem with each point order's service time its share of its group's one handover: the group's first
    order by id keeps its handover (``handover_s``), each other one has its handover taken off (``handover_s`` 0),
    exactly what ``service_after`` gives the visit's stops in that order (so sharing a shared problem changes
    nothing). A group whose orders cannot share one visit (no common window) is planned apart: each pays it."""
    changed: dict[str, Order] = {}
    for members in _groups(problem.orders).values():
        shared = [_share(o, k == 0) for k, o in enumerate(members)]
        if len(members) > 1 and _merged(shared) is None:
            continue
        changed.update((new.id, new) for old, new in zip(members[1:], shared[1:], strict=True) if new != old)
    if not changed:
        return problem
    return replace(problem, orders=tuple(changed.get(o.id, o) for o in problem.orders))


def _common(members: list[Order]) -> tuple[TimeWindow, ...] | None:
    """The windows every member allows (``()``: no restriction), None when they allow no common time."""
    common: tuple[TimeWindow, ...] = ()
    for o in members:
        if not o.time_windows:
            continue
        if not common:
            common = o.time_windows
            continue
        common = tuple(
            TimeWindow(max(a.start, b.start), min(a.end, b.end))
            for a in common
            for b in o.time_windows
            if min(a.end, b.end) > max(a.start, b.start)
        )
        if not common:
            return None
    return common


def _merged(members: list[Order]) -> Order | None:
    """One order standing for the group (the lead's id), or None when the members cannot share one visit."""
    common = _common(members)
    if common is None:
        return None
    tail = timedelta(seconds=sum(o.service_s for o in members[1:]))
    windows = tuple(TimeWindow(w.start, w.end - tail) for w in common if w.end - tail >= w.start)
    if common and not windows:
        return None
    size: dict[str, int] = {}
    collect: dict[str, int] = {}
    for o in members:
        for d, x in o.size.items():
            size[d] = size.get(d, 0) + x
        for d, x in o.collect.items():
            collect[d] = collect.get(d, 0) + x
    releases = [o.release_at for o in members if o.release_at is not None]
    lead = members[0]
    return replace(
        lead, size=size, collect=collect, service_s=sum(o.service_s for o in members), time_windows=windows,
        skills=frozenset().union(*(o.skills for o in members)), value_cents=sum(o.value_cents for o in members),
        priority=max((o.priority for o in members), key=RANK.__getitem__), release_at=max(releases, default=None),
    )  # fmt: skip


def merge_point_orders(problem: Problem) -> tuple[Problem, dict[str, list[Order]]]:
    """The problem with each group of point orders as one order, and the groups by the merged order's id."""
    merged: dict[str, Order] = {}
    groups: dict[str, list[Order]] = {}
    for members in _groups(problem.orders).values():
        one = _merged(members) if len(members) > 1 else None
        if one is not None:
            merged[one.id] = one
            groups[one.id] = members
    if not groups:
        return problem, {}
    gone = {o.id for ms in groups.values() for o in ms[1:]}
    orders = tuple(merged.get(o.id, o) for o in problem.orders if o.id not in gone)
    return replace(problem, orders=orders), groups


def expand_point_stops(plan: Plan, groups: dict[str, list[Order]], problem: Problem) -> Plan:
    """The plan with each merged stop as one stop per member order (and each merged unassigned order as its
    members), timed back to back from the merged visit; ``problem`` is the unmerged one."""
    if not groups:
        return plan
    for route in plan.routes:
        stops: list[ScheduledStop] = []
        for s in route.stops:
            members = groups.get(s.order_id or "") if s.type is StopType.DELIVERY else None
            stops += _expand(s, [problem.order(o.id) for o in members]) if members else [s]
        route.stops = stops
    unassigned: list[Unassigned] = []
    for u in plan.unassigned:
        members = groups.get(u.order_id)
        unassigned += [replace(u, order_id=o.id, external_ref=o.external_ref) for o in members] if members else [u]
    plan.unassigned = unassigned
    plan.stats.orders_total = len(problem.orders)
    plan.stats.orders_assigned = len({oid for r in plan.routes for oid in r.order_ids})
    return plan


def _expand(s: ScheduledStop, members: list[Order]) -> list[ScheduledStop]:
    load = dict(s.load_after)
    for o in members:
        for d, x in o.size.items():
            if d in load:
                load[d] += x
    out: list[ScheduledStop] = []
    start = s.start
    for k, o in enumerate(members):
        leave = start + timedelta(seconds=o.service_s)
        for d, x in o.size.items():
            if d in load:
                load[d] -= x
        window = next((w for w in o.time_windows if w.start <= start <= w.end), None)
        out.append(replace(
            s, order_id=o.id, external_ref=o.external_ref, arrival=s.arrival if k == 0 else start, start=start,
            departure=leave, waiting_s=s.waiting_s if k == 0 else 0, service_s=o.service_s, load_after=dict(load),
            travel_s=s.travel_s if k == 0 else 0, travel_m=s.travel_m if k == 0 else 0,
            duration_so_far_s=s.duration_so_far_s - int((s.departure - leave).total_seconds()),
            window_start=window.start if window else s.window_start, window_end=window.end if window else s.window_end,
        ))  # fmt: skip
        start = leave
    return out
