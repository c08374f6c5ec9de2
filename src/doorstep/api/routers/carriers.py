"""/v1/carriers: partner carriers (admins change them), their bookings, labels and manifests, the status
callbacks they send (signed), statuses set by hand; and confirming a plan's carrier offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_carriers import AppliedOut, BookingOut, CarrierIn, CarrierOfferOut, CarrierOut, StatusIn
from doorstep.api.schemas_common import ERRORS, DayParam
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.carriers import bookings, carrier_status, carriers_admin
from doorstep.services.planning import carrier_offers

router = APIRouter(tags=["carriers"], responses=ERRORS)
MAX_CALLBACK_BYTES = 64_000


def _out(row: Any) -> CarrierOut:
    settings = {k: v for k, v in row.data.items() if v is not None}
    return CarrierOut.model_validate({
        "id": row.id, "version": row.version, "created_at": row.created_at, "updated_at": row.updated_at,
        "name": row.name, "kind": row.kind, "active": row.active, "has_secret": bool(row.secret), **settings,
    })  # fmt: skip


@router.post("/v1/carriers", response_model=CarrierOut, status_code=201, summary="Add a partner carrier")
def create_carrier(
    body: CarrierIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None
) -> JSONResponse:
    """201 with the stored carrier (without its secret); every problem at once otherwise (E1640–E1649)."""

    def run() -> tuple[int, dict[str, Any]]:
        return 201, _out(carriers_admin.create(p, actor, body.model_dump())).model_dump(mode="json")

    return respond_once(p, actor, key, print_, run)


@router.get("/v1/carriers", response_model=list[CarrierOut], summary="List partner carriers")
def list_carriers(p: PlatformDep, actor: ActorDep) -> list[CarrierOut]:
    """Every carrier of the organization, in id order."""
    return [_out(r) for r in carriers_admin.list_(p, actor)]


@router.get("/v1/carriers/{carrier_id}", response_model=CarrierOut, summary="Get a partner carrier")
def get_carrier(carrier_id: str, p: PlatformDep, actor: ActorDep) -> CarrierOut:
    """The carrier, or 404 E1302."""
    return _out(carriers_admin.get(p, actor, carrier_id))


@router.put("/v1/carriers/{carrier_id}", response_model=CarrierOut, summary="Replace a partner carrier")
def replace_carrier(
    carrier_id: str, body: CarrierIn, p: PlatformDep, actor: ActorDep,
    version: Annotated[int, Query(ge=1, le=2_000_000_000, description="the version you edited (409 if stale)")],
) -> CarrierOut:  # fmt: skip
    """Replace every setting (a secret left out keeps the stored one); bookings made stay as they are."""
    return _out(carriers_admin.update(p, actor, carrier_id, body.model_dump(), version))


@router.delete("/v1/carriers/{carrier_id}", status_code=204, summary="Delete a partner carrier")
def delete_carrier(carrier_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """Remove a carrier never booked (409 E2312 otherwise: set ``active`` false, its history stays)."""
    carriers_admin.delete(p, actor, carrier_id)
    return Response(status_code=204)


@router.get("/v1/carriers/{carrier_id}/bookings", response_model=list[BookingOut], summary="A carrier's bookings")
def list_bookings(
    carrier_id: str, p: PlatformDep, actor: ActorDep, date: Annotated[DayParam | None, Query()] = None
) -> list[BookingOut]:
    """The orders handed (or being handed) to the carrier, of one day when ``date`` is given."""
    return [BookingOut.model_validate(b) for b in bookings.list_bookings(p, actor, carrier_id, date)]


@router.get("/v1/carriers/{carrier_id}/manifest", summary="The day's manifest (CSV)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})  # fmt: skip
def manifest(carrier_id: str, p: PlatformDep, actor: ActorDep, date: Annotated[DayParam, Query()]) -> Response:
    """One line per order handed to the carrier that day, for the depot to hand over with the parcels."""
    text = bookings.manifest_csv(p, actor, carrier_id, date)
    name = f"manifest-{carrier_id}-{date.isoformat()}.csv"
    return Response(text, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


LABEL_TYPES: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}, "application/zpl": {}}}}


@router.get("/v1/carriers/{carrier_id}/bookings/{order_id}/label", summary="The shipping label of a booked order",
            response_class=Response, responses=LABEL_TYPES)  # fmt: skip
def label(carrier_id: str, order_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """The carrier's label: its bytes (PDF or ZPL), or a redirect to where the carrier serves it."""
    lab = bookings.label_of(p, actor, carrier_id, order_id)
    if lab.url:
        return Response(status_code=307, headers={"Location": lab.url})
    return Response(lab.content, media_type=lab.content_type)


@router.post("/v1/carriers/{carrier_id}/bookings/{order_id}/status", response_model=AppliedOut,
             summary="Set a manifest carrier's status by hand")  # fmt: skip
def set_status(carrier_id: str, order_id: str, body: StatusIn, p: PlatformDep, actor: ActorDep) -> AppliedOut:
    """The order follows as it would an own delivery (409 E2314 for an HTTP carrier, E2315 for a closed booking)."""
    return AppliedOut.model_validate(carrier_status.set_by_hand(p, actor, carrier_id, order_id, body.status,
                                                                body.detail))  # fmt: skip


@router.post("/v1/carriers/{carrier_id}/bookings/{order_id}/refresh", response_model=AppliedOut,
             summary="Ask the carrier for the order's status now")  # fmt: skip
def refresh_status(carrier_id: str, order_id: str, p: PlatformDep, actor: ActorDep) -> AppliedOut:
    """For a carrier whose callbacks went missing: its status endpoint is asked and a changed status applied
    (409 E2313 when it does not answer or reports none, E2315 for a closed or pending booking)."""
    return AppliedOut.model_validate(carrier_status.poll_status(p, actor, carrier_id, order_id))


@router.post("/v1/carriers/{carrier_id}/callbacks", response_model=AppliedOut,
             summary="A carrier's status callback (signed; no API key)")  # fmt: skip
async def callback(
    carrier_id: str, request: Request, p: PlatformDep,
    signature: Annotated[str, Header(alias="Doorstep-Signature", max_length=300)] = "",
) -> AppliedOut:  # fmt: skip
    """JSON ``{event_id, booking_id | order_id, status, at?, detail?, tracking_url?}`` signed with the carrier's
    secret (``Doorstep-Signature: t=<unix s>,v1=<HMAC-SHA256 of "<t>." + body>``); 401 E1650 when the signature is
    missing, wrong or older than 5 minutes. A repeated ``event_id`` answers ``duplicate: true`` and changes
    nothing. ``tracking_url`` (http(s)) replaces the booking's link shown on the customer's tracking page."""
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise DoorstepError([Issue("E1651", f"callback body over {MAX_CALLBACK_BYTES} bytes", ("body",))])
    applied = await run_in_threadpool(carrier_status.receive_callback, p, carrier_id, signature, body)
    return AppliedOut.model_validate(applied)


@router.post("/v1/plans/{plan_id}/carrier-offers/{order_id}/confirm", response_model=CarrierOfferOut,
             tags=["plans"], summary="Confirm a carrier offer: book the order with the carrier")  # fmt: skip
def confirm_offer(plan_id: str, order_id: str, p: PlatformDep, actor: ActorDep) -> CarrierOfferOut:
    """The order is booked with the offer's carrier (the job ``carriers.book``) and, once booked, taken off its
    route; a carrier that does not answer leaves it where it was with the offer ``not_booked`` and its error.
    409 E2310 (no open offer), E2311 (the route cannot change), E2313 (the carrier cannot take it now)."""
    return CarrierOfferOut.model_validate(carrier_offers.confirm_offer(p, actor, plan_id, order_id))


@router.post("/v1/plans/{plan_id}/carrier-offers/{order_id}/decline", response_model=CarrierOfferOut,
             tags=["plans"], summary="Decline a carrier offer: the fleet keeps the order")  # fmt: skip
def decline_offer(plan_id: str, order_id: str, p: PlatformDep, actor: ActorDep) -> CarrierOfferOut:
    """The offer becomes ``declined`` and cannot be confirmed any more; the order stays on its route (or
    unassigned) and ``carrier.declined`` is on its timeline. 409 E2310 when the offer is not open or not booked
    (one being booked or booked is the carrier's)."""
    return CarrierOfferOut.model_validate(carrier_offers.decline_offer(p, actor, plan_id, order_id))
