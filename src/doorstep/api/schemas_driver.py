"""Request and response bodies of the driver app API and the dispatcher's view of what drivers recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from doorstep.api.schemas_common import IsoDate, IsoTime, IssueOut, Strict

ClientId = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$", description="generated on the phone")


class CodeOut(BaseModel):
    """A one-time login code for a driver (shown once)."""

    driver_id: str
    code: str
    expires_at: datetime
    login_url: str = "/driver"


class SessionIn(Strict):
    """The code the dispatcher gave the driver."""

    code: str = Field(min_length=4, max_length=40)


class SessionOut(BaseModel):
    """A driver app session: send ``Authorization: Bearer <token>`` until ``expires_at``."""

    token: str
    expires_at: datetime
    driver_id: str
    driver_name: str


class PositionIn(Strict):
    """Where the phone was when the action happened."""

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)


class ProofBody(Strict):
    """Proof of delivery; photo and signature are base64 (a ``data:`` URL prefix is accepted)."""

    photo: str | None = Field(None, max_length=20_000_000)
    signature: str | None = Field(None, max_length=2_000_000)
    barcodes: list[str] = Field(default_factory=list, max_length=300, description="scanned or typed codes")
    recipient: str = Field("", max_length=200)
    safe_place: str = Field("", max_length=200, description="where the parcel was left when nobody took it")


class StopActionIn(Strict):
    """One action on a stop. Re-sending the same ``client_id`` returns the first answer."""

    client_id: str = ClientId
    status: Literal["arrived", "completed", "failed"]
    at: AwareDatetime
    position: PositionIn | None = None
    reason: str | None = Field(None, max_length=40, description="failed: a FailureReason value")
    note: str = Field("", max_length=1000)
    proof: ProofBody | None = None


class ScanOut(BaseModel):
    """Scanned barcodes against the order's item barcodes (``scanned``/``expected``, e.g. 2/3 scanned)."""

    expected: int
    scanned: int
    missing: list[str]
    unknown: list[str]


class StopActionOut(BaseModel):
    """The recorded action (the same body for every replay, with ``replayed: true``)."""

    id: str
    client_id: str
    stop_id: str
    route_id: str
    order_id: str | None
    status: str
    reason: str | None
    note: str
    at: str
    distance_m: int | None
    flagged: bool
    proof_id: str | None
    scan: ScanOut | None = Field(None, description="completed stops of orders with item barcodes (W1411, W1412)")
    warnings: list[IssueOut]
    replayed: bool
    route_version: int | None = Field(
        None, description="set when this stop was worked before earlier pending ones: the route's new version, "
        "with this stop moved after the last one touched and the skipped stops after it"
    )


class FixIn(Strict):
    """One GPS fix."""

    client_id: str = ClientId
    at: AwareDatetime
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    speed_mps: float | None = Field(None, ge=0, le=1_000)
    heading_deg: float | None = Field(None, ge=0, le=360)


class PositionsIn(Strict):
    """A batch of fixes (queued while offline), optionally for a route."""

    route_id: str | None = Field(None, max_length=64)
    positions: list[FixIn] = Field(max_length=100_000)


class PositionsOut(BaseModel):
    """Every stored or already-known client id is acknowledged; refused ones carry their issues."""

    acknowledged: list[str]
    stored: int
    duplicates: list[str]
    refused: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class LatLngOut(BaseModel):
    """A WGS84 position."""

    lat: float
    lng: float


class ContactOut(BaseModel):
    """Whom to ask for at the door."""

    name: str
    phone: str


class SafePlaceOut(BaseModel):
    """The customer's permission to leave the parcel somewhere safe, and where."""

    allowed: bool
    where: str


class ItemOut(BaseModel):
    """One item of the order as the driver lists it (empty ``sku``/``barcode`` when it has none)."""

    quantity: int
    description: str
    sku: str
    barcode: str


class DriverStopOut(BaseModel):
    """A stop as the driver app shows it, with the order's contact, instructions and items."""

    id: str
    seq: int
    type: str = Field(examples=["delivery"])
    order_kind: str | None = Field(description="a return is collected from the customer")
    status: str
    order_id: str | None
    order_status: str | None
    external_ref: str | None
    address: str
    pin: Literal["address", "interpolated", "street"] | None = Field(
        None, description="how exactly the pin was found from the address (docs/geocoding.md); null: coordinates"
    )
    location: LatLngOut
    contact: ContactOut
    instructions: str
    safe_place: SafePlaceOut | None
    items: list[ItemOut]
    barcodes: list[str] = Field(description="the item barcodes the proof form expects")
    window_start: IsoTime | None
    window_end: IsoTime | None
    eta: IsoTime = Field(description="the latest estimate, else the plan's")
    service_s: int


class DriverRouteOut(BaseModel):
    """One of the driver's routes: header, then stops in visit order."""

    id: str
    day: IsoDate | None
    status: str
    version: int
    vehicle_id: str
    vehicle_name: str | None
    driver_id: str | None
    stops: list[DriverStopOut]


class FailureReasonOut(BaseModel):
    """A reason the driver can give for a failed stop."""

    value: str
    label: str


class DriverRoutesOut(BaseModel):
    """The calling driver's published and dispatched routes, and the failure reasons the app offers."""

    driver_id: str
    routes: list[DriverRouteOut]
    failure_reasons: list[FailureReasonOut]
