"""A dispatcher's change of an order's place while it is on a live route (issue 13): the new place (and windows)
read and checked at the edge, every problem at once, and — once the ``relocate`` re-planning proposal is
approved — written to the order (``replanning.relocate_order``).

The re-planning itself (off its route, inserted again at the new place) is ``replanning._relocate_options``."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.orders import Order
from doorstep.services.orders.convert import parse_order
from doorstep.store.models import OrderRow

RANGES = {"lat": 90.0, "lng": 180.0}


def window_issues(order: Order, parsed: list[Issue], order_id: str) -> list[Issue]:
    """The problems of an order's new windows, at ``windows.k`` as the request names them: every bad time
    (``parsed``: the reader's issues, E1103) and every window ending before it starts (E1104)."""
    issues = [replace(i, loc=("windows", *i.loc[3:])) for i in parsed if i.loc[2:3] == ("time_windows",)]
    for k, w in enumerate(order.time_windows):
        if not any(i.loc[:2] == ("windows", k) for i in issues) and w.end < w.start:
            msg = f"windows.{k}: ends at {w.end:%H:%M} before it starts at {w.start:%H:%M}"
            issues.append(Issue("E1104", msg, ("windows", k), order_id))
    return issues


def _place_issues(location: dict[str, Any] | None, order_id: str) -> list[Issue]:
    """E1301 without a new place; E1105 for each coordinate out of its WGS84 range (or not finite)."""
    if location is None:
        return [Issue("E1301", "location: a relocation needs the order's new place", ("location",), order_id)]
    out = []
    for part, bound in RANGES.items():
        value = float(location[part])
        if not (math.isfinite(value) and -bound <= value <= bound):
            msg = f"location.{part}={value} is out of range (-{bound:g}..{bound:g})"
            out.append(Issue("E1105", msg, ("location", part), order_id))
    return out


def relocated(
    row: OrderRow, details: dict[str, Any], windows: list[dict[str, str]] | None, depots: dict[str, Depot]
) -> Order:
    """The order at its new place: ``details["location"]`` ({lat, lng}), ``details["address"]`` (None keeps the
    current one) and, when given, new ``windows`` (``HH:MM`` on the order's day in the depot's zone, or ISO-8601).
    It no longer goes to a pickup point. Every problem is reported at once (E1301, E1105, E1103, E1104)."""
    location = details.get("location")
    issues = _place_issues(location, row.id)
    spot = {"lat": 0.0, "lng": 0.0} if issues or location is None else location  # bad: only to read the windows
    address = details.get("address")
    data = {**row.data, "location": {"lat": float(spot["lat"]), "lng": float(spot["lng"])},
            "address": row.address if address is None else address}  # fmt: skip
    data.pop("pickup_point_id", None)
    if windows is not None:
        data["time_windows"] = windows
    order, rd = parse_order(data, 0, depots, row.day)
    issues += window_issues(order, rd.issues, row.id) if windows is not None else []
    if issues:
        raise DoorstepError(issues)
    return order


def place_summary(placed: dict[str, Any]) -> dict[str, Any]:
    """What a ``relocate`` option says about the order (``placed``: the order at its new place, Doorstep JSON):
    its new place, address and the windows it is served in, as they are stored."""
    return {"order_id": placed["id"], "location": placed["location"], "address": placed.get("address") or "",
            "windows": placed.get("time_windows") or []}  # fmt: skip
