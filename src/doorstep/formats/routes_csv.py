"""routes.csv: one row per stop, in driving order, with everything a driver needs at the door.

Times are local to the route's depot: ``HH:MM`` for reading and ISO-8601 with offset for machines.
The file is written as UTF-8 with a byte-order mark so spreadsheet programs show accents correctly. Text that
came from users (references, addresses, contacts, instructions, names) is written so that a spreadsheet never
runs it as a formula (``cell_safety``); the numeric columns are written as numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from doorstep.domain.orders import Order
from doorstep.domain.plan import Plan, Route, ScheduledStop
from doorstep.domain.problem import Problem
from doorstep.formats.cell_safety import safe_cell
from doorstep.formats.plan_common import format_load, hhmm, iso_local, order_index, route_zone

COLUMNS = (
    "route_id", "vehicle", "seq", "type", "order_ref", "order_id", "address", "contact_name", "contact_phone",
    "lat", "lng", "arrival", "start", "departure", "arrival_iso", "start_iso", "departure_iso", "window",
    "waiting_min", "service_min", "load_after", "instructions", "pickup_point_id",
)  # fmt: skip
# Columns Doorstep computes as numbers or times (never user text): written as they are.
NUMERIC = frozenset({"seq", "lat", "lng", "waiting_min", "service_min"})


def _minutes(seconds: int) -> str:
    """Minutes with one decimal when needed (``4`` or ``4.5``)."""
    value = round(seconds / 60, 1)
    return str(int(value)) if value == int(value) else str(value)


def stop_row(route: Route, seq: int, stop: ScheduledStop, order: Order | None, problem: Problem) -> dict[str, str]:
    """The CSV row of one stop."""
    tz = route_zone(problem, route)
    window = ""
    if stop.window_start is not None or stop.window_end is not None:
        window = f"{hhmm(stop.window_start, tz)}-{hhmm(stop.window_end, tz)}"
    contact = order.contact if order is not None else None
    return {
        "route_id": route.id,
        "vehicle": route.vehicle_name or route.vehicle_id,
        "seq": str(seq),
        "type": stop.type.value,
        "order_ref": stop.external_ref or (order.external_ref if order else ""),
        "order_id": stop.order_id or "",
        "address": stop.address or (order.address if order else ""),
        "contact_name": contact.name if contact else "",
        "contact_phone": contact.phone if contact else "",
        "lat": f"{stop.location.lat:.6f}",
        "lng": f"{stop.location.lng:.6f}",
        "arrival": hhmm(stop.arrival, tz),
        "start": hhmm(stop.start, tz),
        "departure": hhmm(stop.departure, tz),
        "arrival_iso": iso_local(stop.arrival, tz) or "",
        "start_iso": iso_local(stop.start, tz) or "",
        "departure_iso": iso_local(stop.departure, tz) or "",
        "window": window,
        "waiting_min": _minutes(stop.waiting_s),
        "service_min": _minutes(stop.service_s),
        "load_after": format_load(stop.load_after),
        "instructions": order.instructions if order else "",
        "pickup_point_id": (order.pickup_point_id or "") if order else "",
    }


def routes_csv(plan: Plan, problem: Problem) -> str:
    """The whole CSV as text (header + one row per stop of every route)."""
    orders = order_index(problem)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for route in plan.routes:
        for seq, stop in enumerate(route.stops):
            order = orders.get(stop.order_id) if stop.order_id else None
            row = stop_row(route, seq, stop, order, problem)
            writer.writerow({k: v if k in NUMERIC else safe_cell(v) for k, v in row.items()})
    return buf.getvalue()


def write_routes_csv(path: Path, plan: Plan, problem: Problem) -> None:
    """Write routes.csv (UTF-8 with BOM, for spreadsheet programs)."""
    path.write_text(routes_csv(plan, problem), encoding="utf-8-sig", newline="")
