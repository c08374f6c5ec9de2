"""Response bodies of the dispatcher's live view: re-planning proposals and the snapshot of live routes.

Proposal routes answer with ``response_model_exclude_unset``: an option's summary carries the keys of its kind
only (``inserted`` for an insert, ``windows`` for a re-sequence, ``location`` for a relocation, ...), and an
absent key stays absent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from doorstep.api.schemas_common import IsoDate, IsoTime
from doorstep.api.schemas_driver import LatLngOut, SafePlaceOut
from doorstep.api.schemas_plans import UnassignedOut


class EtaShiftOut(BaseModel):
    """A promised arrival that the change moves by a minute or more."""

    order_id: str
    external_ref: str | None
    route_id: str
    before: IsoTime
    after: IsoTime
    shift_s: int = Field(description="after - before (negative: earlier)")


class WindowTextOut(BaseModel):
    """A time window, ISO-8601 with offset."""

    start: IsoTime
    end: IsoTime


class ProposalOptionOut(BaseModel):
    """The summary of one option: what it costs and which routes, vehicles and promised times it changes, then the
    keys of the proposal's kind. Further keys a kind may add are kept (``additionalProperties``)."""

    model_config = ConfigDict(extra="allow")

    distance_delta_m: int | None = Field(None, description="the plan's travelled distance change (metres)")
    cost_delta_cents: int = Field(description="the plan's cost change (negative: cheaper)")
    routes: list[str] = Field(description="ids of the routes the option changes or opens")
    removed_routes: list[str] = Field(description="ids of the routes the option empties")
    vehicles: list[str] = Field(description="names of the vehicles whose routes change")
    affected: list[EtaShiftOut]
    unassigned: list[UnassignedOut]
    inserted: bool | None = Field(None, description="insert: whether a route can take the order")
    reoptimized: bool | None = Field(None, description="insert: the route's open stops are re-optimized too")
    vehicle_id: str | None = Field(None, description="insert, relocate: the vehicle serving the order; "
                                   "redistribute: the vehicle taken out of service")  # fmt: skip
    vehicle_name: str | None = Field(None, description="relocate: the name of the vehicle serving the order")
    opens_route: bool | None = Field(None, description="insert, relocate: a vehicle without a route starts one")
    duration_delta_s: int | None = Field(None, description="insert: the route's duration change")
    route_id: str | None = Field(None, description="resequence: the route re-sequenced")
    windows: list[WindowTextOut] | None = Field(
        None, description="resequence, reschedule, relocate: the order's new windows"
    )
    order_id: str | None = Field(
        None, description="cancel, not_home, instructions, reschedule, pickup_point, relocate: the order"
    )
    location: LatLngOut | None = Field(None, description="relocate: the order's new place")
    address: str | None = Field(None, description="relocate: the new place's address")
    instructions: str | None = Field(None, description="instructions: the customer's new delivery instructions")
    safe_place: SafePlaceOut | None = Field(None, description="instructions: the customer's safe place")
    day: IsoDate | None = Field(None, description="reschedule: the order's new day")
    pickup_point_id: str | None = Field(None, description="pickup_point: the point the order now goes to")
    moved: dict[str, str] | None = Field(None, description="redistribute: order id -> vehicle id now serving it")
    subject_label: str | None = Field(None, description="the subject as people read it (reference, vehicle name)")


class ProposalOut(BaseModel):
    """A proposed change to a published plan and its options, cheapest first (the routes stay server-side)."""

    id: str
    plan_id: str
    kind: Literal[
        "insert", "cancel", "redistribute", "resequence", "instructions", "not_home", "reschedule", "pickup_point",
        "relocate",
    ]  # fmt: skip
    subject_id: str
    status: Literal["pending", "applied", "rejected", "stale"]
    created_at: IsoTime
    decided_at: IsoTime | None
    decided_by: str | None
    chosen: int | None = Field(description="the option applied")
    options: list[ProposalOptionOut]


class LivePositionOut(BaseModel):
    """The route's last known position."""

    lat: float
    lng: float
    at: IsoTime


class LiveEtaOut(BaseModel):
    """The latest estimate of one remaining stop."""

    order_id: str | None
    index: int = Field(description="the stop's place on the route")
    type: str = Field(examples=["delivery"])
    eta: IsoTime
    status: str = Field(examples=["on_time"])
    late_s: int
    as_of: IsoTime | None = Field(None, description="when this estimate was made (absent on older estimates)")
    dispatched: bool | None = Field(None, description="whether the route was dispatched then (absent on older ones)")


class LiveRouteOut(BaseModel):
    """A live route: progress, last position, ETAs and alerts (late risks), and its path for the map."""

    id: str
    plan_id: str
    date: IsoDate
    depot_id: str
    vehicle_id: str
    vehicle_name: str | None
    driver_id: str | None
    status: str
    version: int
    stops: int = Field(description="how many stops serve orders")
    done: int = Field(description="how many stops are done or under way")
    outcomes: dict[str, str] = Field(description="order id -> arrived / completed / failed")
    position: LivePositionOut | None
    etas: list[LiveEtaOut]
    alerts: list[LiveEtaOut] = Field(description="the ETAs of orders not on time")
    path: list[list[float]] = Field(description="[lat, lng] of every stop, depot included, in visit order")
    refs: dict[str, str] = Field(description="order id -> the client's reference")
    places: dict[str, list[float]] = Field(description="order id -> [lat, lng]")


class SnapshotOut(BaseModel):
    """Every live route of the organization's published plans and the pending proposals (also the first event
    of the live stream)."""

    type: Literal["snapshot"]
    at: IsoTime
    map_matching: bool = Field(description="trails can be fitted to the roads (the deployment has a road network)")
    routes: list[LiveRouteOut]
    proposals: list[ProposalOut]
