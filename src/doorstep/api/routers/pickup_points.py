"""/v1/pickup-points: shop counters and parcel lockers (admins change them; any reader lists them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_common import ERRORS, Page
from doorstep.api.schemas_pickup import PickupPointIn, PickupPointOut
from doorstep.services.fleet import pickup_points
from doorstep.services.orders.orders import decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/pickup-points", tags=["pickup points"], responses=ERRORS)


def _dump(row: Any) -> dict[str, Any]:
    return PickupPointOut.model_validate(row).model_dump(mode="json")


@router.post("", response_model=PickupPointOut, status_code=201, summary="Create a pickup point")
def create_point(
    body: PickupPointIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None
) -> JSONResponse:
    """201 with the stored point; every problem at once otherwise (E1570, E1571, E1105, E1302)."""
    return respond_once(p, actor, key, print_, lambda: (201, _dump(pickup_points.create(p, actor, body.model_dump()))))


@router.get("", response_model=Page[PickupPointOut], summary="List pickup points")
def list_points(
    p: PlatformDep,
    actor: ActorDep,
    depot_id: Annotated[str | None, Query(max_length=64, description="only the points this depot serves")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[PickupPointOut]:
    """Points in id order, one page at a time."""
    rows = pickup_points.list_(p, actor, depot_id, decode_cursor(cursor), limit + 1)
    nxt = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page[PickupPointOut](items=[PickupPointOut.model_validate(r) for r in rows[:limit]], next_cursor=nxt)


@router.get("/{point_id}", response_model=PickupPointOut, summary="Get a pickup point")
def get_point(point_id: str, p: PlatformDep, actor: ActorDep) -> PickupPointOut:
    """The point, or 404 E1302 (also for another organization's id)."""
    return PickupPointOut.model_validate(pickup_points.get(p, actor, point_id))


@router.put("/{point_id}", response_model=PickupPointOut, summary="Replace a pickup point")
def replace_point(
    point_id: str,
    body: PickupPointIn,
    p: PlatformDep,
    actor: ActorDep,
    version: Annotated[int, Query(ge=1, le=2_000_000_000, description="the version you edited (409 if stale)")],
) -> PickupPointOut:
    """Replace every field; orders already booked keep their windows."""
    return PickupPointOut.model_validate(pickup_points.update(p, actor, point_id, body.model_dump(), version))


@router.delete("/{point_id}", status_code=204, summary="Delete a pickup point")
def delete_point(point_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """Remove a point no order names (409 E2008 otherwise: set ``active`` to false instead)."""
    pickup_points.delete(p, actor, point_id)
    return Response(status_code=204)
