"""A day simulator's driver: what a virtual driver reports while driving a route.

For one route it yields, in time order, GPS positions along each leg (every ``position_every_s`` seconds,
along the road geometry when a path function is given, else along the straight line), an arrival at each stop,
then a completion or a failure (at ``fail_rate``, with a reason from the catalogue). Delays (traffic, a slow
handover) happen at ``delay_rate`` and push everything after them, so the live ETAs have something to react
to. Pure and seeded: the same route and config give the same day. ``doorstep simulate`` sends these events
through the real driver API, faster than real time.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from doorstep.domain.failures import FailureReason
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Route, ScheduledStop, StopType

Path = Callable[[LatLng, LatLng], Sequence[LatLng]]  # road geometry between two points (ends included)
VISITED = (StopType.DELIVERY, StopType.PICKUP, StopType.PAIRED_PICKUP, StopType.PAIRED_DELIVERY)


class SimKind(StrEnum):
    """What the virtual driver reports."""

    POSITION = "position"
    ARRIVE = "arrive"
    COMPLETE = "complete"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class SimConfig:
    """How the simulated day goes."""

    seed: int = 1
    position_every_s: int = 15
    fail_rate: float = 0.05
    delay_rate: float = 0.1
    max_delay_s: int = 900


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One report of the virtual driver, at simulated time ``at``."""

    at: datetime
    kind: SimKind
    location: LatLng
    stop_index: int | None = None
    order_id: str | None = None
    reason: FailureReason | None = None


def along(points: Sequence[LatLng], fraction: float) -> LatLng:
    """The point ``fraction`` of the way along a polyline (by straight-line length of its segments)."""
    if len(points) == 1:
        return points[0]
    lengths = [abs(b.lat - a.lat) + abs(b.lng - a.lng) for a, b in itertools.pairwise(points)]
    goal, done = fraction * sum(lengths), 0.0
    for (a, b), seg in zip(itertools.pairwise(points), lengths, strict=True):
        if seg and done + seg >= goal:
            f = (goal - done) / seg
            return LatLng(round(a.lat + f * (b.lat - a.lat), 6), round(a.lng + f * (b.lng - a.lng), 6))
        done += seg
    return points[-1]


def _leg(start: datetime, secs: int, path: Sequence[LatLng], every: int) -> Iterator[SimEvent]:
    for t in range(every, secs, every):
        yield SimEvent(start + timedelta(seconds=t), SimKind.POSITION, along(path, t / secs))


def simulate_route(route: Route, config: SimConfig, path: Path | None = None) -> Iterator[SimEvent]:
    """The virtual driver's reports for ``route``, in time order (delays and failures drawn from ``config``)."""
    rng = random.Random(f"{config.seed}:{route.id}")
    clock = route.stops[0].departure
    here = route.stops[0].location
    for k, stop in enumerate(route.stops[1:], start=1):
        drive = stop.travel_s
        if rng.random() < config.delay_rate:
            drive += rng.randint(60, config.max_delay_s)
        geometry = path(here, stop.location) if path is not None else (here, stop.location)
        yield from _leg(clock, drive, geometry, config.position_every_s)
        clock += timedelta(seconds=drive)
        here = stop.location
        if stop.type not in VISITED:  # a break, a reload or the end: no report, but the time passes
            clock = max(clock, stop.window_start or clock) + timedelta(seconds=stop.service_s)
            continue
        yield SimEvent(clock, SimKind.ARRIVE, here, k, stop.order_id)
        clock = max(clock, stop.window_start or clock)  # wait for the window, as the driver would
        if rng.random() < config.fail_rate:
            clock += timedelta(seconds=min(stop.service_s, 60))
            reason = rng.choice([FailureReason.NOT_HOME, FailureReason.NO_ACCESS, FailureReason.REFUSED])
            yield SimEvent(clock, SimKind.FAIL, here, k, stop.order_id, reason)
        else:
            clock += timedelta(seconds=stop.service_s)
            yield SimEvent(clock, SimKind.COMPLETE, here, k, stop.order_id)


def _when(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def route_from_api(data: dict[str, Any], route_id: str) -> Route:
    """The domain route of a route's ``data`` as the API returns it (what the simulator needs to drive it)."""
    stops = [
        ScheduledStop(
            type=StopType(s["type"]), location=LatLng(s["location"]["lat"], s["location"]["lng"]),
            arrival=datetime.fromisoformat(s["arrival"]), start=datetime.fromisoformat(s["start"]),
            departure=datetime.fromisoformat(s["departure"]), order_id=s.get("order_id"),
            window_start=_when(s.get("window_start")), window_end=_when(s.get("window_end")),
            service_s=s.get("service_s", 0), travel_s=s.get("travel_s", 0), travel_m=s.get("travel_m", 0),
        )
        for s in data["stops"]
    ]  # fmt: skip
    return Route(
        id=route_id, vehicle_id=data["vehicle_id"], vehicle_name=data.get("vehicle_name", ""),
        start_depot_id=data.get("start_depot_id", ""), stops=stops,
    )  # fmt: skip
