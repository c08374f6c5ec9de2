"""The checker's look at the roads a route drives: a vehicle barred from an access zone must not drive through it.

Only where the travel model can draw the roads (``route_legs``: a road network); elsewhere this part is skipped
silently, and the re-timing on the vehicle's own matrix (its zones avoided, or W3006 said they could not be) still
holds. Each leg is asked for as the vehicle would drive it, around its barred zones; a road point strictly inside
a barred zone is ``ZONE_TRANSIT``. The leg's two ends (the stops' snapped positions) are ignored, and so is a leg
that starts or ends at a stop inside the zone (that stop is already ``ACCESS_ZONE``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Route, Violation
from doorstep.domain.problem import Problem
from doorstep.optimize.travel_keys import vehicle_avoid

ZONE_TRANSIT = "ZONE_TRANSIT"


def zone_transits(problem: Problem, route: Route, vehicle: Vehicle, provider: object) -> list[Violation]:
    """A ZONE_TRANSIT violation per leg of the route that drives through a zone the vehicle is barred from."""
    avoid = vehicle_avoid(problem, vehicle)
    legs_of: Callable[..., Any] | None = getattr(provider, "route_legs", None)
    stops = [s.location for s in route.stops]
    if not avoid or legs_of is None or len(stops) < 2:
        return []
    legs = legs_of(stops, vehicle.type.profile, avoid=avoid)
    if not legs or len(legs) != len(stops) - 1:
        return []
    zones = [z for z in problem.zones if z.id in avoid]
    out = []
    for k, leg in enumerate(legs):
        inner: Sequence[LatLng] = leg.path[1:-1]
        for z in zones:
            if z.contains(stops[k]) or z.contains(stops[k + 1]):
                continue
            inside = next((p for p in inner if z.contains(p)), None)
            if inside is not None:
                name = z.name or z.id
                msg = (
                    f"{route.id} ({vehicle.id}): leg {k + 1} drives through {name}, closed to {vehicle.type.id} "
                    f"(at {inside.lat:.5f}, {inside.lng:.5f})"
                )
                out.append(Violation(ZONE_TRANSIT, msg, route.id, route.stops[k + 1].order_id))
    return out
