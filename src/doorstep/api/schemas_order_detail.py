"""What an order's page reads besides the order: the driver's actions on its stops with their proofs, and the
preview of cancelling it (its route, the cost change and the ETAs that move)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from doorstep.api.schemas_common import Out
from doorstep.api.schemas_driver import ScanOut


class ProofFileOut(Out):
    """A photo or signature of a proof: where to fetch it and its size."""

    url: str
    bytes: int
    type: str | None = None


class ProofOut(Out):
    """What the driver left at the door."""

    id: str
    stop_id: str
    order_id: str | None
    recipient: str
    safe_place: str = ""
    barcodes: list[str]
    at: dt.datetime
    lat: float | None
    lng: float | None
    photo: ProofFileOut | None
    signature: ProofFileOut | None


class StopEventOut(Out):
    """One driver action on a stop of the order (arrived, completed, failed), with its proof."""

    id: str
    stop_id: str
    route_id: str
    order_id: str | None
    status: str
    reason: str | None
    note: str
    at: dt.datetime
    distance_m: int | None
    flagged: bool
    scan: ScanOut | None
    actor: str
    driver_id: str | None
    proof: ProofOut | None


class EtaMoveOut(Out):
    """A promised time that moves when the change is applied."""

    order_id: str
    external_ref: str
    route_id: str
    before: dt.datetime
    after: dt.datetime
    shift_s: int


class CancelRouteOut(Out):
    """The live route the order is on."""

    route_id: str
    plan_id: str
    vehicle_name: str
    status: str
    driver_id: str | None


class CancelPreviewOut(Out):
    """The effect of cancelling an order. ``route`` null: it is on no published route and the plan does not change
    (cancel with ``POST /v1/orders/{id}/cancel``). Otherwise ``proposal_id`` names a pending proposal that takes it
    off ``route``: approve it (``POST /v1/live/proposals/{id}/approve``) to cancel, reject it to keep the order."""

    order_id: str
    external_ref: str
    status: str
    currency: str = Field(description="ISO 4217 code of the money amounts")
    route: CancelRouteOut | None
    proposal_id: str | None
    cost_delta_cents: int = Field(description="the plan's cost change (negative: cheaper)")
    vehicles: list[str] = Field(description="the vehicles whose routes change")
    moved: list[EtaMoveOut] = Field(description="the other orders whose ETAs move by a minute or more")
