"""/v1/depots/{depot_id}/transfers: inbound trunk runs to a depot (dispatchers and admins change them; every
reader lists them). Their arrival plus sorting releases the orders they carry (docs/modelling.md)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_common import ERRORS, DayParam, IssueOut
from doorstep.api.schemas_orders import EventOut
from doorstep.api.schemas_transfers import ArrivedIn, TransferIn, TransferOut, TransferPatch
from doorstep.services.orders import transfers
from doorstep.services.orders.transfers import TransferView

router = APIRouter(prefix="/v1/depots/{depot_id}/transfers", tags=["fleet"], responses=ERRORS)


def _out(v: TransferView) -> TransferOut:
    """Times in the depot's time zone."""
    r, tz = v.row, ZoneInfo(v.timezone)
    return TransferOut(
        id=r.id, depot_id=r.depot_id, date=r.day, arrival=r.arrival.astimezone(tz), sorting_s=r.sorting_s,
        ready_at=v.ready_at.astimezone(tz), origin=r.origin, reference=r.reference, status=r.status,
        arrived_at=r.arrived_at.astimezone(tz) if r.arrived_at else None, orders=list(v.order_ids),
        version=r.version, created_at=r.created_at, warnings=[IssueOut.model_validate(i.to_dict()) for i in v.warnings],
    )  # fmt: skip


@router.post("", response_model=TransferOut, status_code=201, summary="Announce an inbound transfer")
def create_transfer(
    depot_id: str, body: TransferIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None
) -> JSONResponse:
    """201 with the stored transfer (and W1700 warnings); every problem at once otherwise (E1703-E1712, E2401)."""

    def run() -> tuple[int, dict[str, Any]]:
        return 201, _out(transfers.create(p, actor, depot_id, body.model_dump())).model_dump(mode="json")

    return respond_once(p, actor, key, print_, run)


@router.get("", response_model=list[TransferOut], summary="List a depot's inbound transfers")
def list_transfers(
    depot_id: str,
    p: PlatformDep,
    actor: ActorDep,
    date: Annotated[DayParam | None, Query(description="only those arriving on this local day")] = None,
) -> list[TransferOut]:
    """The depot's transfers by arrival."""
    return [_out(v) for v in transfers.list_(p, actor, depot_id, date)]


@router.get("/{transfer_id}", response_model=TransferOut, summary="Get an inbound transfer")
def get_transfer(depot_id: str, transfer_id: str, p: PlatformDep, actor: ActorDep) -> TransferOut:
    """The transfer, or 404 E1302."""
    return _out(transfers.get(p, actor, depot_id, transfer_id))


@router.patch("/{transfer_id}", response_model=TransferOut, summary="Change an inbound transfer (a delay)")
def patch_transfer(
    depot_id: str,
    transfer_id: str,
    body: TransferPatch,
    p: PlatformDep,
    actor: ActorDep,
    version: Annotated[int, Query(ge=1, le=2_000_000_000, description="the version you edited (409 if stale)")],
) -> TransferOut:
    """Change the given fields; a later ready time records ``transfer.delayed`` naming the published routes that
    would leave before the goods are ready. 409 E2400 once it arrived, E2002 when stale."""
    changes = body.model_dump(exclude_unset=True)
    return _out(transfers.update(p, actor, depot_id, transfer_id, changes, version))


@router.post("/{transfer_id}/arrived", response_model=TransferOut, summary="Mark an inbound transfer arrived")
def transfer_arrived(depot_id: str, transfer_id: str, body: ArrivedIn, p: PlatformDep, actor: ActorDep) -> TransferOut:
    """Its goods are ready ``sorting_s`` after it really arrived (``transfer.arrived``; later than planned:
    ``transfer.delayed`` too). 409 E2400 when it already arrived."""
    return _out(transfers.arrived(p, actor, depot_id, transfer_id, body.at))


@router.get("/{transfer_id}/timeline", response_model=list[EventOut], summary="An inbound transfer's events")
def transfer_timeline(depot_id: str, transfer_id: str, p: PlatformDep, actor: ActorDep) -> list[EventOut]:
    """Created, updated, delayed (with the routes that would leave too early) and arrived, oldest first."""
    return [EventOut.model_validate(e) for e in transfers.timeline(p, actor, depot_id, transfer_id)]


@router.delete("/{transfer_id}", status_code=204, summary="Delete an inbound transfer")
def delete_transfer(depot_id: str, transfer_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """Its orders are no longer held back by it (``transfer.deleted``)."""
    transfers.delete(p, actor, depot_id, transfer_id)
    return Response(status_code=204)
