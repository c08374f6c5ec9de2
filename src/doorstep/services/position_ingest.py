"""GPS positions from the driver app: screened, stored once each, acknowledged always.

A batch may repeat positions already stored (a lost acknowledgement), so every client id that is stored or
already known is acknowledged; refused ones come back with their code and are not stored. The insert ignores
conflicts on (organization, driver, client id), so two copies of a batch racing each other store each fix once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.live.positions import Outcome, Position, Verdict, screen
from doorstep.services.access import Actor, Permission
from doorstep.services.platform import Platform
from doorstep.store.models import LatestPositionRow, PositionRow, RouteRow

MAX_BATCH = 1_000


@dataclass(slots=True)
class IngestResult:
    """Client ids acknowledged (stored now or before), stored now, duplicates, and refusals with their issues."""

    acknowledged: list[str] = field(default_factory=list)
    stored: int = 0
    duplicates: list[str] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _known(session: Session, org_id: str, driver_id: str, ids: list[str]) -> set[str]:
    q = select(PositionRow.client_id).where(
        PositionRow.org_id == org_id, PositionRow.driver_id == driver_id, PositionRow.client_id.in_(ids)
    )
    return set(session.scalars(q))


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(PositionRow)
    session.execute(ins.on_conflict_do_nothing(index_elements=["org_id", "driver_id", "client_id"]), rows)


def _latest(session: Session, org_id: str, driver_id: str, route_id: str | None, p: Position) -> None:
    row = session.get(LatestPositionRow, driver_id)
    if row is not None and row.at >= p.at:
        return
    if row is None:
        row = LatestPositionRow(driver_id=driver_id, org_id=org_id)
        session.add(row)
    row.route_id, row.client_id, row.at = route_id, p.client_id, p.at
    row.lat, row.lng, row.accuracy_m = p.location.lat, p.location.lng, p.accuracy_m


def _route_of(session: Session, org_id: str, driver_id: str, route_id: str | None) -> str | None:
    """The given route when it is the driver's, else None (positions are the driver's even without a route)."""
    if route_id is None:
        return None
    row = session.get(RouteRow, route_id)
    return route_id if row is not None and row.org_id == org_id and row.driver_id == driver_id else None


def _store(session: Session, actor: Actor, route_id: str | None, kept: list[Position]) -> None:
    now = session.info.get("now")
    rows = [
        {
            "org_id": actor.org_id, "driver_id": actor.principal_id, "route_id": route_id, "client_id": p.client_id,
            "at": p.at, "lat": p.location.lat, "lng": p.location.lng, "accuracy_m": p.accuracy_m,
            "speed_mps": p.speed_mps, "heading_deg": p.heading_deg, "received_at": now,
        }
        for p in kept
    ]  # fmt: skip
    _insert_ignoring_duplicates(session, rows)
    _latest(session, actor.org_id, actor.principal_id, route_id, max(kept, key=lambda p: p.at))


def _collect(result: IngestResult, verdicts: list[Verdict]) -> None:
    for v in verdicts:
        if v.outcome is Outcome.REFUSED:
            result.refused.append({"client_id": v.client_id, "issues": [i.to_dict() for i in v.issues]})
            continue
        result.acknowledged.append(v.client_id)
        if v.outcome is Outcome.DUPLICATE:
            result.duplicates.append(v.client_id)
        result.warnings += [i.to_dict() for i in v.issues]


def ingest_positions(p: Platform, actor: Actor, batch: list[Position], route_id: str | None = None) -> IngestResult:
    """Screen and store a driver's batch; publish the newest stored fix on the live channel. Two batches of one
    driver racing for the first latest-position row: the loser runs again (and finds the winner's fixes)."""
    actor.require(Permission.OWN_ROUTES)
    try:
        return _ingest(p, actor, batch, route_id)
    except IntegrityError:
        return _ingest(p, actor, batch, route_id)


def _ingest(p: Platform, actor: Actor, batch: list[Position], route_id: str | None) -> IngestResult:
    now = p.clock()
    result = IngestResult()
    with p.sessions() as session:
        session.info["now"] = now
        latest = session.get(LatestPositionRow, actor.principal_id)
        last = None
        if latest is not None and latest.org_id == actor.org_id:
            last = Position(latest.client_id, latest.at, LatLng(latest.lat, latest.lng), latest.accuracy_m)
        seen = _known(session, actor.org_id, actor.principal_id, [x.client_id for x in batch])
        verdicts = screen(batch, now, last, seen)
        _collect(result, verdicts)
        by_id = {x.client_id: x for x in batch}
        kept = [by_id[v.client_id] for v in verdicts if v.outcome is Outcome.STORE]
        route = _route_of(session, actor.org_id, actor.principal_id, route_id)
        if kept:
            _store(session, actor, route, kept)
        session.commit()
    result.stored = len(kept)
    if kept:
        newest = max(kept, key=lambda x: x.at)
        p.live.publish(actor.org_id, position_event(actor.principal_id, route, newest))
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
