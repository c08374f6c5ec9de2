"""Depot capacity in the planner: no depot handles more parcels in a day than its ``capacity_parcels_per_day``.

Decided before the search, on a copy of the problem (``allot_depots``), so that *any* plan the search may find
keeps every capacity, and nothing the search does needs to know about it:

1. each order's **footprint** per vehicle that may serve it: the depot it is loaded at (a delivery) or brought
   back to (a pickup or return; a van that reloads and ends elsewhere may bring it to either); ``domain/depots.py``
   says what counts;
2. a capped depot whose **potential** load (every order some vehicle could bring through it) fits its capacity
   needs nothing; when none is over, the problem is returned unchanged;
3. otherwise the orders that could pass through an over-subscribed depot are **allotted**: those with the most to
   lose first (the gap between their cheapest and second-cheapest depot by round-trip travel; an order with one
   possible depot first of all; among equals the more urgent, then the cheaper to serve), each to its cheapest
   depot that still has room and from which some vehicle
   could serve it alone; an order that finds none takes the place of a less urgent order there (which moves to
   another depot with room, or is left out), or is left out itself — ``DEPOT_CAPACITY``, the least urgent first;
4. room left over at a capped depot is handed back to the allotted orders that are cheapest to serve from it,
   so the search keeps a choice wherever capacity allows;
5. an order allotted a subset of its depots gets a skill that only the vehicles of those depots offer
   (``__depots_out:`` for what is loaded, ``__depots_in:`` for what comes back), the same device as access
   zones (optimize/zones.py).

The independent checker counts the parcels per depot on the original problem (optimize/check_depots.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from doorstep.domain.depots import counts_at_depot, parcels_of, return_depot
from doorstep.domain.fleet import Vehicle
from doorstep.domain.orders import Order, Priority
from doorstep.domain.plan import Plan, Unassigned, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.optimize import eligibility
from doorstep.optimize.geometry import Geometry
from doorstep.optimize.reasons import ACTIONS, serves_alone
from doorstep.optimize.travel_keys import travel_key

OUT_SKILL = "__depots_out:"
IN_SKILL = "__depots_in:"
_RANK = {Priority.MUST_SERVE: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.OPTIONAL: 3}
Footprint = frozenset[str]


def footprint(v: Vehicle, o: Order) -> Footprint:
    """The depots the order's goods pass through when vehicle ``v`` serves it."""
    if not o.is_pickup_like:
        return frozenset({v.start_depot_id})
    back = {return_depot(v)}
    if v.reloads or v.type.range_m is not None:  # it may come back mid-day (to reload or to charge)
        back.add(v.start_depot_id)
    return frozenset(back)


@dataclass(slots=True)
class _Claim:
    """One order in contention: its options (footprint -> round-trip seconds) and where it was put."""

    oi: int
    parcels: int
    rank: int
    options: dict[Footprint, int]
    reach: Footprint  # every depot some vehicle could bring it through
    home: Footprint | None = None
    extra: set[str] = field(default_factory=set)

    @property
    def regret(self) -> float:
        """What the order loses when its cheapest depot is taken from it (infinite with one option)."""
        costs = sorted(self.options.values())
        return math.inf if len(costs) < 2 else costs[1] - costs[0]


@dataclass(frozen=True, slots=True)
class Allotted:
    """The problem with the orders' depots allotted, the orders left out for capacity, and how to explain them."""

    problem: Problem
    left_out: dict[int, Unassigned]  # order index -> DEPOT_CAPACITY
    narrowed: dict[str, str]  # order id -> the depots at capacity it may no longer go through (for messages)

    def explain(self, plan: Plan) -> Plan:
        """``plan`` with an order that lost a depot to capacity and was then left out said as DEPOT_CAPACITY."""
        if not self.narrowed:
            return plan
        plan.unassigned = [self._reason(u) for u in plan.unassigned]
        return plan

    def _reason(self, u: Unassigned) -> Unassigned:
        full = self.narrowed.get(u.order_id)
        if full is None or u.reason in (UnassignedReason.DEPOT_CAPACITY, UnassignedReason.NOT_WORTH_IT):
            return u
        detail = u.message.split(": ", 1)[-1]
        msg = f"{u.external_ref or u.order_id}: {full} at its parcel capacity; from the depots left: {detail}"
        return Unassigned(u.order_id, u.external_ref, UnassignedReason.DEPOT_CAPACITY, msg,
                          ACTIONS[UnassignedReason.DEPOT_CAPACITY])  # fmt: skip


def _caps(problem: Problem) -> dict[str, int]:
    return {d.id: d.capacity_parcels_per_day for d in problem.depots if d.capacity_parcels_per_day is not None}


def _reach(problem: Problem, oi: int) -> dict[Footprint, list[int]]:
    """Footprint -> the vehicles that may serve the order with it (skills, depot and size allow)."""
    o = problem.orders[oi]
    out: dict[Footprint, list[int]] = {}
    for vi, v in enumerate(problem.vehicles):
        if eligibility.may_serve(v, o) and eligibility.fits(v, o):
            out.setdefault(footprint(v, o), []).append(vi)
    return out


def _round_trip(problem: Problem, geo: Geometry, oi: int, vi: int) -> int:
    v = problem.vehicles[vi]
    dur = geo.durations[travel_key(problem, v)]
    here = geo.order_locs[oi][0]
    back = geo.depot_loc.get(return_depot(v), geo.depot_loc[v.start_depot_id])
    return int(dur[geo.depot_loc[v.start_depot_id], here]) + int(dur[here, back])


def _options(problem: Problem, geo: Geometry, oi: int, reach: dict[Footprint, list[int]]) -> dict[Footprint, int]:
    """Footprint -> round-trip seconds, for every footprint some vehicle could serve the order alone with."""
    out: dict[Footprint, int] = {}
    for fp, vehicles in reach.items():
        if any(serves_alone(problem, geo, vi, oi) for vi in vehicles):
            out[fp] = min(_round_trip(problem, geo, oi, vi) for vi in vehicles)
    return out


class _Ledger:
    """Room left at each capped depot."""

    def __init__(self, room: dict[str, int]) -> None:
        self.room = room

    def fits(self, fp: Iterable[str], n: int) -> bool:
        return all(self.room[d] >= n for d in fp if d in self.room)

    def take(self, fp: Iterable[str], n: int) -> None:
        for d in fp:
            if d in self.room:
                self.room[d] -= n

    def give(self, fp: Iterable[str], n: int) -> None:
        self.take(fp, -n)


def _place(c: _Claim, ledger: _Ledger) -> bool:
    for fp in sorted(c.options, key=lambda f: (c.options[f], sorted(f))):
        if ledger.fits(fp, c.parcels):
            ledger.take(fp, c.parcels)
            c.home = fp
            return True
    return False


def _evict(c: _Claim, placed: list[_Claim], ledger: _Ledger, out: list[_Claim]) -> bool:
    """Make room for ``c`` at its cheapest option by moving or leaving out less urgent orders placed there."""
    for fp in sorted(c.options, key=lambda f: (c.options[f], sorted(f))):
        capped = set(fp) & set(ledger.room)
        victims = sorted(
            (p for p in placed if p.rank > c.rank and p.home is not None and p.home & capped),
            key=lambda p: (-p.rank, p.regret, p.oi),  # the least urgent first, then the easiest to move
        )
        moved: list[_Claim] = []
        for v in victims:
            if ledger.fits(fp, c.parcels):
                break
            assert v.home is not None
            ledger.give(v.home, v.parcels)
            moved.append(v)
        if not ledger.fits(fp, c.parcels):
            for v in moved:  # not enough even so: put them back
                assert v.home is not None
                ledger.take(v.home, v.parcels)
            continue
        ledger.take(fp, c.parcels)
        c.home = fp
        for v in moved:
            placed.remove(v)
            old, v.home = v.home, None
            if not _place(_without(v, old), ledger):
                out.append(v)
            else:
                placed.append(v)
        return True
    return False


def _without(c: _Claim, fp: Footprint | None) -> _Claim:
    """The claim with one option struck (it was evicted from there)."""
    if fp is not None:
        c.options.pop(fp, None)
    return c


def _share_room(claims: list[_Claim], ledger: _Ledger) -> None:
    """Room left at a capped depot goes to the allotted orders cheapest to serve from it (a choice for the search)."""
    offers = sorted(
        ((cost - c.options[c.home], c.oi, fp, c) for c in claims if c.home is not None
         for fp, cost in c.options.items() if fp != c.home),
        key=lambda t: (t[0], t[1], sorted(t[2])),
    )  # fmt: skip
    for _, _, fp, c in offers:
        assert c.home is not None
        new = set(fp) - set(c.home) - c.extra
        if ledger.fits(new, c.parcels):
            ledger.take(new, c.parcels)
            c.extra |= new


def allot_depots(problem: Problem, geo: Geometry, parcels: dict[str, int] | None = None) -> Allotted:
    """The problem with each order's depots narrowed so that no capped depot can exceed its capacity, and the
    orders no depot has room for (see the module's docstring). ``parcels`` overrides an order's count (a merged
    pickup-point visit counts its members)."""
    caps = _caps(problem)
    none = Allotted(problem, {}, {})
    if not caps:
        return none
    count = parcels or {}
    weight = {oi: count.get(o.id, parcels_of(o)) for oi, o in enumerate(problem.orders)}
    reach = {oi: r for oi, o in enumerate(problem.orders) if counts_at_depot(o) and (r := _reach(problem, oi))}
    load = dict.fromkeys(caps, 0)
    for oi, r in reach.items():
        for d in frozenset().union(*r) & caps.keys():
            load[d] += weight[oi]
    over = {d for d, n in load.items() if n > caps[d]}
    if not over:
        return none
    claims, fixed = [], dict.fromkeys(caps, 0)
    for oi, r in reach.items():
        spread = frozenset().union(*r)
        if not spread & over:
            for d in spread & caps.keys():
                fixed[d] += weight[oi]
            continue
        options = _options(problem, geo, oi, r)
        if options:  # an order no vehicle could serve alone is left to the reasons (it takes no room)
            rank = _RANK[problem.orders[oi].priority]
            claims.append(_Claim(oi, weight[oi], rank, options, spread))
    ledger = _Ledger({d: caps[d] - fixed[d] for d in caps})
    return _allot(problem, claims, ledger, caps)


def _allot(problem: Problem, claims: list[_Claim], ledger: _Ledger, caps: dict[str, int]) -> Allotted:
    # the most to lose first; among equals (one depot each: a day of one depot) the more urgent, then the cheaper
    # to serve, so that what a full depot leaves out is the least urgent and the farthest
    claims.sort(key=lambda c: (-c.regret, c.rank, min(c.options.values()), c.oi))
    placed: list[_Claim] = []
    out: list[_Claim] = []
    for c in claims:
        if _place(c, ledger) or _evict(c, placed, ledger, out):
            placed.append(c)
        else:
            out.append(c)
    _share_room(placed, ledger)
    return _narrowed(problem, placed, out, caps)


def _narrowed(problem: Problem, placed: list[_Claim], out: list[_Claim], caps: dict[str, int]) -> Allotted:
    orders = list(problem.orders)
    skills_of: dict[str, Footprint] = {}
    narrowed: dict[str, str] = {}
    for c in placed:
        assert c.home is not None
        allowed = frozenset(c.home | c.extra | (c.reach - caps.keys()))
        o = orders[c.oi]
        if c.reach <= allowed:
            continue
        skill = (IN_SKILL if o.is_pickup_like else OUT_SKILL) + ",".join(sorted(allowed))
        skills_of[skill] = allowed
        orders[c.oi] = replace(o, skills=o.skills | {skill})
        narrowed[o.id] = _names(problem, (c.reach & set(caps)) - allowed)
    vehicles = tuple(replace(v, skills=v.skills | _offered(v, skills_of)) for v in problem.vehicles)
    left_out = {c.oi: _full(problem, c, caps) for c in out}
    return Allotted(replace(problem, orders=tuple(orders), vehicles=vehicles), left_out, narrowed)


def _offered(v: Vehicle, skills_of: dict[str, Footprint]) -> set[str]:
    """The depot-set skills a vehicle offers: its start depot in the set (out), all its return depots (in)."""
    back = {return_depot(v)} | ({v.start_depot_id} if v.reloads or v.type.range_m is not None else set())
    return {
        s for s, allowed in skills_of.items()
        if (s.startswith(OUT_SKILL) and v.start_depot_id in allowed) or (s.startswith(IN_SKILL) and back <= allowed)
    }  # fmt: skip


def _names(problem: Problem, ids: Iterable[str]) -> str:
    names = [problem.depot(d).name or d for d in sorted(ids)]
    return " and ".join(names) if names else "a depot"


def _full(problem: Problem, c: _Claim, caps: dict[str, int]) -> Unassigned:
    o = problem.orders[c.oi]
    capped = sorted(c.reach & caps.keys())
    said = ", ".join(f"{problem.depot(d).name or d} ({caps[d]} parcels a day)" for d in capped)
    urgent = " (more urgent orders took the room)" if c.rank > 0 else ""
    msg = f"{o.external_ref or o.id}: every depot that could ship its {c.parcels} parcel(s) is full: {said}{urgent}"
    reason = UnassignedReason.DEPOT_CAPACITY
    return Unassigned(o.id, o.external_ref, reason, msg, ACTIONS[reason])
