"""The warehouse hand-off: a route's load sheet (PDF or CSV), the depot's picking waves of a day, and a route's
timeline (its events, loading scans included)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS, DayParam
from doorstep.api.schemas_orders import EventOut
from doorstep.api.schemas_warehouse import ReleaseOut, WaveOut, WavesOut
from doorstep.domain.waves import LoadingTimes, Release
from doorstep.services.dispatch import load_sheets, routes
from doorstep.services.kernel.actor_names import actor_names

router = APIRouter(tags=["warehouse"], responses=ERRORS)
SHEET_TYPES: dict[str, dict[str, object]] = {"application/pdf": {}, "text/csv": {}}


@router.get(
    "/v1/routes/{route_id}/load-sheet", summary="A route's load sheet (PDF or CSV)", response_class=Response,
    responses={200: {"content": SHEET_TYPES, "description": "the sheet as a file"}},
)  # fmt: skip
def load_sheet(
    route_id: str,
    p: PlatformDep,
    actor: ActorDep,
    format: Annotated[str, Query(max_length=10, description="pdf (printable A4) or csv")] = "pdf",
) -> Response:
    """Parcels in loading order (the last delivered first) with barcodes and sizes, the collections apart, totals
    per capacity dimension, the departure and when picking must be done (E1600 for another format)."""
    sheet = load_sheets.render_load_sheet(p, actor, route_id, format)
    disposition = f'attachment; filename="{sheet.filename}"'
    return Response(sheet.body, media_type=sheet.media_type, headers={"Content-Disposition": disposition})


@router.get("/v1/routes/{route_id}/timeline", response_model=list[EventOut], summary="The route's events")
def route_timeline(route_id: str, p: PlatformDep, actor: ActorDep) -> list[EventOut]:
    """Every event of the route, oldest first (assigned, dispatched, re-sequenced, loading scans and checks)."""
    events = [EventOut.model_validate(e) for e in routes.timeline(p, actor, route_id)]
    names = actor_names(p, actor, [e.actor for e in events])
    return [e.model_copy(update={"actor_name": names.get(e.actor)}) for e in events]


def _release(r: Release, tz: tzinfo) -> ReleaseOut:
    return ReleaseOut(
        route_id=r.route_id, vehicle=r.vehicle, trip=r.trip, departure=r.departure.astimezone(tz),
        parcels=r.parcels, release_at=r.release_at.astimezone(tz), dock=r.dock,
    )  # fmt: skip


@router.get("/v1/depots/{depot_id}/waves", response_model=WavesOut, summary="Picking waves of a day")
def waves(
    depot_id: str,
    p: PlatformDep,
    actor: ActorDep,
    date: Annotated[DayParam, Query()],
    per_parcel_s: Annotated[int | None, Query(description="loading seconds per parcel (default: the setting)")] = None,
    dock_s: Annotated[int | None, Query(description="seconds at the dock per departure (default: the setting)")] = None,
    wave_s: Annotated[int | None, Query(description="wave interval in seconds (default: the setting)")] = None,
) -> WavesOut:
    """When picking must be finished for each departure of the published plan, grouped into waves (409 E2302
    without a published plan); the loading times may be overridden to see what a change would do (E1603)."""
    t = p.loading
    asked = LoadingTimes(
        per_parcel_s=t.per_parcel_s if per_parcel_s is None else per_parcel_s,
        dock_s=t.dock_s if dock_s is None else dock_s,
        wave_s=t.wave_s if wave_s is None else wave_s,
    )
    tz, found = load_sheets.depot_waves(p, actor, depot_id, date, asked)
    out = [
        WaveOut(
            number=w.number,
            release_at=w.release_at.astimezone(tz),
            parcels=w.parcels,
            routes=[_release(r, tz) for r in w.releases],
        )
        for w in found
    ]
    return WavesOut(
        depot_id=depot_id, date=date, per_parcel_s=asked.per_parcel_s, dock_s=asked.dock_s, wave_s=asked.wave_s,
        waves=out,
    )  # fmt: skip
