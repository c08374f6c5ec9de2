"""Compare a plan version with another one (by default the published plan of its depot and day) before
publishing it: cost, km, vans, orders served, and per-vehicle changes (the stops a route gains and loses)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.status import PlanStatus, RouteStatus
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.planning.plan_problem import kept_routes
from doorstep.store.models import PlanRow, RouteRow
from doorstep.store.uow import UnitOfWork

COMPARABLE = (PlanStatus.SUCCEEDED.value, PlanStatus.PUBLISHED.value)
ORDER_STOPS = ("delivery", "pickup", "paired_pickup", "paired_delivery")  # a paired order counts once


@dataclass(frozen=True, slots=True)
class RouteSide:
    """One route as the comparison sees it: its vehicle, driver, orders (id -> reference), km and cost."""

    vehicle_id: str
    vehicle_name: str
    driver_id: str | None
    orders: dict[str, str]
    distance_m: int
    cost_cents: int


def route_side(row_data: dict[str, Any], driver_id: str | None) -> RouteSide:
    """A route's side from its stored data (the route dict of plan.json)."""
    orders = {
        s["order_id"]: s.get("external_ref") or s["order_id"]
        for s in row_data.get("stops", [])
        if s.get("order_id") and s.get("type") in ORDER_STOPS
    }
    return RouteSide(
        vehicle_id=row_data["vehicle_id"], vehicle_name=row_data.get("vehicle_name") or row_data["vehicle_id"],
        driver_id=driver_id, orders=orders, distance_m=int(row_data.get("distance_m") or 0),
        cost_cents=int(row_data.get("cost_cents") or 0),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Total:
    """A measure on both sides and the change (new minus old)."""

    new: int
    old: int
    change: int


@dataclass(frozen=True, slots=True)
class VehicleChange:
    """What publishing does to one vehicle's work: the orders it gains and loses (references, sorted)."""

    vehicle_id: str
    vehicle_name: str
    driver_id: str | None
    stops_new: int
    stops_old: int
    added: list[str]
    removed: list[str]


@dataclass(slots=True)
class Comparison:
    """The new plan against the old one: totals, per-vehicle changes, and whether the new one is worse (serves
    fewer orders, or as many at a higher cost)."""

    cost_cents: Total
    distance_m: Total
    vans: Total
    orders_served: Total
    vehicles: list[VehicleChange] = field(default_factory=list)
    worse: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _total(new: int, old: int) -> Total:
    return Total(new, old, new - old)


def compare(new: list[RouteSide], old: list[RouteSide]) -> Comparison:
    """Compare two sets of routes (a route with no orders counts for no van, km or cost: it is not driven)."""
    new_used, old_used = [r for r in new if r.orders], [r for r in old if r.orders]
    out = Comparison(
        cost_cents=_total(sum(r.cost_cents for r in new_used), sum(r.cost_cents for r in old_used)),
        distance_m=_total(sum(r.distance_m for r in new_used), sum(r.distance_m for r in old_used)),
        vans=_total(len(new_used), len(old_used)),
        orders_served=_total(len({o for r in new for o in r.orders}), len({o for r in old for o in r.orders})),
    )
    by_new = {r.vehicle_id: r for r in new}
    by_old = {r.vehicle_id: r for r in old}
    for vid in sorted(set(by_new) | set(by_old), key=lambda v: ((by_new.get(v) or by_old[v]).vehicle_name, v)):
        n, o = by_new.get(vid), by_old.get(vid)
        n_orders, o_orders = (n.orders if n else {}), (o.orders if o else {})
        if not n_orders and not o_orders:
            continue
        side = n or o
        assert side is not None
        out.vehicles.append(
            VehicleChange(
                vehicle_id=vid, vehicle_name=side.vehicle_name,
                driver_id=(n.driver_id if n and n.driver_id else o.driver_id if o else None),
                stops_new=len(n_orders), stops_old=len(o_orders),
                added=sorted(ref for k, ref in n_orders.items() if k not in o_orders),
                removed=sorted(ref for k, ref in o_orders.items() if k not in n_orders),
            )
        )  # fmt: skip
    served = out.orders_served
    out.worse = served.change < 0 or (served.change == 0 and out.cost_cents.change > 0)
    return out


def _comparable(row: PlanRow, loc: str) -> None:
    if row.status not in COMPARABLE:
        msg = f"plan {row.id} is {row.status}; only succeeded or published plans can be compared"
        raise DoorstepError([Issue("E2006", msg, (loc,), row.id)])


def _sides(rows: list[RouteRow]) -> list[RouteSide]:
    return [route_side(r.data, r.driver_id) for r in rows if r.status != RouteStatus.SUPERSEDED.value]


def _in_force(uow: UnitOfWork, row: PlanRow) -> list[RouteRow]:
    """The routes in force while this plan is (or once it is) the published one: its own, and the dispatched and
    locked routes of other versions that a re-plan keeps."""
    own = uow.routes.all(RouteRow.plan_id == row.id)
    taken = {r.vehicle_id for r in own}
    kept = [r for r in kept_routes(uow, row.depot_id, row.day) if r.plan_id != row.id and r.vehicle_id not in taken]
    return own + kept


def compare_plans(p: Platform, actor: Actor, plan_id: str, other_id: str | None) -> tuple[str, Comparison]:
    """Compare the plan with ``other_id`` or, when none is given, with the published plan of its depot and day
    (E2190 when there is none). Returns the id compared with, and the comparison."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        _comparable(row, "plan_id")
        if other_id is None:
            published = uow.plans.all(
                PlanRow.depot_id == row.depot_id, PlanRow.day == row.day,
                PlanRow.status == PlanStatus.PUBLISHED.value, PlanRow.id != row.id,
            )  # fmt: skip
            if not published:
                msg = f"no other published plan for depot {row.depot_id} on {row.day.isoformat()} to compare with"
                raise DoorstepError([Issue("E2190", msg, ("with",), plan_id)])
            other = published[0]
        else:
            other = uow.plans.require(other_id, ("with",))
            _comparable(other, "with")
        return other.id, compare(_sides(_in_force(uow, row)), _sides(_in_force(uow, other)))
