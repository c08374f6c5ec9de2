"""/v1/events: events whose handlers keep failing, and the action that runs them again (admins)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS, Out
from doorstep.services.kernel import event_dispatch

router = APIRouter(tags=["events"], responses=ERRORS)


class HandlingOut(Out):
    """One handler's work on one event: ``pending`` (waiting, maybe after a failure), ``running``, ``done`` or
    ``stuck`` (gave up after its attempts; only a retry runs it again)."""

    handler: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    done_at: dt.datetime | None


class EventOut(Out):
    """A recorded event."""

    id: str
    type: str
    subject_id: str
    actor: str
    at: dt.datetime
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


class StuckEventOut(Out):
    """An event with the handlings that failed and have not succeeded since."""

    event: EventOut
    handlings: list[HandlingOut]


def _out(item: event_dispatch.StuckEvent) -> StuckEventOut:
    return StuckEventOut(
        event=EventOut.model_validate(item.event), handlings=[HandlingOut.model_validate(h) for h in item.handlings]
    )


@router.get("/v1/events/stuck", response_model=list[StuckEventOut], summary="Events whose handlers keep failing")
def stuck(
    p: PlatformDep, actor: ActorDep, retrying: Annotated[bool, Query(description="include ones still retried")] = True
) -> list[StuckEventOut]:
    """Events, oldest first, with each handler that failed at least once and has not succeeded since (admins)."""
    return [_out(s) for s in event_dispatch.stuck_events(p, actor, include_retrying=retrying)]


@router.post("/v1/events/{event_id}/retry", response_model=StuckEventOut, summary="Run failing handlers again")
def retry(event_id: str, p: PlatformDep, actor: ActorDep) -> StuckEventOut:
    """Run the event's failing handlers now; the answer shows every handling of the event afterwards (admins;
    409 E2160 when none is failing)."""
    return _out(event_dispatch.retry_event(p, actor, event_id))
