"""The dispatcher's side of the driver app: issue login codes, read stop events, proofs, trails and positions.

Stop events and trails answer with ``response_model_exclude_unset`` (schemas_driver_records.py): an event stored
before ``scan`` or ``route_version`` existed, and a trail not asked to be matched, keep those keys out."""

from typing import Any

from fastapi import APIRouter, Response

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_driver import CodeOut
from doorstep.api.schemas_driver_records import LatestPositionsOut, RouteStopEventsOut, TrailOut
from doorstep.api.schemas_invite import InviteIn, InviteMessageOut, InviteOut
from doorstep.api.schemas_order_detail import StopEventOut
from doorstep.services.driver import driver_invite, driver_records, trail_matching
from doorstep.services.driver.driver_auth import issue_code

router = APIRouter(prefix="/v1", tags=["driver records"], responses=ERRORS)


@router.post("/drivers/{driver_id}/login-codes", response_model=CodeOut, status_code=201, summary="Issue a code")
def login_code(driver_id: str, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    issued = issue_code(p, actor, driver_id)
    return {"driver_id": issued.driver_id, "code": issued.code, "expires_at": issued.expires_at}


@router.post("/drivers/{driver_id}/invite", response_model=InviteOut, status_code=201, summary="Invite by SMS/email")
def invite(driver_id: str, body: InviteIn, p: PlatformDep, actor: ActorDep) -> InviteOut:
    """A new one-time login code, queued to the driver on each channel (E1419 no usable address, E1420 channel
    not configured: every problem at once, nothing sent then)."""
    done = driver_invite.invite(p, actor, driver_id, list(body.channels))
    return InviteOut(
        driver_id=driver_id, code=done.issued.code, expires_at=done.issued.expires_at,
        messages=[InviteMessageOut.model_validate(m) for m in done.messages],
    )  # fmt: skip


@router.get("/drivers/{driver_id}/invites", response_model=list[InviteMessageOut], summary="A driver's invites")
def invites(driver_id: str, p: PlatformDep, actor: ActorDep) -> list[InviteMessageOut]:
    """Every invite message sent to the driver, newest first, with its status."""
    return [InviteMessageOut.model_validate(m) for m in driver_invite.invites_of(p, actor, driver_id)]


@router.get(
    "/routes/{route_id}/stop-events", summary="Driver actions on a route's stops, with proofs",
    response_model_exclude_unset=True,
)  # fmt: skip
def stop_events(route_id: str, p: PlatformDep, actor: ActorDep) -> RouteStopEventsOut:
    """Every arrival, completion and failure on the route's stops, oldest first, with proofs."""
    view = {"route_id": route_id, "events": driver_records.route_stop_events(p, actor, route_id)}
    return RouteStopEventsOut.model_validate(view)


@router.get("/orders/{order_id}/stop-events", response_model=list[StopEventOut], summary="Driver actions on an order")
def order_stop_events(order_id: str, p: PlatformDep, actor: ActorDep) -> list[StopEventOut]:
    """Every arrival, completion and failure on the order's stops (each attempt), oldest first, with proofs."""
    return [StopEventOut.model_validate(e) for e in driver_records.order_stop_events(p, actor, order_id)]


@router.get(
    "/routes/{route_id}/trail", summary="A route's GPS trail, optionally map-matched", response_model_exclude_unset=True
)
def trail(route_id: str, p: PlatformDep, actor: ActorDep, matched: bool = False) -> TrailOut:
    """With ``matched=true``: the roads driven (needs the deployment's road network, DOORSTEP_NETWORK)."""
    return TrailOut.model_validate(trail_matching.route_trail_view(p, actor, route_id, matched))


@router.get("/positions/latest", summary="The newest position of every driver")
def latest(p: PlatformDep, actor: ActorDep) -> LatestPositionsOut:
    return LatestPositionsOut.model_validate({"positions": driver_records.latest_positions(p, actor)})


@router.get("/proofs/{proof_id}/photo", summary="A proof's photo", response_class=Response)
def photo(proof_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    data, kind = driver_records.proof_file(p, actor, proof_id, "photo")
    return Response(data, media_type=kind, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/proofs/{proof_id}/signature", summary="A proof's signature (PNG)", response_class=Response)
def signature(proof_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    data, kind = driver_records.proof_file(p, actor, proof_id, "signature")
    return Response(data, media_type=kind, headers={"Cache-Control": "private, max-age=3600"})
