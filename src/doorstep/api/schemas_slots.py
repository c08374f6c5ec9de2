"""Request and response bodies of /v1/slots: the slot policy, offers, holds and confirmations."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from doorstep.api.schemas_common import LatLngIn, Strict

Name = Field(min_length=1, max_length=40)


class ZoneIn(Strict):
    """Addresses served from a depot: within ``radius_m`` of it, or inside ``polygon`` (give one of them)."""

    id: str = Name
    name: str = Field("", max_length=200)
    depot_id: str = Field(max_length=64)
    radius_m: int | None = Field(None, description="metres from the depot (straight line)")
    polygon: list[LatLngIn] | None = Field(None, description="at least 3 points, in order")


class TemplateIn(Strict):
    """Windows of ``length_min`` minutes every ``step_min`` (default: the length) from ``start`` to ``end``
    (the depot's local time) on ``days``, closing ``cutoff_min`` before they start, ``max_orders`` each."""

    id: str = Name
    zone_id: str = Field(max_length=40)
    service_level: str = Field("standard", max_length=40, examples=["standard", "premium"])
    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], max_length=7)
    start: str = Field(examples=["08:00"], max_length=5)
    end: str = Field(examples=["20:00"], max_length=5)
    length_min: int = Field(examples=[120])
    step_min: int | None = None
    cutoff_min: int = Field(0, description="booking closes this many minutes before the window starts")
    max_orders: int = Field(description="orders per window and zone (confirmed and held)")


class BlackoutIn(Strict):
    """A date without windows, in one zone or (no zone) in every zone."""

    date: dt.date
    zone_id: str | None = Field(None, max_length=40)


class PriceIn(Strict):
    """What a window of this service level and length costs the customer."""

    service_level: str = Field(max_length=40)
    length_min: int
    price_cents: int


class ServiceLevelIn(Strict):
    """A same-day level (booked before ``cutoff``, delivered today by ``until``, proposed into the live plan) or an
    express one (delivered within ``within_min`` minutes of the order): today's one window per zone, at most
    ``max_orders`` per zone and day, at ``price_cents``; or a pickup level (offers for a ``pickup_point_id``: the
    point's days with room, at ``price_cents``)."""

    id: str = Name
    kind: str = Field(max_length=20, examples=["same_day", "express", "pickup"])
    zone_ids: list[str] = Field(default_factory=list, max_length=50, description="empty: every zone")
    cutoff: str | None = Field(None, max_length=5, examples=["12:00"])
    until: str | None = Field(None, max_length=5, examples=["20:00"])
    within_min: int | None = Field(None, examples=[180])
    max_orders: int | None = Field(None, description="required except for a pickup level (each point's capacity)")
    price_cents: int | None = None


class SlotPolicyIn(Strict):
    """The organization's delivery promises (docs/slots.md)."""

    zones: list[ZoneIn] = Field(max_length=50)
    templates: list[TemplateIn] = Field(max_length=100)
    blackouts: list[BlackoutIn] = Field(default_factory=list, max_length=1000)
    ranking: Literal["cheapest", "greenest", "earliest", "likely_home"] = Field(
        "cheapest", description="likely_home: most likely reached first when learned times are on, else cheapest"
    )
    green_km: float = Field(1.0, description="an offer adding fewer kilometres than this is green")
    service_s: int = Field(120, description="service time of a slot order at the door")
    prices: list[PriceIn] = Field(default_factory=list, max_length=200)
    service_levels: list[ServiceLevelIn] = Field(default_factory=list, max_length=100)


class SlotPolicyOut(BaseModel):
    """The stored policy and its version (send it back with the next PUT)."""

    version: int
    policy: dict[str, Any]


class OfferIn(Strict):
    """Where (an address's ``location``, the ``address`` itself on a deployment with an address index, or a
    ``pickup_point_id`` for the policy's pickup level: give one), which days and how big: the windows Doorstep can
    keep there."""

    location: LatLngIn | None = None
    address: str | None = Field(
        None, max_length=500, description="placed by the road network's address index (docs/geocoding.md)"
    )
    pickup_point_id: str | None = Field(None, max_length=64, description="offer this pickup point's days instead")
    date_from: dt.date
    date_to: dt.date
    parcels: int = Field(1, ge=1, le=10_000)
    weight_g: int | None = Field(None, ge=0, le=2_000_000_000)
    volume_cm3: int | None = Field(None, ge=0, le=2_000_000_000)
    skills: list[str] = Field(default_factory=list, max_length=20)
    service_levels: list[str] = Field(default_factory=list, max_length=20, description="empty: every level")


class ReachOut(BaseModel):
    """How likely a delivery attempt in the window finds the customer, learned from the record (docs/learning.md)."""

    rate: float = Field(description="estimated chance (0-1) an attempt in the window reaches the customer")
    observations: int = Field(description="attempts behind it at its level (address: all attempts there)")
    level: str = Field(description="address, neighbourhood or organization: the most specific level with attempts")


class OfferOut(BaseModel):
    """One window Doorstep can keep, what it costs the route and the customer."""

    id: str
    start: dt.datetime
    end: dt.datetime
    service_level: str
    kind: Literal["scheduled", "same_day", "express", "pickup"] = Field(
        description="a template's window (scheduled) or a service level's: same_day, express, pickup"
    )
    zone_id: str | None = Field(description="the zone of an address's offer (none for a pickup point's)")
    pickup_point_id: str | None = Field(None, description="the point of a pickup offer (its opening hours that day)")
    cost_cents: int = Field(description="marginal route cost of serving the address in this window")
    km_added: float
    capacity_left: int
    green: bool = Field(description="a van already passes nearby: the window adds less than the policy's green_km")
    price_cents: int | None
    expires_at: dt.datetime
    reach: ReachOut | None = Field(
        None, description="the chance the customer is home then (learned times on; else null; docs/slots.md)"
    )
    suggested: bool | None = Field(
        None, description="reach within 0.05 of the best offered: the customer is usually home (null: not learned)"
    )


class Reason(BaseModel):
    """Why there are no offers."""

    code: str
    message: str
    action: str


class PlacedOut(BaseModel):
    """Where an ``address`` asked for was placed (the offers are for that place)."""

    label: str
    precision: Literal["address", "interpolated", "street", "postcode"] = Field(
        description="at the house; between two known numbers; on the street; in the middle of a postcode's area "
        "(the address named only a postcode: windows for the area)"
    )
    lat: float
    lng: float
    warning: str | None = Field(
        description="W1212's message when placed on the street, between numbers or in a postcode's area"
    )


class OffersOut(BaseModel):
    """The offers, best first by the organization's ranking; none with a reason when the address is not served."""

    offers: list[OfferOut]
    placed: PlacedOut | None = Field(None, description="where the address asked for was placed (null for location)")
    zone_id: str | None
    pickup_point_id: str | None = None
    ranking: str | None
    reason: Reason | None = None


class NearPointsIn(Strict):
    """Where the customer is (``location``, or ``address`` on a deployment with an address index: give one): the
    pickup points near it, nearest first."""

    location: LatLngIn | None = None
    address: str | None = Field(
        None, max_length=500, description="placed by the road network's address index (docs/geocoding.md)"
    )
    within_m: int = Field(
        5_000, ge=100, le=50_000,
        description="metres from the location: walking on a deployment with a walking network "
        "(DOORSTEP_FOOT_NETWORK), else in a straight line",
    )  # fmt: skip
    limit: int = Field(5, ge=1, le=20)


class NearPointOut(BaseModel):
    """A pickup point the customer may collect from (ask ``POST /v1/slots/offers`` with its id for its days)."""

    id: str
    name: str
    kind: Literal["counter", "locker"]
    address: str
    lat: float
    lng: float
    distance_m: int = Field(description="straight-line metres from the location asked")
    walk_m: int | None = Field(None, description="metres on foot from the location (null without a walking network)")
    walk_s: int | None = Field(None, description="seconds on foot from the location (null without a walking network)")
    hours: dict[str, list[list[str]]] = Field(description="weekday -> [[opens, closes], ...], local to the depot")


class NearPointsOut(BaseModel):
    """The points, nearest first; none with the reason (E1554 no pickup level, E2274 none that near)."""

    points: list[NearPointOut]
    ranked_by: Literal["walk", "straight_line"] = Field(
        "straight_line", description="walk: by the walk on the deployment's walking network; else the straight line"
    )
    placed: PlacedOut | None = Field(None, description="where the address asked for was placed (null for location)")
    reason: Reason | None = None


class HoldIn(Strict):
    """Reserve an offered window."""

    offer_id: str = Field(max_length=64)


class HoldOut(BaseModel):
    """A place reserved in a window until ``expires_at`` (then freed unless confirmed)."""

    id: str
    offer_id: str
    status: Literal["held", "confirmed", "expired", "released"]
    start: dt.datetime
    end: dt.datetime
    service_level: str
    expires_at: dt.datetime
    order_id: str | None


class ConfirmIn(Strict):
    """The customer the order is for."""

    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=320)
    language: str = Field("", max_length=10)
    external_ref: str = Field("", max_length=200, description="the shop's reference (default: slot-<hold id>)")
    instructions: str = Field("", max_length=1000)


class ConfirmOut(BaseModel):
    """The order made from the hold; ``replayed`` when it had been confirmed before (the same order)."""

    hold: HoldOut
    order_id: str
    external_ref: str
    order_status: str
    replayed: bool


class SlotUseOut(BaseModel):
    """One window and how full it is. A same-day or express level is one row per zone and day (its count): from
    the day's start to when it delivers by (same-day: ``until``; express: the day's end), ``closes`` at the
    same-day cut-off; ``template_id`` and ``service_level`` are the level's id. Windows come by start, then the
    levels by id."""

    start: dt.datetime
    end: dt.datetime
    kind: Literal["scheduled", "same_day", "express"]
    closes: dt.datetime
    template_id: str
    service_level: str
    max_orders: int
    confirmed: int
    held: int
    free: int


class ZoneDayOut(BaseModel):
    """A zone's windows on a day, with totals; ``utilisation`` is taken places over the day's maximum."""

    zone_id: str
    date: dt.date
    max_orders: int
    confirmed: int
    held: int
    utilisation: float
    slots: list[SlotUseOut]


class PointDayOut(BaseModel):
    """A pickup point's day: the parcels booked (its orders, cancelled and failed ones excepted) and held (live
    pickup slot holds) against its capacity; ``utilisation`` is both over the capacity."""

    pickup_point_id: str
    name: str
    kind: Literal["counter", "locker"]
    active: bool
    depot_id: str
    date: dt.date
    capacity_parcels: int
    booked_parcels: int
    held_parcels: int
    free_parcels: int
    utilisation: float


class UtilisationOut(BaseModel):
    """Per zone and day, in date order; ``policy_set`` false (and no days) before the slot policy is set. Per
    pickup point and day the point is open (by day, then name), with or without a policy."""

    days: list[ZoneDayOut]
    policy_set: bool
    points: list[PointDayOut] = Field(default_factory=list)
