"""Load the Lisbon demo day into the platform: an organization, its depot, vans with shifts, orders, a plan."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from doorstep.demo.synthetic import DEMO_DATE, demo_problem
from doorstep.domain.fleet import Vehicle, VehicleType
from doorstep.domain.ids import new_id
from doorstep.services.accounts.accounts import create_organization, hash_password
from doorstep.services.fleet import fleet_admin, pickup_points
from doorstep.services.kernel.access import Actor, system_actor
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import insert_orders
from doorstep.services.planning.plans import get_plan, publish_plan, start_plan
from doorstep.services.slots.slot_policy import put_policy
from doorstep.store.models import UserRow

DEMO_EMAIL = "admin@demo.doorstep.local"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """How to log in to the demo organization, and the plan job started for its day."""

    org_id: str
    email: str
    password: str
    day: date
    depot_id: str
    plan_id: str | None


SHIFT_DAYS = 3  # shifts on the demo day and the two after it


def _type_data(t: VehicleType) -> dict[str, object]:
    return {
        "name": t.name, "capacity": dict(t.capacity), "profile": t.profile.value, "skills": sorted(t.skills),
        "fixed_cost_cents": t.fixed_cost_cents, "cost_per_km_cents": t.cost_per_km_cents,
        "cost_per_hour_cents": t.cost_per_hour_cents,
    }  # fmt: skip


def _fleet(p: Platform, sys: Actor, vehicles: tuple[Vehicle, ...], depot_id: str, day: date) -> None:
    types: dict[str, str] = {}
    for v in vehicles:
        if v.type.id not in types:
            types[v.type.id] = fleet_admin.create(p, sys, "vehicle_type", _type_data(v.type)).id
        data = {"name": v.name, "type_id": types[v.type.id], "depot_id": depot_id, "skills": sorted(v.skills),
                "max_distance_m": v.max_distance_m, "max_stops": v.max_stops, "open_end": v.open_end,
                "max_shift_s": v.max_shift_s, "reloads": v.reloads, "max_reloads": v.max_reloads}  # fmt: skip
        vid = fleet_admin.create(p, sys, "vehicle", data).id
        for k in range(SHIFT_DAYS):  # the demo day, and the next ones the demo shop's checkout offers windows on
            at = timedelta(days=k)
            breaks = [{"start": b.start + at, "end": b.end + at, "duration_s": b.duration_s} for b in v.breaks]
            shift = {"vehicle_id": vid, "driver_id": None, "day": day + at, "start": v.shift_start + at,
                     "end": v.shift_end + at, "breaks": breaks}  # fmt: skip
            fleet_admin.create(p, sys, "shift", shift)


def demo_slot_policy(depot_id: str) -> dict[str, Any]:
    """Delivery slots for the demo (docs/slots.md): Lisbon within 15 km of the depot, two-hour windows 08-20 and
    one-hour premium windows in the morning, same-day (before 13:00), three-hour express and collection from a
    pickup point, priced, so the checkout endpoints, the demo shop and /app/slots work at once."""
    return {
        "zones": [{"id": "lisbon", "name": "Lisbon", "depot_id": depot_id, "radius_m": 15000}],
        "templates": [
            {"id": "std", "zone_id": "lisbon", "service_level": "standard", "start": "08:00", "end": "20:00",
             "length_min": 120, "cutoff_min": 60, "max_orders": 12},
            {"id": "prem", "zone_id": "lisbon", "service_level": "premium", "start": "09:00", "end": "13:00",
             "length_min": 60, "cutoff_min": 120, "max_orders": 4},
        ],
        "ranking": "cheapest",
        "green_km": 1.0,
        "prices": [{"service_level": "standard", "length_min": 120, "price_cents": 399},
                   {"service_level": "premium", "length_min": 60, "price_cents": 799}],
        "service_levels": [
            {"id": "same_day", "kind": "same_day", "cutoff": "13:00", "until": "19:00", "max_orders": 10,
             "price_cents": 990},
            {"id": "express", "kind": "express", "within_min": 180, "max_orders": 4, "price_cents": 1490},
            {"id": "pickup", "kind": "pickup", "price_cents": 199},
        ],
    }  # fmt: skip


_POINT_DEFAULTS: dict[str, Any] = {"handover_s": 300, "per_parcel_s": 10, "active": True}
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def demo_pickup_points(depot_id: str) -> list[dict[str, Any]]:
    """Two places near the demo shop's address to collect from (docs/slots.md, pickup points): a stationer's
    counter on the Rossio and a parcel locker in the Chiado."""
    return [
        {"name": "Papelaria Rossio", "kind": "counter", "lat": 38.7139, "lng": -9.1394, "depot_id": depot_id,
         "address": "Praça Dom Pedro IV 20, Lisboa", "capacity_parcels": 40,
         "hours": {d: [["09:00", "13:00"], ["14:00", "19:00"]] for d in WEEK[:6]}},
        {"name": "Cacifo Chiado", "kind": "locker", "lat": 38.7107, "lng": -9.1425, "depot_id": depot_id,
         "address": "Rua Garrett 50, Lisboa", "capacity_parcels": 60,
         "hours": {d: [["00:00", "24:00"]] for d in WEEK}, "handover_s": 120},
    ]  # fmt: skip


def _existing(p: Platform, password: str) -> str | None:
    """Reset the demo admin's password when the demo organization already exists; its org id."""
    with p.sessions() as s:
        user = s.scalar(select(UserRow).where(UserRow.email == DEMO_EMAIL))
        if user is None:
            return None
        user.password_hash = hash_password(password)
        s.commit()
        return user.org_id


def load_demo(
    p: Platform, *, orders: int = 300, seed: int = 7, time_limit_s: float = 20.0, day: date = DEMO_DATE
) -> DemoLogin:
    """Create (or reuse) the demo organization with a fresh admin password and start planning its ``day`` (a
    reused organization keeps the day of its newest plan)."""
    password = secrets.token_hex(8)
    problem = demo_problem(seed=seed, orders=orders, day=day)
    if (org_id := _existing(p, password)) is not None:
        with p.uow(org_id) as uow:
            depot = uow.depots.all()[0]
            planned = [pl.day for pl in uow.plans.all()]
        return DemoLogin(org_id, DEMO_EMAIL, password, max(planned, default=day), depot.id, None)
    org_id, _ = create_organization(p, "Doorstep demo (Lisbon)", DEMO_EMAIL, password)
    sys = system_actor(org_id)
    d = problem.depots[0]
    depot_data = {"name": d.name, "lat": d.location.lat, "lng": d.location.lng, "timezone": d.timezone,
                  "address": d.address, "opens": None, "closes": None, "loading_s": d.loading_s}  # fmt: skip
    depot_id = fleet_admin.create(p, sys, "depot", depot_data).id
    _fleet(p, sys, problem.vehicles, depot_id, day)
    put_policy(p, sys, demo_slot_policy(depot_id), None)
    for point in demo_pickup_points(depot_id):
        pickup_points.create(p, sys, {**_POINT_DEFAULTS, **point})
    with p.uow(sys) as uow:
        fresh = [(replace(o, id=new_id("ord"), depot_id=depot_id), day) for o in problem.orders]
        insert_orders(uow, sys, fresh)
        uow.commit()
    plan = start_plan(p, sys, depot_id, day, {"time_limit_s": time_limit_s, "seed": seed})
    # the runner works through jobs in order, so this runs once the plan job has finished
    p.submit("demo.publish", org_id=org_id, plan_id=plan.id)
    return DemoLogin(org_id, DEMO_EMAIL, password, day, depot_id, plan.id)


@job("demo.publish")
def _publish_if_done(p: Platform, org_id: str, plan_id: str) -> None:
    """Publish the demo plan when its job succeeded (a failed job stays visible as failed)."""
    actor = system_actor(org_id)
    row, _ = get_plan(p, actor, plan_id)
    if row.status == "succeeded":
        publish_plan(p, actor, plan_id)
