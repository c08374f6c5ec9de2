"""/v1/driver/stream: Server-Sent Events for the driver app, so a re-planned route reaches the phone at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import PlatformDep
from doorstep.api.driver_deps import DriverDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.sse import HEADERS, View, relay
from doorstep.services.driver.driver_feed import for_driver, is_theirs, own_routes
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.platform import Platform

router = APIRouter(prefix="/v1/driver", tags=["driver app"], responses=ERRORS)


def _driver_view(p: Platform, driver: Actor, mine: set[str]) -> View:
    """What the driver hears: their routes' changes and ETAs; a route newly theirs is looked up once."""

    async def view(event: dict[str, Any]) -> dict[str, Any] | None:
        route_id = str(event.get("route_id"))
        fresh = event.get("type") == "route_changed" and route_id not in mine
        if fresh and await run_in_threadpool(is_theirs, p, driver, route_id):
            mine.add(route_id)
        return for_driver(event, mine)

    return view


@router.get("/stream", summary="Live changes to the driver's routes (SSE)", response_class=StreamingResponse)
async def stream(
    request: Request,
    p: PlatformDep,
    driver: DriverDep,
    limit: Annotated[int, Query(ge=0, le=100_000, description="close after this many events (0: never)")] = 0,
) -> StreamingResponse:
    """``text/event-stream`` (read it with ``fetch`` and the driver token in ``Authorization``): first the
    driver's live routes and versions (``routes``), then ``route_changed`` for any route of theirs (a re-planned
    route, one dispatched or newly assigned to them) and ``eta`` updates of their routes; ``gap`` when events
    were missed (reload the routes)."""
    mine: set[str] = set()

    async def first() -> list[dict[str, Any]]:  # once subscribed: no change falls between the list and the stream
        routes = await run_in_threadpool(own_routes, p, driver)
        mine.update(routes)
        return [{"type": "routes", "routes": routes}]

    body = relay(request, driver.org_id, first, _driver_view(p, driver, mine), limit)
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)
