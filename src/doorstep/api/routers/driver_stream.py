"""/v1/driver/stream: Server-Sent Events for the driver app, so a re-planned route reaches the phone at once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import PlatformDep
from doorstep.api.driver_deps import DriverDep
from doorstep.api.schemas_common import ERRORS
from doorstep.services.access import Actor
from doorstep.services.driver_feed import for_driver, is_theirs, own_routes
from doorstep.services.live_publish import org_channel
from doorstep.services.platform import Platform

router = APIRouter(prefix="/v1/driver", tags=["driver app"], responses=ERRORS)
HEARTBEAT_S = 15.0
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _sse(event: dict[str, Any], seq: int) -> bytes:
    return f"id: {seq}\nevent: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n".encode()


async def _events(request: Request, p: Platform, driver: Actor, limit: int) -> AsyncIterator[bytes]:
    broker = request.app.state.broker
    async with broker.subscribe(org_channel(driver.org_id)) as sub:
        routes = await run_in_threadpool(own_routes, p, driver)  # after subscribing: no change falls between
        seq = 1
        yield _sse({"type": "routes", "routes": routes}, seq)
        mine = set(routes)
        while limit <= 0 or seq < limit:
            event = await sub.get(timeout=HEARTBEAT_S)
            if event is None:
                if await request.is_disconnected():
                    return
                yield b": heartbeat\n\n"
                continue
            route_id = str(event.get("route_id"))
            fresh = event.get("type") == "route_changed" and route_id not in mine
            if fresh and await run_in_threadpool(is_theirs, p, driver, route_id):
                mine.add(route_id)
            shown = for_driver(event, mine)
            if shown is not None:
                seq += 1
                yield _sse(shown, seq)


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
    return StreamingResponse(_events(request, p, driver, limit), media_type="text/event-stream", headers=HEADERS)
