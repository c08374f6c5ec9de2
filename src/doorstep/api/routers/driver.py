"""The driver app API: log in with a code, read today's routes, act on stops, send positions.

No ``from __future__ import annotations`` here: FastAPI must see the real body classes.
"""

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from doorstep.api.deps import PlatformDep
from doorstep.api.driver_deps import DriverDep, sign_token
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_driver import (
    DriverRoutesOut,
    PositionsIn,
    PositionsOut,
    ProofBody,
    SessionIn,
    SessionOut,
    StopActionIn,
    StopActionOut,
)
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.status import StopStatus
from doorstep.live.positions import Position
from doorstep.services.driver.driver_auth import redeem_code
from doorstep.services.driver.driver_routes import driver_routes, failure_reasons
from doorstep.services.driver.position_ingest import ingest_positions, too_many
from doorstep.services.driver.proofs import ProofIn
from doorstep.services.driver.stop_actions import StopAction, record_action

router = APIRouter(prefix="/v1/driver", tags=["driver app"], responses=ERRORS)


@router.post("/session", response_model=SessionOut, summary="Exchange a one-time code for a driver session")
def login(body: SessionIn, request: Request, p: PlatformDep) -> dict[str, Any]:
    org_id, driver_id, name = redeem_code(p, body.code)
    token, expires = sign_token(request, org_id, driver_id)
    return {"token": token, "expires_at": expires, "driver_id": driver_id, "driver_name": name}


@router.get("/routes", summary="The driver's published and dispatched routes with their stops")
def routes(p: PlatformDep, driver: DriverDep) -> DriverRoutesOut:
    view = {"driver_id": driver.principal_id, "routes": driver_routes(p, driver), "failure_reasons": failure_reasons()}
    return DriverRoutesOut.model_validate(view)


def _b64(value: str | None, field: str, code: str) -> bytes | None:
    if value is None:
        return None
    raw = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise DoorstepError([Issue(code, f"{field} is not valid base64", ("proof", field))]) from None


def _proof(body: ProofBody | None) -> ProofIn | None:
    if body is None:
        return None
    photo = _b64(body.photo, "photo", "E1414")
    signature = _b64(body.signature, "signature", "E1415")
    barcodes = tuple(b.strip() for b in body.barcodes if b.strip())
    return ProofIn(photo, signature, barcodes, body.recipient.strip(), body.safe_place.strip())


@router.post("/stops/{stop_id}/events", response_model=StopActionOut, summary="Arrive at, complete or fail a stop")
def stop_event(stop_id: str, body: StopActionIn, p: PlatformDep, driver: DriverDep) -> dict[str, Any]:
    pos = body.position
    action = StopAction(
        client_id=body.client_id, stop_id=stop_id, status=StopStatus(body.status), at=body.at,
        location=LatLng(pos.lat, pos.lng) if pos else None, accuracy_m=pos.accuracy_m if pos else None,
        reason=body.reason, note=body.note, proof=_proof(body.proof),
    )  # fmt: skip
    return record_action(p, driver, action)


@router.post("/positions", response_model=PositionsOut, summary="Send a batch of GPS positions")
def positions(body: PositionsIn, p: PlatformDep, driver: DriverDep) -> Response:
    issue = too_many(len(body.positions))
    if issue is not None:
        raise DoorstepError([issue])
    batch = [
        Position(f.client_id, f.at, LatLng(f.lat, f.lng), f.accuracy_m, f.speed_mps, f.heading_deg)
        for f in body.positions
    ]
    r = ingest_positions(p, driver, batch, body.route_id)
    answer = {
        "acknowledged": r.acknowledged, "stored": r.stored, "duplicates": r.duplicates, "refused": r.refused,
        "warnings": r.warnings,
    }  # fmt: skip
    return _answer(PositionsOut.model_validate(answer))


def _answer(model: BaseModel) -> Response:
    """The JSON answer FastAPI writes for a ``response_model`` (the model's own JSON), made on the endpoint's
    worker thread: for a plain ``def`` endpoint FastAPI checks the returned value against the model in a second
    hand-over to the thread pool and back, which the busiest request of the driver app does without."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")
