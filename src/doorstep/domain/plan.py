"""Plans: routes of scheduled stops, unassigned orders with reasons, violations found by the checker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng


class StopType(StrEnum):
    """What happens at a stop of a route."""

    START = "start"
    DELIVERY = "delivery"
    PICKUP = "pickup"  # pickups and returns collected for the depot
    PAIRED_PICKUP = "paired_pickup"
    PAIRED_DELIVERY = "paired_delivery"
    BREAK = "break"
    RELOAD = "reload"
    END = "end"


class UnassignedReason(StrEnum):
    """Why an order is not on any route (always found by checking, never guessed)."""

    TIME_WINDOW = "TIME_WINDOW"  # no vehicle can reach it inside any of its windows within its shift
    CAPACITY = "CAPACITY"  # larger than every vehicle that could otherwise serve it
    SKILL = "SKILL"  # no vehicle offers every required skill
    SHIFT_LENGTH = "SHIFT_LENGTH"  # depot -> stop -> depot does not fit any vehicle's shift
    MAX_DISTANCE = "MAX_DISTANCE"  # depot -> stop -> depot is longer than every vehicle's max distance
    UNREACHABLE = "UNREACHABLE"  # no road/travel time to or from the stop
    NO_VEHICLE = "NO_VEHICLE"  # no vehicle can start from the order's depot
    RELEASE_TIME = "RELEASE_TIME"  # ready at the depot too late for any window
    FLEET_FULL = "FLEET_FULL"  # feasible alone, but the fleet's time/capacity is used by other orders
    TIME_LIMIT = "TIME_LIMIT"  # an unused vehicle could serve it alone: the search ran out of time
    NOT_WORTH_IT = "NOT_WORTH_IT"  # optional order whose value is below the cost of serving it
    RANGE = "RANGE"  # depot -> stop -> depot is longer than every electric vehicle's range less its reserve
    ACCESS_ZONE = "ACCESS_ZONE"  # inside an access zone no allowed vehicle can serve (type or hours)
    DEPOT_CAPACITY = "DEPOT_CAPACITY"  # every depot that could ship it is at its parcels-per-day capacity
    DEPOT_DOCKS = "DEPOT_DOCKS"  # its route, delayed to wait for a free loading dock, could no longer serve it
    PART_FAILED = "PART_FAILED"  # a large day's part holding it could not be planned (its process failed twice)


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order left out of the plan, with a specific reason and what to do about it."""

    order_id: str
    external_ref: str
    reason: UnassignedReason
    message: str
    action: str


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken constraint found by the checker."""

    kind: str  # TIME_WINDOW, CAPACITY, SKILL, SHIFT, MAX_DISTANCE, MAX_STOPS, PAIRING, DUPLICATE, ...
    message: str
    route_id: str | None = None
    order_id: str | None = None
    amount: int = 0  # by how much (seconds late, units over, metres over)


@dataclass(slots=True, kw_only=True)
class ScheduledStop:
    """One stop of a route with its timing and the load on board after it."""

    type: StopType
    location: LatLng
    arrival: datetime
    start: datetime
    departure: datetime
    order_id: str | None = None
    external_ref: str = ""
    address: str = ""
    place_label: str = ""  # set when served at an alternative place
    window_start: datetime | None = None  # the window this stop was planned into
    window_end: datetime | None = None
    waiting_s: int = 0
    service_s: int = 0
    load_after: dict[str, int] = field(default_factory=dict)
    travel_s: int = 0  # driving from the previous stop
    travel_m: int = 0
    distance_so_far_m: int = 0
    duration_so_far_s: int = 0
    depot_id: str | None = None
    dock: int | None = None  # start and reload stops at a depot with docks: the dock it loads at (1, 2, ...)


@dataclass(slots=True, kw_only=True)
class Route:
    """One vehicle's day."""

    id: str
    vehicle_id: str
    vehicle_name: str
    start_depot_id: str
    stops: list[ScheduledStop]
    distance_m: int = 0
    duration_s: int = 0
    driving_s: int = 0
    waiting_s: int = 0
    service_s: int = 0
    cost_cents: int = 0
    trips: int = 1
    co2_g: int = 0  # estimated CO2e of the route's distance (domain/emissions.py)

    @property
    def order_ids(self) -> list[str]:
        """Orders on the route, in visit order (paired orders once, at their delivery)."""
        return [s.order_id for s in self.stops if s.order_id and s.type not in (StopType.PAIRED_PICKUP, StopType.BREAK)]


@dataclass(slots=True, kw_only=True)
class PlanStats:
    """How the plan was made and what it costs."""

    cost_cents: int = 0
    distance_m: int = 0
    duration_s: int = 0
    orders_total: int = 0
    orders_assigned: int = 0
    vehicles_used: int = 0
    objective: int = 0  # the solver's internal objective (scaled units)
    runtime_s: float = 0.0
    solver_s: float = 0.0
    iterations: int = 0
    seed: int = 0
    time_limit_s: float = 0.0
    provider: str = ""
    co2_g: int = 0  # estimated CO2e of all routes (grams; plan.json writes co2_kg)


@dataclass(slots=True, kw_only=True)
class Plan:
    """The answer to a Problem: routes, unassigned orders with reasons, warnings and stats."""

    id: str
    created_at: datetime
    routes: list[Route]
    unassigned: list[Unassigned]
    warnings: list[Issue] = field(default_factory=list)
    stats: PlanStats = field(default_factory=PlanStats)
    progress: list[tuple[float, int]] = field(default_factory=list)  # (seconds, best objective)
