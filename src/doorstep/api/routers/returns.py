"""/v1/returns: customer return requests (pickup stops), the returns list, and receiving parcels at the depot.

Every answer is typed (schemas_returns.py) with ``response_model_exclude_unset``: a history step's ``reason`` and a
problem's ``id`` appear only when they have a value, as before."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS, Strict
from doorstep.api.schemas_returns import ReceiveOut, ReturnOut
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.orders import TimeWindow
from doorstep.services.returns import returns

router = APIRouter(tags=["returns"], responses=ERRORS)


class WindowIn(Strict):
    """A pickup window (ISO-8601 with offset)."""

    start: dt.datetime
    end: dt.datetime


class ReturnIn(Strict):
    """Ask for a delivered order to be collected from the customer on ``date`` (within ``time_windows``)."""

    order_id: str = Field(max_length=64)
    date: dt.date
    time_windows: list[WindowIn] = Field(default_factory=list, max_length=8)
    auto_approve: bool | None = Field(None, description="insert into the live plan at once (default: the policy)")


class ScanIn(Strict):
    """Barcodes scanned at the depot, with where the scanner is (optional)."""

    barcodes: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=1000)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


def return_view(row: Any) -> dict[str, Any]:
    """A return as the API shows it."""
    return {
        "id": row.id, "order_id": row.order_id, "pickup_order_id": row.pickup_order_id, "reason": row.reason,
        "status": row.status, "barcode": row.barcode, "history": row.history, "created_at": row.created_at.isoformat(),
    }  # fmt: skip


def _windows(items: list[WindowIn]) -> list[TimeWindow]:
    bad = [k for k, w in enumerate(items) if w.start.tzinfo is None or w.end.tzinfo is None or w.end < w.start]
    if bad:
        raise DoorstepError(
            [Issue("E1301", "a window needs start <= end, both with a UTC offset", ("time_windows", k)) for k in bad]
        )
    return [TimeWindow(w.start, w.end) for w in items]


@router.post("/v1/returns", status_code=201, summary="Request a customer return", response_model_exclude_unset=True)
def create_return(body: ReturnIn, request: Request, p: PlatformDep, actor: ActorDep) -> ReturnOut:
    """The delivered order gets a return pickup: inserted into the day's live plan when one is published (a
    proposal, or applied with auto-approve), else queued for the next plan."""
    auto = body.auto_approve
    if auto is None:
        auto = bool(getattr(request.app.state.settings, "live_auto_approve", False))
    row = returns.request_return(p, actor, body.order_id, body.date, _windows(body.time_windows), auto_approve=auto)
    return ReturnOut.model_validate(return_view(row))


@router.get("/v1/returns", summary="List returns", response_model_exclude_unset=True)
def list_returns(
    p: PlatformDep,
    actor: ActorDep,
    status: Annotated[Literal["requested", "scheduled", "in_transit", "received"] | None, Query()] = None,
) -> list[ReturnOut]:
    """Returns (customer returns and return-to-sender), newest first, with every step."""
    return [ReturnOut.model_validate(return_view(r)) for r in returns.list_returns(p, actor, status)]


@router.get("/v1/returns/{return_id}", summary="A return", response_model_exclude_unset=True)
def get_return(return_id: str, p: PlatformDep, actor: ActorDep) -> ReturnOut:
    """One return with its history (time, actor, position of each step)."""
    return ReturnOut.model_validate(return_view(returns.get_return(p, actor, return_id)))


@router.post("/v1/returns/receive", summary="Receive parcels at the depot (scan)", response_model_exclude_unset=True)
def receive(body: ScanIn, p: PlatformDep, actor: ActorDep) -> ReceiveOut:
    """Each barcode of a return on its way (its label, or any item barcode of its order) becomes received; the
    others are listed with their code (E1453 unknown or ambiguous, E2133 already received) and do not stop the
    rest."""
    res = returns.receive(p, actor, body.barcodes, body.lat, body.lng)
    view = {"received": [return_view(r) for r in res.received], "errors": [i.to_dict() for i in res.issues]}
    return ReceiveOut.model_validate(view)
