"""Server-Sent Events over the live broker: one relay loop for the dispatcher, customer and driver streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request

from doorstep.services.live_publish import org_channel

HEARTBEAT_S = 15.0
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
Event = dict[str, Any]
View = Callable[[Event], Awaitable[Event | None]]  # how one listener sees an event (None: not shown)


def frame(event: Event, seq: int) -> bytes:
    """One SSE frame: id, event type, JSON data."""
    return f"id: {seq}\nevent: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n".encode()


async def relay(
    request: Request, org_id: str, first: Callable[[], Awaitable[list[Event]]], view: View, limit: int
) -> AsyncIterator[bytes]:
    """Subscribe to the organization's live channel, send ``first()`` (computed once subscribed, so no event
    falls between it and the stream), then each event as ``view`` shows it; a comment as heartbeat while nothing
    happens, ending when the client has gone or after ``limit`` events (0: never)."""
    broker = request.app.state.broker
    seq = 0
    async with broker.subscribe(org_channel(org_id)) as sub:
        for event in await first():
            seq += 1
            yield frame(event, seq)
        while limit <= 0 or seq < limit:
            event = await sub.get(timeout=HEARTBEAT_S)
            if event is None:
                if await request.is_disconnected():
                    return
                yield b": heartbeat\n\n"
            elif (shown := await view(event)) is not None:
                seq += 1
                yield frame(shown, seq)
