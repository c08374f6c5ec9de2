"""The live snapshot's view of one route: ETAs only for what is on the route now."""

from __future__ import annotations

from datetime import date

from doorstep.services.operations.live_view import _route_view
from doorstep.store.models import PlanRow, RouteLiveRow, RouteRow


def _stop(order_id: str | None, lat: float) -> dict[str, object]:
    return {"order_id": order_id, "external_ref": order_id, "location": {"lat": lat, "lng": -9.1}}


def test_an_order_taken_off_the_route_has_no_eta_or_alert_before_the_eta_worker_retimes_it() -> None:
    """The ETA row is written by the ETA worker after the route changed; until then it still lists an order the
    dispatcher just cancelled. The view shows ETAs (and alerts) only for stops on the route's current version."""
    plan = PlanRow(id="pln_1", day=date(2025, 6, 17), depot_id="dep_1")
    route = RouteRow(id="rte_1", plan_id="pln_1", vehicle_id="veh_1", status="dispatched", version=3,
                     data={"stops": [_stop(None, 38.7), _stop("ord_a", 38.71), _stop("ord_c", 38.72)]})  # fmt: skip
    etas = [
        {"order_id": "ord_a", "status": "on_time"}, {"order_id": "ord_b", "status": "late"},
        {"order_id": "ord_c", "status": "late"}, {"order_id": None, "type": "end", "status": "on_time"},
    ]  # fmt: skip
    live = RouteLiveRow(route_id="rte_1", done=1, outcomes={}, position=None, etas=etas)
    view = _route_view(route, live, plan)
    assert [e["order_id"] for e in view["etas"]] == ["ord_a", "ord_c", None]
    assert [e["order_id"] for e in view["alerts"]] == ["ord_c"]
    assert view["refs"] == {"ord_a": "ord_a", "ord_c": "ord_c"}
