"""map.html: a self-contained, offline map of a plan (Leaflet inlined from the xstatic-leaflet package).

No CDN and no network: Leaflet's JS and CSS (with its images as data URIs) are inlined, the plan is embedded
as JSON in a ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, and the page
draws a light graticule instead of a basemap. A checkbox adds OpenStreetMap tiles when the viewer is online.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet as xstatic_leaflet

from doorstep.domain import emissions
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem
from doorstep.formats.plan_common import (
    ORDER_STOPS,
    find_order,
    hhmm,
    order_index,
    route_colour,
    route_zone,
    synthetic_points,
)

_MARK = re.compile(r"@@([A-Z_]+)@@")


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's (css, js) from the installed package, the CSS images inlined as data URIs."""
    base = Path(xstatic_leaflet.BASE_DIR)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = base / "images" / match.group(1)
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    return css, js.replace("</", "<\\/")


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: nothing in it can close the element or start a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def _window(stop: ScheduledStop, tz: tzinfo) -> str:
    if stop.window_start is None and stop.window_end is None:
        return ""
    return f"{hhmm(stop.window_start, tz)}-{hhmm(stop.window_end, tz)}"


RoutePaths = Mapping[str, Sequence[LatLng]]  # route id -> the road path it follows (from a road network)


def _route_data(route: Route, index: int, problem: Problem, path: Sequence[LatLng] | None) -> dict[str, Any]:
    tz = route_zone(problem, route)
    orders = order_index(problem)
    stops = []
    n = 0
    for stop in route.stops:
        is_order = stop.type in ORDER_STOPS
        n += is_order
        order = orders.get(stop.order_id) if stop.order_id else None
        stops.append({
            "n": n if is_order else None,
            "type": stop.type.value,
            "lat": stop.location.lat,
            "lng": stop.location.lng,
            "ref": stop.external_ref or (order.external_ref if order else ""),
            "address": stop.address or (order.address if order else ""),
            "name": order.contact.name if order else "",
            "eta": hhmm(stop.arrival, tz),
            "window": _window(stop, tz),
        })  # fmt: skip
    return {
        "id": route.id,
        "vehicle": route.vehicle_name or route.vehicle_id,
        "colour": route_colour(index),
        "stops": len(route.order_ids),
        "km": round(route.distance_m / 1000, 1),
        "h": round(route.duration_s / 3600, 2),
        "cost": round(route.cost_cents / 100, 2),
        "co2_kg": emissions.g_to_kg(route.co2_g),
        "start": hhmm(route.stops[0].departure, tz) if route.stops else "",
        "end": hhmm(route.stops[-1].arrival, tz) if route.stops else "",
        "points": stops,
        "path": [[round(p.lat, 6), round(p.lng, 6)] for p in path] if path else None,
    }


def map_data(
    plan: Plan, problem: Problem, title: str, paths: RoutePaths | None = None, attribution: str = ""
) -> dict[str, Any]:
    """What the page's script draws: depots, routes with their stops (and road paths), unassigned orders, totals.

    ``attribution`` credits the data the paths come from (OpenStreetMap's ODbL requires it wherever shown).
    """
    paths = paths or {}
    unassigned = []
    for u in plan.unassigned:
        order = find_order(problem, u.order_id)
        unassigned.append({
            "ref": u.external_ref or u.order_id, "reason": u.reason.value,
            "message": u.message, "action": u.action,
            "address": order.address if order else "",
            "lat": order.location.lat if order else None, "lng": order.location.lng if order else None,
        })  # fmt: skip
    return {
        "title": title,
        "synthetic": synthetic_points(problem),
        "depots": [{"name": d.name, "lat": d.location.lat, "lng": d.location.lng} for d in problem.depots],
        "routes": [_route_data(r, i, problem, paths.get(r.id)) for i, r in enumerate(plan.routes)],
        "attribution": attribution,
        "unassigned": unassigned,
        "totals": {
            "orders": plan.stats.orders_total or len(problem.orders),
            "assigned": sum(len(r.order_ids) for r in plan.routes),
            "km": round(sum(r.distance_m for r in plan.routes) / 1000, 1),
            "h": round(sum(r.duration_s for r in plan.routes) / 3600, 2),
            "cost": round(sum(r.cost_cents for r in plan.routes) / 100, 2),
            "co2_kg": emissions.g_to_kg(sum(r.co2_g for r in plan.routes)),
            "provider": plan.stats.provider,
        },
        "break_type": StopType.BREAK.value,
    }


def _template() -> str:
    return resources.files("doorstep.formats").joinpath("templates/map.html").read_text(encoding="utf-8")


def render_map_html(
    plan: Plan, problem: Problem, title: str = "", paths: RoutePaths | None = None, attribution: str = ""
) -> str:
    """The complete offline page; every user string reaches it only through escaped JSON or html.escape."""
    title = title or problem.name or f"Plan {plan.id}"
    css, js = leaflet_assets()
    values = {
        "TITLE": html.escape(title),
        "LEAFLET_CSS": css,
        "LEAFLET_JS": js,
        "DATA": script_json(map_data(plan, problem, title, paths, attribution)),
    }
    return _MARK.sub(lambda m: values[m.group(1)], _template())


def write_map_html(
    path: Path,
    plan: Plan,
    problem: Problem,
    title: str = "",
    paths: RoutePaths | None = None,
    attribution: str = "",
) -> None:
    """Write map.html."""
    path.write_text(render_map_html(plan, problem, title, paths, attribution), encoding="utf-8")
