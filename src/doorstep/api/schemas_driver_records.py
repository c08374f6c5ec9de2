"""Response bodies of what the dispatcher reads back from the road: a route's stop events with their proofs, its
GPS trail (optionally map-matched) and the newest position of every driver.

The stop events and the trail answer with ``response_model_exclude_unset``: an event stored before a key existed
(``scan``, ``route_version``) and a trail not asked to be matched (``matched``) keep those keys absent.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from doorstep.api.schemas_common import IsoTime
from doorstep.api.schemas_driver import ScanOut


class ProofPhotoOut(BaseModel):
    """A proof's photo: its media type, size and where to fetch it."""

    type: str | None
    bytes: int
    url: str


class ProofSignatureOut(BaseModel):
    """A proof's signature (PNG): its size and where to fetch it."""

    bytes: int
    url: str


class RecordedProofOut(BaseModel):
    """What the driver left at the door."""

    id: str
    stop_id: str
    order_id: str | None
    recipient: str
    safe_place: str
    barcodes: list[str]
    at: IsoTime
    lat: float | None
    lng: float | None
    photo: ProofPhotoOut | None
    signature: ProofSignatureOut | None


class RouteStopEventOut(BaseModel):
    """One driver action on a stop of the route (the action's answer, without its warnings), where it was
    recorded and its proof."""

    id: str
    client_id: str
    stop_id: str
    route_id: str
    order_id: str | None
    status: str = Field(examples=["completed"])
    reason: str | None
    note: str
    at: IsoTime
    distance_m: int | None = Field(description="how far from the stop the action was recorded")
    flagged: bool
    proof_id: str | None
    scan: ScanOut | None = None
    route_version: int | None = Field(None, description="the route's new version when the stop was worked early")
    actor: str
    driver_id: str | None
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    proof: RecordedProofOut | None


class RouteStopEventsOut(BaseModel):
    """Every driver action on the route's stops, oldest first."""

    route_id: str
    events: list[RouteStopEventOut]


class TrailFixOut(BaseModel):
    """One stored GPS fix of a route."""

    lat: float
    lng: float
    at: IsoTime
    accuracy_m: float | None
    driver_id: str | None


class ChunkErrorOut(BaseModel):
    """Why a part of the trail did not fit a road."""

    code: str
    message: str


class TrailChunkOut(BaseModel):
    """One part of the trail the matcher fitted on its own (fixes ``first``..``last``)."""

    first: int
    last: int
    fixes: int
    distance_m: int
    duration_s: int
    confidence: float | None
    error: ChunkErrorOut | None


class MatchedTrailOut(BaseModel):
    """The trail fitted to the road network: lines of [lat, lng], the fixes left unmatched and the data's
    attribution (OpenStreetMap)."""

    lines: list[list[list[float]]]
    distance_m: int
    duration_s: int
    confidence: float | None
    unmatched: list[int] = Field(description="indexes of the fixes no road fits")
    chunks: list[TrailChunkOut]
    attribution: str


class TrailOut(BaseModel):
    """A route's positions in time order; ``matched`` only when asked for (``matched=true``)."""

    route_id: str
    positions: list[TrailFixOut]
    matched: MatchedTrailOut | None = None


class LatestPositionOut(BaseModel):
    """A driver's newest position."""

    driver_id: str
    route_id: str | None
    lat: float
    lng: float
    at: IsoTime
    accuracy_m: float | None


class LatestPositionsOut(BaseModel):
    """The newest position of every driver of the organization."""

    positions: list[LatestPositionOut]
