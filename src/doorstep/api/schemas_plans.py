"""Plan job, route and manual edit bodies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from doorstep.api.schemas_carriers import CarrierOfferOut
from doorstep.api.schemas_common import MAX_INT, ErrorDetail, IssueOut, Out, Strict
from doorstep.api.schemas_transfers import DepotLoadOut

# What the solver minimises (doorstep.optimize.options.Objective; a test keeps the two in step).
ObjectiveName = Literal["cost", "travel_cost", "duration", "distance"]


class SolveOptionsIn(Strict):
    """Solver options (see `doorstep plan --help`); unset ones use the server defaults. A bad option is E1119."""

    time_limit_s: float | None = Field(None, gt=0, le=3_600, examples=[10], description="at most an hour per job")
    seed: int | None = Field(None, ge=0, le=MAX_INT)
    no_improvement_s: float | None = Field(None, gt=0, le=86_400)
    max_iterations: int | None = Field(None, gt=0, le=MAX_INT)
    objective: ObjectiveName | None = Field(
        None, examples=["cost"], description="what is minimised (default cost: fixed + per km + per route hour)"
    )
    balance_max_stops: int | None = Field(
        None, gt=0, le=100_000, description="workload balancing: most stops per route (per trip when it reloads)"
    )
    balance_max_duration_s: int | None = Field(
        None, gt=0, le=MAX_INT, description="workload balancing: no route lasts longer (seconds)"
    )
    balance_duration_cost_per_hour_cents: int | None = Field(
        None, ge=0, le=MAX_INT, description="workload balancing: extra cost per route hour (spreads work over vans)"
    )
    co2_cost_cents_per_kg: int | None = Field(
        None,
        ge=0,
        le=1_000_000,
        description="a price per kg CO2e added to each vehicle type's km in the cost objectives (greener routes)",
    )
    split_above_orders: int | None = Field(
        None, ge=10, le=1_000_000, examples=[2500],
        description="a day of more orders is planned in parts (default 2,500; docs/modelling.md, Large days)",
    )  # fmt: skip
    part_orders: int | None = Field(
        None, ge=10, le=1_000_000, examples=[1000], description="about this many orders per part (default 1,000)"
    )
    part_workers: int | None = Field(
        None,
        ge=1,
        le=8,
        description="slots a large day's parts run on at once (with Celery workers: worker processes, the planning "
        "job's included); default: the planning machine's cores",
    )


class PlanIn(Strict):
    """Plan the orders of a depot for a day."""

    depot_id: str = Field(max_length=64)
    date: dt.date
    options: SolveOptionsIn = Field(default_factory=SolveOptionsIn)


class UnassignedOut(BaseModel):
    """An order a plan leaves off every route, with its reason code and what to do."""

    order_id: str
    external_ref: str | None
    reason: str = Field(examples=["TIME_WINDOW"])
    message: str
    action: str


class RoutePathOut(BaseModel):
    """The roads a route follows, drawn by the deployment's road network: one line of [lat, lng] per leg between
    consecutive stop places (a place repeated at once counted once), for the vehicle's profile and around the
    zones its type may not enter."""

    route_id: str
    version: int
    profile: str = Field(examples=["van"])
    legs: list[list[list[float]]]
    stops: int = Field(description="stop places joined: one more than the legs")
    distance_m: int
    duration_s: int = Field(description="free-flow driving time along the roads (no traffic factors)")
    avoided_zones: list[str]
    attribution: str


class RouteOut(Out):
    """A route of a plan version: status, lock, driver, version and its stops with ETAs (``data``)."""

    id: str
    plan_id: str
    vehicle_id: str
    driver_id: str | None
    status: str
    locked: bool
    version: int
    data: dict[str, Any]
    warnings: list[IssueOut] = Field(default_factory=list, description="e.g. W1413: dispatched with no driver")


class PlanErrorBody(BaseModel):
    """Why a plan version failed: the error of the envelope (docs/errors.md), each problem in ``details``."""

    code: str = Field(examples=["E5001"])
    message: str
    action: str
    details: list[IssueOut]


class PlanErrorOut(BaseModel):
    """The error envelope a failed plan version stored."""

    error: PlanErrorBody


class PartProgressOut(BaseModel):
    """One part of a large day while it is planned (and, once the job has ended, its last state)."""

    part: int = Field(ge=1, description="the part's number, 1 to the number of parts")
    orders: int = Field(ge=0, description="the orders of the day in this part")
    phase: str = Field(
        examples=["solve"],
        description="queued (waiting for a process), matrix (its travel times), build, solve, finish or done",
    )
    elapsed_s: float = Field(description="seconds this part has run (since its last start, when it was retried)")
    time_limit_s: float | None = Field(description="its share of the day's time limit, in seconds (null while queued)")
    fraction: float = Field(ge=0, le=1, description="elapsed_s / time_limit_s, at most 1; 1 once the part is done")
    feasible: bool = Field(description="whether the part's search has found a plan that breaks no constraint")
    assigned: int = Field(ge=0, description="orders served by the part's best plan so far")
    best_cost_cents: int | None = Field(
        description="the part's best cost so far (the search's own measure; null until feasible, or when the "
        "objective is not money)"
    )


class DayProgressOut(BaseModel):
    """A large day planned in parts: the whole day's phase and share of its time, and each part's progress."""

    phase: str = Field(
        examples=["solve"],
        description="split, first_pass (every part planned briefly, so a whole plan exists early), solve (the "
        "parts run), boundary (parts straddling the part boundaries planned again "
        "from their routes), recovery (the orders the parts left out, planned again together), merge or done",
    )
    fraction: float = Field(ge=0, le=1, description="the share of the day's time limit used; 1 once done")
    elapsed_s: float = Field(description="seconds since the day's planning started")
    time_limit_s: float = Field(description="the day's time limit in seconds")
    orders: int = Field(ge=0, description="the day's orders")
    assigned: int = Field(
        ge=0, description="orders served: the sum over the parts' best plans, the finished plan's count once done"
    )
    best_cost_cents: int | None = Field(
        description="the sum of the parts' best costs once every part has one; the finished plan's cost once done"
    )
    parts_count: int = Field(ge=1, description="how many parts the day was split into")
    recovery_orders: int | None = Field(
        description="orders the recovery part planned again (null when no recovery part ran)"
    )
    parts: list[PartProgressOut] = Field(description="one entry per part, by part number")


class PlanSummary(Out):
    """A plan version without its result."""

    id: str
    depot_id: str
    date: dt.date = Field(validation_alias="day")
    version: int
    status: str
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: PlanErrorOut | None
    part_progress: DayProgressOut | None = Field(
        None,
        description="a day planned in parts (more orders than split_above_orders): the whole day's phase and each "
        "part's progress, updated with `progress` while the job runs and kept as it ended; null for a day planned "
        "in one model",
    )


class PlanOut(PlanSummary):
    """A plan version: status, progress (``[seconds, best cost in cents]``), then routes and unassigned orders."""

    options: dict[str, Any]
    progress: list[list[float]]
    stats: dict[str, Any] | None = None
    unassigned: list[UnassignedOut] = Field(default_factory=list)
    warnings: list[ErrorDetail] = Field(default_factory=list)
    routes: list[RouteOut] = Field(default_factory=list)
    kept_routes: list[dict[str, Any]] = Field(
        default_factory=list, description="routes of other versions this job left alone (locked or dispatched)"
    )
    carrier_offers: list[CarrierOfferOut] = Field(
        default_factory=list, description="orders the plan proposes to hand to partner carriers (docs/carriers.md)"
    )
    depots: list[DepotLoadOut] = Field(
        default_factory=list, description="per depot with a capacity or docks: parcels planned, most vans loading"
    )


class MoveIn(Strict):
    """Move an order to ``route_id`` before the stop at ``position`` (0: first after the start)."""

    order_id: str = Field(max_length=64)
    route_id: str = Field(max_length=64)
    position: int = Field(ge=0, le=10_000)


class MoveSave(MoveIn):
    """A move to save: ``versions`` maps each touched route id to the version you saw (409 if stale)."""

    versions: dict[str, Annotated[int, Field(ge=1, le=MAX_INT)]] = Field(default_factory=dict)


class ViolationOut(Out):
    """A broken constraint found by the independent checker."""

    kind: str
    message: str
    route_id: str | None
    order_id: str | None
    amount: int


class EditOut(Out):
    """The touched routes with their new ETAs, and every violation."""

    routes: list[dict[str, Any]]
    violations: list[ViolationOut]


class AssignIn(Strict):
    """Assign (or clear, with null) the route's driver; ``vehicle_id`` gives the route another vehicle with a shift
    that day and no route in the plan (then preview the route: a smaller vehicle may break capacity)."""

    driver_id: str | None = Field(max_length=64)
    vehicle_id: str | None = Field(None, max_length=64)
    version: int = Field(ge=1, le=MAX_INT)


class LockIn(Strict):
    """Lock or unlock a route."""

    locked: bool
    version: int = Field(ge=1, le=MAX_INT)


class VersionIn(Strict):
    """The route version you saw."""

    version: int = Field(ge=1, le=MAX_INT)


class TotalOut(Out):
    """A measure of the new plan, of the one compared with, and the change (new minus old)."""

    new: int
    old: int
    change: int


class VehicleChangeOut(Out):
    """One vehicle's work in both plans: its stops, and the orders (references) it gains and loses."""

    vehicle_id: str
    vehicle_name: str
    driver_id: str | None
    stops_new: int
    stops_old: int
    added: list[str]
    removed: list[str]


class CompareOut(Out):
    """A plan against another (the published one by default): cost in cents of the organization's currency, km in
    metres, vans used, orders served, per-vehicle changes; ``worse``: it serves fewer orders, or as many for more."""

    plan_id: str
    with_plan_id: str
    cost_cents: TotalOut
    distance_m: TotalOut
    vans: TotalOut
    orders_served: TotalOut
    vehicles: list[VehicleChangeOut]
    worse: bool
