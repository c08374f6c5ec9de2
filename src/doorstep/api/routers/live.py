"""/v1/live: re-planning proposals, and the dispatcher's snapshot and Server-Sent Events stream (the customer's
tracking links and page: routers/track.py).

Proposals and the snapshot answer with ``response_model_exclude_unset``: an option's summary has the keys of its
kind only (schemas_live.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS, DayParam, Strict
from doorstep.api.schemas_live import ProposalOut, SnapshotOut
from doorstep.api.schemas_orders import WindowIn
from doorstep.api.sse import HEADERS, relay
from doorstep.services.kernel.access import Permission
from doorstep.services.operations import live_view, replanning

router = APIRouter(tags=["live"], responses=ERRORS)


class PlaceIn(Strict):
    """A new place for an order. Coordinates out of range are E1105 (one per coordinate), reported with the
    request's other problems at once, so they are not bounded here."""

    lat: float = Field(description="latitude, -90..90", examples=[38.7139])
    lng: float = Field(description="longitude, -180..180", examples=[-9.1334])


class ProposalIn(Strict):
    """Ask for a change to a published plan: insert a new order, cancel one, take a vehicle out of service,
    re-sequence a route (``windows`` given: the order's new availability, then its route is re-sequenced), or move
    an order on a live route to a new place (``relocate``: ``location``, optionally ``address`` and ``windows``)."""

    plan_id: str = Field(max_length=64)
    kind: Literal["insert", "cancel", "redistribute", "resequence", "relocate"]
    subject_id: str = Field(max_length=64, description="order id (insert, cancel, relocate, resequence with "
                            "windows), vehicle id (redistribute) or route id (resequence)")  # fmt: skip
    windows: list[WindowIn] | None = Field(
        None, max_length=8, description="resequence, relocate: the order's new windows, HH:MM on its day or "
        "ISO-8601 (relocate without them: the order keeps its windows)",
    )  # fmt: skip
    location: PlaceIn | None = Field(None, description="relocate (required): the order's new place")
    address: str | None = Field(
        None, max_length=500, description="relocate: the new place's address (omitted: the order keeps its address)"
    )
    auto_approve: bool | None = Field(None, description="apply at once (default: the server's policy)")
    reoptimize: bool = Field(
        False, description="insert: also re-optimize the route's open stops (offered first when cheaper)"
    )


class DecisionIn(Strict):
    """Which option of the proposal to apply (0: the cheapest)."""

    choice: int = Field(0, ge=0, le=10)


def _policy(request: Request) -> bool:
    return bool(getattr(request.app.state.settings, "live_auto_approve", False))


@router.post("/v1/live/proposals", status_code=201, summary="Propose a live change", response_model_exclude_unset=True)
def create_proposal(body: ProposalIn, request: Request, p: PlatformDep, actor: ActorDep) -> ProposalOut:
    """Compute the change on the live plan (done and under-way stops fixed) and store it as a proposal: cost
    change, affected stops and ETA shifts per option; applied at once with auto-approve."""
    auto = _policy(request) if body.auto_approve is None else body.auto_approve
    kind = replanning.ProposalKind(body.kind)
    windows = None if body.windows is None else [w.model_dump() for w in body.windows]
    place = None
    if kind is replanning.ProposalKind.RELOCATE:
        place = {"location": body.location.model_dump() if body.location else None, "address": body.address}
    req = replanning.Request(body.plan_id, kind, body.subject_id, windows, body.reoptimize, place)
    return ProposalOut.model_validate(live_view.proposal_view(replanning.propose(p, actor, req, auto_approve=auto)))


@router.get("/v1/live/proposals", summary="List proposals", response_model_exclude_unset=True)
def list_proposals(
    p: PlatformDep,
    actor: ActorDep,
    plan_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["pending", "applied", "rejected", "stale"] | None, Query()] = None,
) -> list[ProposalOut]:
    """Proposals, newest first."""
    rows = replanning.list_proposals(p, actor, plan_id, status)
    return [ProposalOut.model_validate(live_view.proposal_view(r)) for r in rows]


@router.get("/v1/live/proposals/{proposal_id}", summary="A proposal", response_model_exclude_unset=True)
def get_proposal(proposal_id: str, p: PlatformDep, actor: ActorDep) -> ProposalOut:
    """One proposal with the summary of each option."""
    return ProposalOut.model_validate(live_view.proposal_view(replanning.get_proposal(p, actor, proposal_id)))


@router.post(
    "/v1/live/proposals/{proposal_id}/approve", summary="Approve a proposal", response_model_exclude_unset=True
)
def approve(proposal_id: str, body: DecisionIn, p: PlatformDep, actor: ActorDep) -> ProposalOut:
    """Apply the chosen option as new route versions (409 E2131 when a route changed since, E2132 if decided)."""
    row = replanning.decide(p, actor, proposal_id, approve=True, choice=body.choice)
    return ProposalOut.model_validate(live_view.proposal_view(row))


@router.post("/v1/live/proposals/{proposal_id}/reject", summary="Reject a proposal", response_model_exclude_unset=True)
def reject(proposal_id: str, p: PlatformDep, actor: ActorDep) -> ProposalOut:
    """Nothing changes; the proposal is closed."""
    return ProposalOut.model_validate(live_view.proposal_view(replanning.decide(p, actor, proposal_id, approve=False)))


@router.get("/v1/live/snapshot", summary="Live routes now", response_model_exclude_unset=True)
def snapshot(p: PlatformDep, actor: ActorDep, date: Annotated[DayParam | None, Query()] = None) -> SnapshotOut:
    """Live routes of published plans (progress, last position, ETAs, alerts) and pending proposals."""
    return SnapshotOut.model_validate(live_view.snapshot(p, actor, date))


async def _everything(event: dict[str, Any]) -> dict[str, Any]:
    return event


LimitQ = Annotated[int, Query(ge=0, le=100_000, description="close after this many events (0: never)")]


@router.get("/v1/live/stream", summary="Dispatcher live events (SSE)", response_class=StreamingResponse)
async def stream(
    request: Request,
    p: PlatformDep,
    actor: ActorDep,
    date: Annotated[DayParam | None, Query()] = None,
    limit: LimitQ = 0,
) -> StreamingResponse:
    """``text/event-stream``: a ``snapshot`` event first, then positions, stop events, ETAs, alerts and route
    changes of the organization. On a ``gap`` event the client has missed events and reloads the snapshot."""
    actor.require(Permission.READ)  # the snapshot itself raises nothing else: it may wait until subscribed

    async def first() -> list[dict[str, Any]]:
        # computed once subscribed: an event published while the snapshot is read follows it on the stream
        return [await run_in_threadpool(live_view.snapshot, p, actor, date)]

    body = relay(request, actor.org_id, first, _everything, limit)
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)
