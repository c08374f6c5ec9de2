"""Server-Sent Events over the live broker: one relay loop for the dispatcher, customer and driver streams.

Every frame carries the broker's event id (``id:``). A client reconnecting with ``Last-Event-ID`` (browsers'
EventSource does it by itself) gets the events it missed, as long as the channel still keeps them, instead of
the first events again; otherwise it starts afresh with them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request

from doorstep.live.broker import valid_id
from doorstep.live.publish import org_channel

HEARTBEAT_S = 15.0
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
Event = dict[str, Any]
View = Callable[[Event], Awaitable[Event | None]]  # how one listener sees an event (None: not shown)


def frame(event: Event, event_id: str) -> bytes:
    """One SSE frame: id, event type, JSON data."""
    return f"id: {event_id}\nevent: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n".encode()


async def relay(
    request: Request, org_id: str, first: Callable[[], Awaitable[list[Event]]], view: View, limit: int
) -> AsyncIterator[bytes]:
    """Subscribe to the organization's live channel, send ``first()`` (computed once subscribed, so no event
    falls between it and the stream), then each event as ``view`` shows it; a comment as heartbeat while nothing
    happens, ending when the client has gone or after ``limit`` events (0: never). With a ``Last-Event-ID`` the
    channel still covers, the events after it replace ``first()``."""
    broker = request.app.state.broker
    after = valid_id(request.headers.get("last-event-id"))
    sent = 0
    async with broker.subscribe(org_channel(org_id), after=after) as sub:
        if not sub.resumed:
            for event in await first():
                sent += 1
                yield frame(event, sub.position)
        while limit <= 0 or sent < limit:
            event = await sub.get(timeout=HEARTBEAT_S)
            if event is None:
                if await request.is_disconnected():
                    return
                yield b": heartbeat\n\n"
            elif (shown := await view(event)) is not None:
                sent += 1
                yield frame(shown, sub.position)
