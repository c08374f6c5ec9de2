"""CRUD routers for depots, vehicle types, vehicles, drivers, access zones and shifts (one factory, six resources).

No ``from __future__ import annotations`` here: FastAPI must see the real body classes in the closures.
"""

from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_common import ERRORS, DayParam, Page
from doorstep.api.schemas_fleet import (
    AccessZoneIn,
    AccessZoneOut,
    DepotIn,
    DepotOut,
    DriverIn,
    DriverOut,
    ShiftIn,
    ShiftOut,
    VehicleIn,
    VehicleOut,
    VehicleTypeIn,
    VehicleTypeOut,
)
from doorstep.services.fleet import fleet_admin
from doorstep.services.orders.orders import decode_cursor, encode_cursor


def crud_router(
    path: str, kind: str, body_cls: type[BaseModel], out_cls: type[BaseModel], listing: bool = True
) -> APIRouter:
    """Create (idempotent), list (cursor; ``listing=False``: the caller adds its own), get, replace (versioned)
    and delete for one fleet resource."""
    router = APIRouter(prefix=f"/v1/{path}", tags=["fleet"], responses=ERRORS)
    label = kind.replace("_", " ")

    def dump(row: Any) -> dict[str, Any]:
        return out_cls.model_validate(row).model_dump(mode="json")

    @router.post("", response_model=out_cls, status_code=201, summary=f"Create a {label}")
    def create(
        body: Annotated[body_cls, Body()],  # type: ignore[valid-type]
        p: PlatformDep,
        actor: ActorDep,
        print_: PrintDep,
        key: IdemKey = None,
    ) -> JSONResponse:
        def run() -> tuple[int, dict[str, Any]]:
            return 201, dump(fleet_admin.create(p, actor, kind, cast(BaseModel, body).model_dump()))

        return respond_once(p, actor, key, print_, run)

    if listing:
        @router.get("", response_model=Page[out_cls], summary=f"List {label}s")  # type: ignore[valid-type]
        def list_(
            p: PlatformDep,
            actor: ActorDep,
            cursor: Annotated[str | None, Query(max_length=200)] = None,
            limit: Annotated[int, Query(ge=1, le=500)] = 100,
        ) -> dict[str, Any]:
            rows = fleet_admin.list_(p, actor, kind, decode_cursor(cursor), limit + 1)
            nxt = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
            return {"items": [dump(r) for r in rows[:limit]], "next_cursor": nxt}

    @router.get("/{obj_id}", response_model=out_cls, summary=f"Get a {label}")
    def get(obj_id: str, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
        return dump(fleet_admin.get(p, actor, kind, obj_id))

    @router.put("/{obj_id}", response_model=out_cls, summary=f"Replace a {label}")
    def replace(
        obj_id: str,
        body: Annotated[body_cls, Body()],  # type: ignore[valid-type]
        p: PlatformDep,
        actor: ActorDep,
        version: Annotated[int, Query(ge=1, le=2_000_000_000, description="the version you edited (409 if stale)")],
    ) -> dict[str, Any]:
        return dump(fleet_admin.update(p, actor, kind, obj_id, cast(BaseModel, body).model_dump(), version))

    @router.delete("/{obj_id}", status_code=204, summary=f"Delete a {label}")
    def delete(obj_id: str, p: PlatformDep, actor: ActorDep) -> Response:
        fleet_admin.delete(p, actor, kind, obj_id)
        return Response(status_code=204)

    return router


shifts_router = crud_router("shifts", "shift", ShiftIn, ShiftOut, listing=False)


@shifts_router.get("", response_model=Page[ShiftOut], summary="List shifts")
def list_shifts(
    p: PlatformDep,
    actor: ActorDep,
    day: Annotated[DayParam | None, Query(description="only the shifts of this day")] = None,
    vehicle_id: Annotated[str | None, Query(max_length=64, description="only this vehicle's shifts")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Shifts in id order, of one day and/or one vehicle when given."""
    rows = fleet_admin.list_shifts(p, actor, day, vehicle_id, decode_cursor(cursor), limit + 1)
    nxt = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return {"items": [ShiftOut.model_validate(r).model_dump(mode="json") for r in rows[:limit]], "next_cursor": nxt}


ROUTERS = [
    crud_router("depots", "depot", DepotIn, DepotOut),
    crud_router("vehicle-types", "vehicle_type", VehicleTypeIn, VehicleTypeOut),
    crud_router("vehicles", "vehicle", VehicleIn, VehicleOut),
    crud_router("drivers", "driver", DriverIn, DriverOut),
    crud_router("access-zones", "access_zone", AccessZoneIn, AccessZoneOut),
    shifts_router,
]
