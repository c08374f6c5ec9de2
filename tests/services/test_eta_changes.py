"""When the ETA worker records ``eta.updated``: a stop done, or a remaining order stop moving into another
five-minute step of lead or lateness; a re-timing that changes neither records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.domain.plan import StopType
from doorstep.live.eta import EtaStatus, RouteEta, StopEta
from doorstep.services.operations.eta_changes import eta_change

T0 = datetime(2025, 6, 17, 9, 0, tzinfo=UTC)


def _eta(as_of: datetime, stops: list[tuple[str, int, int]]) -> RouteEta:
    """A route's ETAs at ``as_of``: (order, minutes ahead, late seconds)."""
    out = tuple(
        StopEta(
            k + 1,
            StopType.DELIVERY,
            o,
            o,
            as_of + timedelta(minutes=m),
            as_of + timedelta(minutes=m),
            None,
            late,
            EtaStatus.LATE if late else EtaStatus.ON_TIME,
        )
        for k, (o, m, late) in enumerate(stops)
    )
    return RouteEta("rte_a", as_of, 1, out, as_of + timedelta(hours=3))


def _stored(eta: RouteEta) -> list[dict[str, Any]]:
    """What the ETA worker keeps of a re-timing (``route_live.etas``)."""
    return [{"order_id": s.order_id, "eta": s.eta.isoformat(), "late_s": s.late_s, "as_of": eta.as_of.isoformat()}
            for s in eta.stops]  # fmt: skip


def test_first_retiming_is_recorded_with_the_stops_before_each() -> None:
    """With nothing stored yet, the event lists the remaining order stops in order with the stops before each
    (a stop with an outcome is left out)."""
    eta = _eta(T0, [("ord_a", 10, 0), ("ord_b", 30, 0), ("ord_c", 50, 0)])
    data = eta_change([], eta, {"ord_a": "arrived"}, progressed=False)
    assert data is not None
    assert [(s["order_id"], s["stops_before"]) for s in data["stops"]] == [("ord_b", 0), ("ord_c", 1)]


def test_a_retiming_within_the_same_steps_records_nothing_and_a_new_step_does() -> None:
    """Thirty seconds later with the same arrival times: same steps, nothing; a lead dropping below a
    five-minute mark, or lateness growing by a step, is recorded; a stop done always is."""
    first = _eta(T0, [("ord_a", 12, 0), ("ord_b", 42, 0)])
    same = _eta(T0 + timedelta(seconds=30), [("ord_a", 11, 0), ("ord_b", 41, 0)])  # leads 12 -> 11, 42 -> 41 min
    assert eta_change(_stored(first), same, {}, progressed=False) is None
    assert eta_change(_stored(first), same, {}, progressed=True) is not None
    crossing = _eta(T0 + timedelta(minutes=3), [("ord_a", 9, 0), ("ord_b", 39, 0)])
    assert eta_change(_stored(first), crossing, {}, progressed=False) is not None
    later = _eta(T0, [("ord_a", 12, 0), ("ord_b", 42, 600)])
    assert eta_change(_stored(first), later, {}, progressed=False) is not None


def test_a_route_with_no_remaining_order_stop_records_nothing() -> None:
    """Every stop done: there is nobody left to tell."""
    eta = _eta(T0, [("ord_a", 5, 0)])
    assert eta_change([], eta, {"ord_a": "completed"}, progressed=True) is None
