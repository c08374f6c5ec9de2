"""What the customer tracking page shows (``GET /v1/track/{token}``, the ``/t/{token}`` page and its stream), the
staff's tracking links, and how the web layer asks for a page. No field carries an internal id."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, Field

from doorstep.api.schemas_common import Strict

PublicStatus = Literal["new", "planned", "out_for_delivery", "arriving", "delivered", "failed", "cancelled"]


class StepOut(BaseModel):
    """One step of the status timeline."""

    step: Literal["planned", "out_for_delivery", "arriving", "delivered", "failed", "cancelled"]
    label: str
    state: Literal["done", "current", "todo"]
    at: dt.datetime | None = Field(description="when the step was reached (recorded events)")
    time: str = Field(description="``at`` as the customer reads it (local time, their locale)")


class EtaOut(BaseModel):
    """The arrival window (docs/tracking.md: the narrowing rule)."""

    start: dt.datetime
    end: dt.datetime
    text: str
    margin_minutes: int = Field(description="the margin each side of the expected arrival")
    stops_before: int | None = Field(description="customer stops still before this one (null: not started)")
    progress: str


class DriverOut(BaseModel):
    """The driver's last position, only while this stop is the next one."""

    lat: float
    lng: float
    at: str | None
    text: str


class ProofOut(BaseModel):
    """The proof of delivery (the photo is served at ``/v1/track/{token}/photo`` where the organization allows)."""

    time: str
    received_by: str
    left_at: str
    photo: bool


class DeliveredByOut(BaseModel):
    """The partner carrier that has the parcel (docs/carriers.md), in the customer's words."""

    name: str
    text: str = Field(description='"Delivered by <carrier>"')
    url: str = Field(description="the carrier's tracking page (http or https only; empty when it gave none)")
    link: str = Field(description="the link's text (empty without a url)")
    reference: str = Field(description="the carrier's tracking number, worded (empty for a manifest carrier)")


class TagOptionOut(BaseModel):
    """A feedback tag the customer may pick, in their language."""

    tag: str
    label: str


class FeedbackStateOut(BaseModel):
    """Whether the delivery can be rated, and the rating given so far."""

    open: bool
    rating: int | None
    tags: list[str]
    comment: str
    options: list[TagOptionOut]


class ChangesOut(BaseModel):
    """What the customer may still change (instructions, safe place, not home today), and why not once closed."""

    open: bool
    instructions: str
    safe_place_allowed: bool
    safe_place: str
    closed: str = Field(description="why changes are closed, while a delivery is still to come; else empty")
    pickup: bool = Field(
        False, description="a switch to a pickup point is on offer (the order is not planned yet and its depot has one)"
    )
    address: bool = Field(
        False,
        description="a move to another address nearby is on offer (a door delivery, new or on a live route, on a "
        "deployment with an address index)",
    )


class InstructionsBody(Strict):
    """Delivery instructions and the safe-place permission (E1457 past 500 and 200 characters)."""

    instructions: str = Field("", max_length=20_000)
    safe_place_allowed: bool = False
    safe_place: str = Field("", max_length=20_000, description="where the parcel may be left")


class AddressChangeBody(Strict):
    """The address the parcel should go to instead (as typed or as a suggestion's ``text``)."""

    address: str = Field(min_length=1, max_length=500)


class PickupSwitchBody(Strict):
    """The pickup point the customer collects the parcel from instead."""

    pickup_point_id: str = Field(max_length=64)


class PickupWindowOut(BaseModel):
    """One opening period of a point on the delivery's day."""

    start: dt.datetime
    end: dt.datetime


class PickupChoiceOut(BaseModel):
    """A pickup point the delivery can switch to."""

    id: str
    name: str
    kind: str
    address: str
    lat: float
    lng: float
    windows: list[PickupWindowOut] = Field(description="its opening periods on the delivery's day (local time)")
    distance_m: int | None = Field(
        None, description="straight-line metres from the customer's address (null: no address of theirs is known)"
    )
    walk_m: int | None = Field(None, description="metres on foot from the address (null without a walking network)")
    walk_s: int | None = Field(None, description="seconds on foot from the address (null without a walking network)")


class BrandOut(BaseModel):
    """The organization's colour (``#rrggbb``), the text colour that reads on it, and its logo: an https URL, or
    ``/v1/track/{token}/logo`` for a logo Doorstep stores itself; empty for none."""

    colour: str
    text: str
    logo_url: str = ""


class TrackingOut(BaseModel):
    """One order as its customer sees it."""

    language: str
    organization: str
    brand: BrandOut
    reference: str
    status: PublicStatus
    headline: str
    steps: list[StepOut]
    eta: EtaOut | None
    booked: str
    driver: DriverOut | None
    proof: ProofOut | None
    next_step: str
    carrier: DeliveredByOut | None = Field(None, description="a partner carrier has the parcel (null: our fleet)")
    feedback: FeedbackStateOut
    changes: ChangesOut
    updated: str
    as_of: dt.datetime


class TrackingLinkOut(BaseModel):
    """A new tracking link: the token is shown once (only its hash is stored)."""

    id: str
    token: str
    url: str = Field(description="the customer's page, on DOORSTEP_PUBLIC_URL")
    api_url: str = Field(description="the page's JSON")
    stream: str = Field(description="the page's live updates (SSE)")
    expires_at: dt.datetime


class TrackingLinkRowOut(BaseModel):
    """A link issued for an order (without its token)."""

    id: str
    issued_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: str | None

    model_config = {"from_attributes": True}


class RevokedOut(BaseModel):
    """How many links were still open and are revoked now."""

    revoked: int


class OrgSettingsIn(Strict):
    """The organization's customer-facing settings."""

    tracking_photo: bool = Field(description="show the proof-of-delivery photo on the tracking page")


class OrgSettingsOut(BaseModel):
    """The organization's name and customer-facing settings."""

    name: str
    tracking_photo: bool


class FeedbackBody(Strict):
    """A customer's rating of a delivery (checked by the service, every problem at once: E1454, E1455, E1456)."""

    rating: int = Field(description="1 (bad) to 5 (excellent)", examples=[5])
    tags: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, max_length=20, description="on_time, careful, friendly, safe_place, late, damaged, "
        "instructions_ignored",
    )  # fmt: skip
    comment: str = Field("", max_length=20_000, description="at most 1,000 characters are accepted")


class FeedbackGivenOut(BaseModel):
    """The feedback as stored (a later submission replaces it)."""

    rating: int
    tags: list[str]
    comment: str
    revisions: int = Field(description="how many times it was submitted")
    updated_at: dt.datetime

    model_config = {"from_attributes": True}


class FeedbackOut(FeedbackGivenOut):
    """A customer's feedback as staff see it: with the order, the delivery day, and who delivered it."""

    id: str
    order_id: str
    external_ref: str
    day: dt.date
    route_id: str | None
    driver_id: str | None
    language: str
    created_at: dt.datetime


class TrackingPageOut(BaseModel):
    """What the server-rendered page needs: the content and the page's words in the customer's language."""

    content: TrackingOut
    words: dict[str, str]


class TrackingPages(Protocol):
    """How the web layer gets a page (the app factory puts one on ``app.state.tracking``)."""

    def page(self, token: str) -> TrackingPageOut | None:
        """The page of a valid link; None for any link that does not open (one answer for every reason)."""
        ...

    def missing(self, accept_language: str) -> dict[str, str]:
        """The words of the not-found page, in the browser's language (no order says which)."""
        ...
