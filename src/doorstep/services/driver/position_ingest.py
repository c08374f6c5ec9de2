"""GPS positions from the driver app: screened, stored once each, acknowledged always.

A batch may repeat positions already stored (a lost acknowledgement), so every client id that is stored or
already known is acknowledged; refused ones come back with their code and are not stored. The insert ignores
conflicts on (organization, driver, client id), so two copies of a batch racing each other store each fix once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.live.positions import Outcome, Position, Verdict, screen
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.position_rows import FixRow, ingest_connection, read_state, write_fixes

MAX_BATCH = 1_000


@dataclass(slots=True)
class IngestResult:
    """Client ids acknowledged (stored now or before), stored now, duplicates, and refusals with their issues."""

    acknowledged: list[str] = field(default_factory=list)
    stored: int = 0
    duplicates: list[str] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _collect(result: IngestResult, verdicts: list[Verdict]) -> None:
    for v in verdicts:
        if v.outcome is Outcome.REFUSED:
            result.refused.append({"client_id": v.client_id, "issues": [i.to_dict() for i in v.issues]})
            continue
        result.acknowledged.append(v.client_id)
        if v.outcome is Outcome.DUPLICATE:
            result.duplicates.append(v.client_id)
        result.warnings += [i.to_dict() for i in v.issues]


def _fix(p: Position) -> FixRow:
    return FixRow(p.client_id, p.at, p.location.lat, p.location.lng, p.accuracy_m, p.speed_mps, p.heading_deg)


def ingest_positions(p: Platform, actor: Actor, batch: list[Position], route_id: str | None = None) -> IngestResult:
    """Screen and store a driver's batch; publish the newest stored fix on the live channel. One read and one
    write (``store.position_rows``): the phone waits for every round trip to the database."""
    actor.require(Permission.OWN_ROUTES)
    now = p.clock()
    result = IngestResult()
    with ingest_connection(p.sessions) as conn:
        ids = [x.client_id for x in batch]
        state = read_state(conn, actor.org_id, actor.principal_id, route_id, ids)
        latest = state.latest
        last = None if latest is None else Position(
            latest.client_id, latest.at, LatLng(latest.lat, latest.lng), latest.accuracy_m
        )  # fmt: skip
        verdicts = screen(batch, now, last, state.known)
        _collect(result, verdicts)
        by_id = {x.client_id: x for x in batch}
        kept = [by_id[v.client_id] for v in verdicts if v.outcome is Outcome.STORE]
        if kept:
            fixes = [_fix(x) for x in kept]
            result.stored = write_fixes(conn, actor.org_id, actor.principal_id, state.route_id, fixes, now)
    if kept:
        newest = max(kept, key=lambda x: x.at)
        p.live.publish(actor.org_id, position_event(actor.principal_id, state.route_id, newest))
    return result


def position_event(driver_id: str, route_id: str | None, pos: Position) -> dict[str, Any]:
    """The ``position`` event of the live channel (shared contract with the dispatcher view)."""
    return {
        "type": "position", "route_id": route_id, "driver_id": driver_id, "lat": pos.location.lat,
        "lng": pos.location.lng, "at": pos.at.isoformat(), "accuracy_m": pos.accuracy_m,
    }  # fmt: skip


def too_many(count: int) -> Issue | None:
    """E1417 when a batch is larger than ``MAX_BATCH``."""
    if count <= MAX_BATCH:
        return None
    return Issue("E1417", f"{count} positions in one batch; send at most {MAX_BATCH}", ("positions",))
