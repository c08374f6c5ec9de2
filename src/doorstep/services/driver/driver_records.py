"""What the dispatcher reads back from the road: stop events with their proofs, trails and latest positions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import LatestPositionRow, PositionRow, ProofRow, StopEventRow
from doorstep.store.uow import UnitOfWork


def _proof_view(row: ProofRow) -> dict[str, Any]:
    return {
        "id": row.id, "stop_id": row.stop_id, "order_id": row.order_id, "recipient": row.recipient,
        "safe_place": row.safe_place, "barcodes": row.barcodes, "at": row.at.isoformat(), "lat": row.lat,
        "lng": row.lng,
        "photo": {"type": row.photo_type, "bytes": len(row.photo), "url": f"/v1/proofs/{row.id}/photo"}
        if row.photo else None,
        "signature": {"bytes": len(row.signature), "url": f"/v1/proofs/{row.id}/signature"}
        if row.signature else None,
    }  # fmt: skip


def route_stop_events(p: Platform, actor: Actor, route_id: str) -> list[dict[str, Any]]:
    """Every driver action on the route's stops, oldest first, each with its proof (dispatchers and admins)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.routes.require(route_id)
        return _event_views(uow, uow.stop_events.all(StopEventRow.route_id == route_id))


def order_stop_events(p: Platform, actor: Actor, order_id: str) -> list[dict[str, Any]]:
    """Every driver action on the order's stops (each attempt, on any route), oldest first, with its proof."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.orders.require(order_id)
        return _event_views(uow, uow.stop_events.all(StopEventRow.order_id == order_id))


def _event_views(uow: UnitOfWork, rows: list[StopEventRow]) -> list[dict[str, Any]]:
    proofs = uow.proofs.get_many([r.proof_id for r in rows if r.proof_id])
    out = []
    for r in sorted(rows, key=lambda r: (r.created_at, r.id)):
        view = {k: v for k, v in r.result.items() if k not in ("replayed", "warnings")}
        view.update(actor=r.actor, driver_id=r.driver_id, lat=r.lat, lng=r.lng, accuracy_m=r.accuracy_m)
        proof = proofs.get(r.proof_id or "")
        view["proof"] = _proof_view(proof) if proof is not None else None
        out.append(view)
    return out


def proof_file(p: Platform, actor: Actor, proof_id: str, part: str) -> tuple[bytes, str]:
    """A proof's photo or signature bytes and media type (E1302 when absent)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = uow.proofs.require(proof_id)
        data, kind = (row.photo, row.photo_type) if part == "photo" else (row.signature, "image/png")
        if not data:
            raise DoorstepError([Issue("E1302", f"proof {proof_id} has no {part}", (part,), proof_id)])
        return data, kind or "application/octet-stream"


def trail_rows(p: Platform, actor: Actor, route_id: str, limit: int = 5_000) -> list[PositionRow]:
    """The stored positions of a route in time order (the newest ``limit``)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.routes.require(route_id)
        q = (
            select(PositionRow)
            .where(PositionRow.org_id == actor.org_id, PositionRow.route_id == route_id)
            .order_by(PositionRow.at.desc())
            .limit(limit)
        )
        rows = list(uow.session.scalars(q))
    return rows[::-1]


def position_view(r: PositionRow) -> dict[str, Any]:
    """One fix of a trail as the API shows it."""
    return {"lat": r.lat, "lng": r.lng, "at": r.at.isoformat(), "accuracy_m": r.accuracy_m, "driver_id": r.driver_id}


def latest_positions(p: Platform, actor: Actor) -> list[dict[str, Any]]:
    """The newest position of every driver of the organization."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        rows = uow.session.scalars(select(LatestPositionRow).where(LatestPositionRow.org_id == actor.org_id))
        return [
            {"driver_id": r.driver_id, "route_id": r.route_id, "lat": r.lat, "lng": r.lng, "at": r.at.isoformat(),
             "accuracy_m": r.accuracy_m}
            for r in rows
        ]  # fmt: skip
