"""How far pickup points are from a customer's place: straight-line metres always, and the walk (metres,
seconds) on the deployment's walking network (``DOORSTEP_FOOT_NETWORK``) when it has one. One small OSRM table
from the place to the points; a point no walking path reaches has no walk; a place the walking network reaches
no point from (outside its extract) has no walks at all, and the straight line stands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.provider import UNREACHABLE, TravelTimeProvider, ask_matrix


@dataclass(frozen=True, slots=True)
class Reach:
    """The way from the customer's place to one point."""

    distance_m: int  # straight line
    walk_m: int | None = None  # on foot (None: no walking network, or no path)
    walk_s: int | None = None

    def key(self, walked: bool) -> tuple[int, int]:
        """Sort key, nearest first: by the walk when the points were walked (no path: after every walk), else by
        the straight line."""
        if not walked:
            return (0, self.distance_m)
        return (0, self.walk_m) if self.walk_m is not None else (1, self.distance_m)


def straight(at: LatLng, places: Sequence[LatLng]) -> list[Reach]:
    """Straight-line metres from ``at`` to each place."""
    return [Reach(round(haversine_m(at, x))) for x in places]


def walked(walks: TravelTimeProvider, at: LatLng, places: Sequence[LatLng]) -> list[Reach] | None:
    """Straight line and walk from ``at`` to each place; None when the walking network reaches none of them."""
    if not places:
        return None
    m = ask_matrix(walks, [at, *places], SpeedProfile.FOOT)
    metres, seconds = m.distances[0][1:], m.durations[0][1:]
    if all(int(d) >= UNREACHABLE for d in metres):
        return None
    return [
        Reach(r.distance_m, int(d), int(t)) if int(d) < UNREACHABLE else r
        for r, d, t in zip(straight(at, places), metres, seconds, strict=True)
    ]


def reach(walks: TravelTimeProvider | None, at: LatLng, places: Sequence[LatLng]) -> tuple[list[Reach], bool]:
    """The way to each place, and whether it was walked (else straight line only)."""
    on_foot = walked(walks, at, places) if walks is not None else None
    return (on_foot, True) if on_foot is not None else (straight(at, places), False)
