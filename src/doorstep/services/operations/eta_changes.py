"""When a re-timed route's ETAs are worth recording as an ``eta.updated`` event (what customer messages such as
"arriving soon" and "delayed" react to): a stop was done (every later stop is a stop closer), or a remaining
order stop's predicted arrival moved into another five-minute step of lead time (within two hours) or of lateness.
Between those moments the ETA worker re-times routes every few seconds without recording anything, so a busy
day records a few hundred such events per route, not one per position."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.live.eta import RouteEta

STEP_S = 300  # five minutes
LEAD_HORIZON_S = 2 * 3600  # leads beyond two hours are one step ("not soon")


def _lead_step(eta: datetime, as_of: datetime) -> int:
    lead = (eta - as_of).total_seconds()
    return int(min(max(lead, 0), LEAD_HORIZON_S) // STEP_S)


def _steps(etas: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per order stop of a stored ETA list: (lead step, lateness step)."""
    out = {}
    for d in etas:
        if d.get("order_id") and d.get("as_of"):
            eta, as_of = datetime.fromisoformat(d["eta"]), datetime.fromisoformat(d["as_of"])
            out[d["order_id"]] = (_lead_step(eta, as_of), int(d.get("late_s") or 0) // STEP_S)
    return out


def remaining(eta: RouteEta, outcomes: dict[str, Any]) -> list[dict[str, Any]]:
    """The route's remaining order stops in visit order, with the customer stops before each."""
    out: list[dict[str, Any]] = []
    for s in eta.stops:
        if s.order_id and s.order_id not in outcomes:
            out.append({"order_id": s.order_id, "eta": s.eta.isoformat(), "late_s": s.late_s,
                        "stops_before": len(out)})  # fmt: skip
    return out


def eta_change(
    previous: list[dict[str, Any]], eta: RouteEta, outcomes: dict[str, Any], progressed: bool
) -> dict[str, Any] | None:
    """The ``eta.updated`` event's data when this re-timing matters to customers, else None."""
    stops = remaining(eta, outcomes)
    if not stops:
        return None
    before = _steps(previous)
    now = {s["order_id"]: (_lead_step(datetime.fromisoformat(s["eta"]), eta.as_of), s["late_s"] // STEP_S)
           for s in stops}  # fmt: skip
    if not progressed and all(before.get(o) == step for o, step in now.items()):
        return None
    return {"at": eta.as_of.isoformat(), "stops": stops}
