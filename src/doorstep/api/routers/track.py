"""The customer's tracking: staff issue, list and revoke links (``/v1/live/...``); the public, token-only
``/v1/track/{token}`` JSON, its live stream and the delivery photo; the organization's tracking settings."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.errors import error_response
from doorstep.api.schemas_common import ERRORS, DayParam
from doorstep.api.schemas_geocode import SuggestOut
from doorstep.api.schemas_reschedule import RescheduleBody, RescheduleOut, RescheduleRefusedOut
from doorstep.api.schemas_tracking import (
    AddressChangeBody,
    FeedbackBody,
    FeedbackGivenOut,
    FeedbackOut,
    InstructionsBody,
    OrgSettingsIn,
    OrgSettingsOut,
    PickupChoiceOut,
    PickupSwitchBody,
    PickupWindowOut,
    RevokedOut,
    TrackingLinkOut,
    TrackingLinkRowOut,
    TrackingOut,
    TrackingPageOut,
)
from doorstep.api.sse import HEADERS, relay
from doorstep.domain.errors import DoorstepError
from doorstep.notify.tracking_words import accepted_language, words
from doorstep.services.accounts import org_settings
from doorstep.services.customer import (
    address_change,
    feedback,
    pickup_switch,
    reschedule,
    self_service,
    tracking_links,
    tracking_page,
)
from doorstep.services.customer.tracking_links import Opened
from doorstep.services.kernel.platform import Platform

router = APIRouter(responses=ERRORS)
LimitQ = Annotated[int, Query(ge=0, le=100_000, description="close after this many events (0: never)")]
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}  # a page for one person, not for caches


@router.post("/v1/live/orders/{order_id}/tracking-token", tags=["tracking"], response_model=TrackingLinkOut,
             summary="Issue a customer tracking link")  # fmt: skip
def issue_link(order_id: str, request: Request, p: PlatformDep, actor: ActorDep) -> TrackingLinkOut:
    """A new link to the order's tracking page, valid ``DOORSTEP_TRACKING_TTL_S`` (3 days by default); the token
    is shown only now. Messages to the customer carry links of their own."""
    issued = tracking_links.issue_for(p, actor, order_id)
    base = p.channels.public_url
    return TrackingLinkOut(
        id=issued.id, token=issued.token, url=f"{base}/t/{issued.token}", api_url=f"/v1/track/{issued.token}",
        stream=f"/v1/track/{issued.token}/stream", expires_at=issued.expires_at,
    )  # fmt: skip


@router.get("/v1/live/orders/{order_id}/tracking-tokens", tags=["tracking"],
            response_model=list[TrackingLinkRowOut], summary="An order's tracking links")  # fmt: skip
def list_links(order_id: str, p: PlatformDep, actor: ActorDep) -> list[TrackingLinkRowOut]:
    """Every link issued for the order (by staff or in a message), oldest first; tokens are not kept."""
    return [TrackingLinkRowOut.model_validate(r) for r in tracking_links.links_of(p, actor, order_id)]


@router.delete("/v1/live/orders/{order_id}/tracking-tokens", tags=["tracking"], response_model=RevokedOut,
               summary="Revoke an order's tracking links")  # fmt: skip
def revoke_order_links(order_id: str, p: PlatformDep, actor: ActorDep) -> RevokedOut:
    """Every link of the order stops working at once (a link that reached the wrong person); new links can be
    issued afterwards."""
    return RevokedOut(revoked=tracking_links.revoke_order(p, actor, order_id))


@router.delete("/v1/live/tracking-tokens/{token_id}", tags=["tracking"], status_code=204,
               summary="Revoke one tracking link")  # fmt: skip
def revoke_link(token_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """The link stops working at once (idempotent)."""
    tracking_links.revoke(p, actor, token_id)
    return Response(status_code=204)


@router.get("/v1/organization/settings", tags=["organization"], response_model=OrgSettingsOut,
            summary="The organization's settings")  # fmt: skip
def get_org_settings(p: PlatformDep, actor: ActorDep) -> OrgSettingsOut:
    """The name customers see and whether the tracking page shows the delivery photo."""
    row = org_settings.current(p, actor)
    return OrgSettingsOut(name=row.name, tracking_photo=row.tracking_photo)


@router.put("/v1/organization/settings", tags=["organization"], response_model=OrgSettingsOut,
            summary="Change the organization's settings (admin)")  # fmt: skip
def put_org_settings(body: OrgSettingsIn, p: PlatformDep, actor: ActorDep) -> OrgSettingsOut:
    """Show (or stop showing) the proof-of-delivery photo on customers' tracking pages."""
    row = org_settings.update(p, actor, tracking_photo=body.tracking_photo)
    return OrgSettingsOut(name=row.name, tracking_photo=row.tracking_photo)


@router.get("/v1/track/{token}", tags=["tracking"], response_model=TrackingOut,
            summary="An order as its customer sees it (public, by token)")  # fmt: skip
def track(token: str, p: PlatformDep, response: Response) -> TrackingOut:
    """The tracking page's content: status timeline, arrival window, the driver when next, proof of delivery,
    feedback. 404 (E1451) for any link that does not open, whatever is wrong with it."""
    response.headers.update(PRIVATE)
    return TrackingOut.model_validate(tracking_page.view(p, tracking_links.resolve(p, token)))


@router.post("/v1/track/{token}/feedback", tags=["tracking"], response_model=FeedbackGivenOut,
             summary="Rate a delivered order (public, by token)")  # fmt: skip
def give_feedback(token: str, body: FeedbackBody, p: PlatformDep) -> FeedbackGivenOut:
    """A 1–5 rating, optional tags and a comment, once the order is delivered (409 E2170 before). One feedback per
    order: sending again replaces it (``revisions`` counts). Every problem of the input at once: E1454 rating,
    E1455 unknown tag, E1456 comment over 1,000 characters."""
    given = feedback.FeedbackIn(body.rating, tuple(body.tags), body.comment)
    return FeedbackGivenOut.model_validate(feedback.submit(p, tracking_links.resolve(p, token), given))


def _staff(rows: list[Any], refs: dict[str, Any]) -> list[FeedbackOut]:
    return [FeedbackOut.model_validate({**_row(r), "external_ref": refs.get(r.order_id, "")}) for r in rows]


def _row(r: Any) -> dict[str, Any]:
    keys = ("id", "order_id", "day", "route_id", "driver_id", "language", "rating", "tags", "comment", "revisions",
            "created_at", "updated_at")  # fmt: skip
    return {k: getattr(r, k) for k in keys}


@router.get("/v1/feedback", tags=["feedback"], response_model=list[FeedbackOut], summary="Customers' feedback")
def list_feedback(
    p: PlatformDep,
    actor: ActorDep,
    start: Annotated[DayParam | None, Query(alias="from", description="first delivery day (inclusive)")] = None,
    end: Annotated[DayParam | None, Query(alias="to", description="last delivery day (inclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> list[FeedbackOut]:
    """Feedback on deliveries of days ``from``..``to`` (the order's day), newest day first, with the route and
    driver that delivered each order."""
    rows = feedback.list_feedback(p, actor, start, end, limit)
    return _staff(rows, feedback.references(p, actor, rows))


@router.get("/v1/orders/{order_id}/feedback", tags=["feedback"], response_model=FeedbackOut | None,
            summary="An order's customer feedback")  # fmt: skip
def order_feedback(order_id: str, p: PlatformDep, actor: ActorDep) -> FeedbackOut | None:
    """The customer's rating of the order (null until they give one)."""
    row = feedback.of_order(p, actor, order_id)
    return None if row is None else _staff([row], feedback.references(p, actor, [row]))[0]


@router.put("/v1/track/{token}/instructions", tags=["tracking"], response_model=TrackingOut,
            summary="Leave delivery instructions (public, by token)")  # fmt: skip
def put_instructions(token: str, body: InstructionsBody, p: PlatformDep) -> TrackingOut:
    """Instructions for the driver and whether the parcel may be left in a safe place, until the stop is among the
    driver's next three (409 E2171 after). On a live route this is an ``instructions`` proposal, applied at once;
    the driver's app shows it. Answers the page's new content."""
    opened = tracking_links.resolve(p, token)
    given = self_service.InstructionsIn(body.instructions, body.safe_place_allowed, body.safe_place)
    self_service.set_instructions(p, opened, given)
    return TrackingOut.model_validate(tracking_page.view(p, opened))


@router.post("/v1/track/{token}/not-home", tags=["tracking"], response_model=TrackingOut,
             summary="Not home today (public, by token)")  # fmt: skip
def post_not_home(token: str, p: PlatformDep) -> TrackingOut:
    """The order leaves today's route (a ``not_home`` proposal, applied at once) and moves to the next day, back to
    ``new`` with its windows a day later, until the stop is among the driver's next three (409 E2171 after)."""
    opened = tracking_links.resolve(p, token)
    self_service.not_home(p, opened)
    return TrackingOut.model_validate(tracking_page.view(p, opened))


@router.get("/v1/track/{token}/pickup-points", tags=["tracking"], response_model=list[PickupChoiceOut],
            summary="Pickup points the delivery can switch to (public, by token)")  # fmt: skip
def get_pickup_points(token: str, p: PlatformDep) -> list[PickupChoiceOut]:
    """The active points of the order's depot open on its day with room for it, with that day's opening periods,
    nearest to the customer's address first (by the walk on a deployment with a walking network, with
    ``walk_m``/``walk_s``; by name when the order was booked to a point); 409 E2272 for an order planned but on no
    live route, E2171 once changes closed."""
    opened = tracking_links.resolve(p, token)
    return [_choice(c) for c in pickup_switch.choices(p, opened)]


def _choice(c: pickup_switch.Choice) -> PickupChoiceOut:
    windows = [PickupWindowOut(start=w.start, end=w.end) for w in c.windows]
    far = c.reach
    return PickupChoiceOut(
        id=c.point.id, name=c.point.name, kind=c.point.kind.value, address=c.point.address,
        lat=c.point.location.lat, lng=c.point.location.lng, windows=windows,
        distance_m=far.distance_m if far else None, walk_m=far.walk_m if far else None,
        walk_s=far.walk_s if far else None,
    )  # fmt: skip


@router.post("/v1/track/{token}/pickup-point", tags=["tracking"], response_model=TrackingOut,
             summary="Collect the parcel at a pickup point instead (public, by token)")  # fmt: skip
def post_pickup_point(token: str, body: PickupSwitchBody, p: PlatformDep) -> TrackingOut:
    """The order goes to the point instead: its place, opening hours that day and handover time, within its
    capacity (409 E2271 full, E2270 inactive, E1573 closed that day). A new order changes directly; on a live
    route it is a ``pickup_point`` proposal applied at once (409 E2273 when no van can reach the point in its
    hours); 409 E2272 for an order planned but on no live route. Answers the page's new content."""
    opened = tracking_links.resolve(p, token)
    pickup_switch.switch(p, opened, body.pickup_point_id)
    return TrackingOut.model_validate(tracking_page.view(p, opened))


@router.get("/v1/track/{token}/address-suggestions", tags=["tracking"], response_model=SuggestOut,
            summary="Addresses near the one booked, while the customer types (public, by token)")  # fmt: skip
def get_address_suggestions(
    token: str,
    p: PlatformDep,
    response: Response,
    q: Annotated[str, Query(min_length=1, max_length=500, description="what has been typed so far")],
    limit: Annotated[int, Query(ge=1, le=20, description="at most this many suggestions")] = 6,
) -> dict[str, Any]:
    """What the typed text may be (as ``GET /v1/geocode/suggest``), only addresses within 3 km of the one the
    order was booked to, nearest it first; 409 E2174 for an order whose address cannot change here, E2171 once
    changes closed, E3015 on a deployment without an address index."""
    response.headers.update(PRIVATE)
    opened = tracking_links.resolve(p, token)
    found = address_change.suggestions(p, opened, q, limit)
    return {"geocoder": p.geocoder.name if p.geocoder else "", "suggestions": [
        {"text": s.text, "label": s.label, "precision": s.precision.value,
         "location": {"lat": s.location.lat, "lng": s.location.lng}} for s in found]}  # fmt: skip


@router.post("/v1/track/{token}/address", tags=["tracking"], response_model=TrackingOut,
             summary="Deliver to another address nearby (public, by token)")  # fmt: skip
def post_address(token: str, body: AddressChangeBody, p: PlatformDep) -> TrackingOut:
    """The parcel goes to this address instead, placed by the address index (422 E1134 not found, E1135
    ambiguous, E1136 a postcode only) within 3 km of the address booked (409 E2173 farther). A new order moves
    directly; on a live route it is a ``relocate`` proposal applied at once (409 E2136 when no van can get there
    in its windows). 409 E2174 for a pickup-point order, one that is not a delivery, or one planned but on no live
    route; E2171 once changes closed. Answers the page's new content."""
    opened = tracking_links.resolve(p, token)
    address_change.change(p, opened, body.address)
    return TrackingOut.model_validate(tracking_page.view(p, opened))


@router.get("/v1/track/{token}/reschedule", tags=["tracking"], response_model=RescheduleOut,
            summary="The windows the delivery can move to (public, by token)")  # fmt: skip
def get_reschedule(token: str, p: PlatformDep, response: Response) -> RescheduleOut:
    """Today's and the next six days' windows the order can move to, each feasible by insertion into that day's
    plan (the slot policy's windows, else two-hour windows 08:00-20:00; docs/tracking.md); ``open`` false with the
    reason once changes are closed."""
    response.headers.update(PRIVATE)
    return RescheduleOut.model_validate(reschedule.panel(p, tracking_links.resolve(p, token)))


@router.post("/v1/track/{token}/reschedule", tags=["tracking"], response_model=TrackingOut,
             responses={409: {"model": RescheduleRefusedOut}},
             summary="Move the delivery to another window (public, by token)")  # fmt: skip
def post_reschedule(token: str, body: RescheduleBody, p: PlatformDep) -> Response | TrackingOut:
    """Move to one of the windows on offer: on no live route at once, on a live route as a ``reschedule``
    proposal applied at once. 409 E2172 with the windows still on offer when the window is not (any more) on
    offer; 409 E2171 once changes are closed. Answers the page's new content."""
    opened = tracking_links.resolve(p, token)
    try:
        reschedule.move(p, opened, body.start, body.end)
    except reschedule.WindowGoneError as exc:
        refused = error_response(exc)
        content = {**exc.envelope(), "reschedule": RescheduleOut.model_validate(exc.still).model_dump(mode="json")}
        return JSONResponse(content, status_code=refused.status_code)
    return TrackingOut.model_validate(tracking_page.view(p, opened))


@router.get("/v1/track/{token}/photo", tags=["tracking"], summary="The delivery photo (public, by token)",
            response_class=Response, responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}})  # fmt: skip
def photo(token: str, p: PlatformDep) -> Response:
    """The proof-of-delivery photo where the organization shows photos (404 E1451 otherwise)."""
    found = tracking_page.proof_photo(p, tracking_links.resolve(p, token))
    if found is None:
        raise tracking_links.not_found()
    return Response(found[0], media_type=found[1], headers=PRIVATE)


# A logo stored as a data: URL is served from here; an SVG opened on its own (not as an <img>) must not run
# scripts in this origin: its own policy sandboxes it and allows nothing but its inline styles.
LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@router.get("/v1/track/{token}/logo", tags=["tracking"], summary="The organization's logo (public, by token)",
            response_class=Response, responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}})  # fmt: skip
def logo(token: str, p: PlatformDep) -> Response:
    """The logo of the organization's branding when it was given as a data: URL (404 E1451 otherwise)."""
    found = tracking_page.logo_image(p, tracking_links.resolve(p, token))
    if found is None:
        raise tracking_links.not_found()
    headers = {"Cache-Control": "private, max-age=3600", "X-Robots-Tag": "noindex", "Content-Security-Policy": LOGO_CSP}
    return Response(found.data, media_type=found.media_type, headers=headers)


STILL = ("as_of", "updated")  # what changes with every computation (not a reason to send the page again)
RECHECK_S = 60.0  # a stream re-checks its link (expiry, revocation) at least this often


@dataclass
class _Follow:
    """What one customer's stream knows: the link, the route it listens to, the content last sent."""

    p: Platform
    token: str
    opened: Opened
    route_id: str | None
    last: dict[str, Any]
    checked: float

    def relevant(self, event: dict[str, Any]) -> bool:
        """An ETA, stop or change of the order's route, the order's own stop event or carrier status, or missed
        events."""
        kind = event.get("type")
        if kind == "gap":
            return True
        if kind == "carrier_status":  # a partner carrier has the parcel: its statuses move the page
            return event.get("order_id") == self.opened.order_id
        if kind not in ("eta", "stop", "route_changed"):
            return False
        return event.get("order_id") == self.opened.order_id or event.get("route_id") == self.route_id

    def refresh(self) -> dict[str, Any] | None:
        """The content again (None: unchanged); ``gone`` once the link stopped working."""
        try:
            if time.monotonic() - self.checked > RECHECK_S:
                self.opened, self.checked = tracking_links.resolve(self.p, self.token), time.monotonic()
            content, self.route_id = tracking_page.view_and_route(self.p, self.opened)
        except DoorstepError:
            return {"type": "gone"}
        if {k: v for k, v in content.items() if k not in STILL} == {
            k: v for k, v in self.last.items() if k not in STILL
        }:
            return None
        self.last = content
        return {"type": "tracking", **_public(content)}


def _public(content: dict[str, Any]) -> dict[str, Any]:
    """The content as the JSON endpoint shows it (validated by the same schema)."""
    out: dict[str, Any] = json.loads(TrackingOut.model_validate(content).model_dump_json())
    return out


@router.get("/v1/track/{token}/stream", tags=["tracking"], response_class=StreamingResponse,
            summary="An order's live updates (SSE, public, by token)")  # fmt: skip
async def track_stream(token: str, request: Request, p: PlatformDep, limit: LimitQ = 0) -> StreamingResponse:
    """``text/event-stream``: a ``tracking`` event with the page's content first, then the content again each time
    it changes (a new ETA of the order's route, a stop worked, the route changed); ``gone`` when the link stops
    working (expired or revoked). Nothing of other orders is ever sent."""
    opened = await run_in_threadpool(tracking_links.resolve, p, token)
    content, route_id = await run_in_threadpool(tracking_page.view_and_route, p, opened)
    follow = _Follow(p, token, opened, route_id, content, time.monotonic())

    async def first() -> list[dict[str, Any]]:
        return [{"type": "tracking", **_public(content)}]

    async def view(event: dict[str, Any]) -> dict[str, Any] | None:
        return await run_in_threadpool(follow.refresh) if follow.relevant(event) else None

    body = relay(request, opened.org_id, first, view, limit)
    return StreamingResponse(body, media_type="text/event-stream", headers={**HEADERS, **PRIVATE})


@dataclass(frozen=True, slots=True)
class Pages:
    """The web layer's way to a page (``app.state.tracking``)."""

    p: Platform

    def page(self, token: str) -> TrackingPageOut | None:
        """The content and words of a link that opens; None for any other."""
        try:
            content = TrackingOut.model_validate(tracking_page.view(self.p, tracking_links.resolve(self.p, token)))
        except DoorstepError as exc:
            if exc.code == "E1451":
                return None
            raise
        return TrackingPageOut(content=content, words=words(content.language))

    def missing(self, accept_language: str) -> dict[str, str]:
        """The not-found page's words in the browser's first offered language."""
        return words(accepted_language(accept_language))
