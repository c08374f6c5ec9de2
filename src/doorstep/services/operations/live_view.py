"""What the dispatcher's live view reads: the snapshot of live routes (progress, last position, ETAs, alerts) and
pending proposals (a customer's tracking page: services/customer/tracking_page.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from doorstep.domain.status import PlanStatus
from doorstep.routing.route_geometry import find_matcher
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.live_day import LIVE_ROUTES, live_rows
from doorstep.services.operations.replanning import ProposalStatus, proposals_of
from doorstep.store.models import PlanRow, ProposalRow, RouteLiveRow, RouteRow


def _route_view(route: RouteRow, live: RouteLiveRow | None, plan: PlanRow) -> dict[str, Any]:
    stops = route.data["stops"]
    orders = [s for s in stops if s.get("order_id")]
    on_route = {s["order_id"] for s in orders}
    # the ETAs are of the route as the ETA worker last timed it: a stop taken off since (cancelled, moved) has none
    etas = [e for e in (live.etas if live else []) if not e.get("order_id") or e["order_id"] in on_route]
    return {
        "id": route.id, "plan_id": route.plan_id, "date": plan.day.isoformat(), "depot_id": plan.depot_id,
        "vehicle_id": route.vehicle_id,
        "vehicle_name": route.data.get("vehicle_name"), "driver_id": route.driver_id, "status": route.status,
        "version": route.version, "stops": len(orders), "done": max(0, (live.done if live else 1) - 1),
        "outcomes": live.outcomes if live else {}, "position": live.position if live else None, "etas": etas,
        "alerts": [e for e in etas if e.get("status") != "on_time" and e.get("order_id")],
        "path": [[s["location"]["lat"], s["location"]["lng"]] for s in stops],
        "refs": {s["order_id"]: s.get("external_ref") or s["order_id"] for s in orders},
        "places": {s["order_id"]: [s["location"]["lat"], s["location"]["lng"]] for s in orders},  # alerts link here
    }  # fmt: skip


def proposal_view(row: ProposalRow) -> dict[str, Any]:
    """A proposal as the API shows it: its options' summaries (the routes stay server-side)."""
    return {
        "id": row.id, "plan_id": row.plan_id, "kind": row.kind, "subject_id": row.subject_id, "status": row.status,
        "created_at": row.created_at.isoformat(), "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decided_by": row.decided_by, "chosen": row.chosen, "options": [o["summary"] for o in row.options],
    }  # fmt: skip


def snapshot(p: Platform, actor: Actor, day: date | None = None) -> dict[str, Any]:
    """Every live route of the organization's published plans (of ``day`` when given) and pending proposals."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        where = [PlanRow.status == PlanStatus.PUBLISHED.value] + ([PlanRow.day == day] if day else [])
        plans = {r.id: r for r in uow.plans.all(*where)}
        routes = uow.routes.all(RouteRow.plan_id.in_(list(plans)), RouteRow.status.in_(LIVE_ROUTES)) if plans else []
        ids = [r.id for r in routes]
        lives = {lr.route_id: lr for lr in live_rows(uow).all(RouteLiveRow.route_id.in_(ids))} if ids else {}
        pending = proposals_of(uow).all(ProposalRow.status == ProposalStatus.PENDING.value)
        return {
            "type": "snapshot", "at": p.clock().isoformat(),
            "map_matching": find_matcher(p.travel.network) is not None,  # trails can be fitted to the roads (a network)
            "routes": [_route_view(r, lives.get(r.id), plans[r.plan_id]) for r in routes],
            "proposals": [proposal_view(x) for x in pending if x.plan_id in plans],
        }  # fmt: skip
