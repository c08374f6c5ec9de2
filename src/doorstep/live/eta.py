"""The ETA engine: from where the driver is now, when each remaining stop of a route will be reached.

On every position or stop event the remaining stops are re-timed from the driver's position and the time of
the report: drive times from the travel provider (with time-of-day traffic, each leg is slowed by the factor of
the hour it is driven in, so a leg that starts at 16:50 feels the 17:00 peak), the planned service times, and
waiting where a stop's window has not opened yet. A stop predicted to start after its window closes is
``LATE``; one predicted within ``risk_margin_s`` of its window's end is ``AT_RISK`` — the dispatcher's alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.timing import Leg, lateness_s, retime
from doorstep.routing.provider import NO_AVOID, UNREACHABLE, TravelTimeProvider, ask_matrix
from doorstep.routing.traffic import hour_by_hour

RISK_MARGIN_S = 600


class EtaStatus(StrEnum):
    """How a stop's predicted start compares with its window."""

    ON_TIME = "on_time"
    AT_RISK = "at_risk"  # on time, but with less than the risk margin to spare
    LATE = "late"  # predicted to start after its window closes


@dataclass(frozen=True, slots=True)
class StopEta:
    """The prediction for one remaining stop."""

    index: int  # position in the route's stops
    type: StopType
    order_id: str | None
    external_ref: str
    eta: datetime  # predicted arrival
    start: datetime  # predicted start of service (after any wait for the window)
    window_end: datetime | None
    late_s: int
    status: EtaStatus


@dataclass(frozen=True, slots=True)
class RouteEta:
    """Predictions for a route's remaining stops as of one moment."""

    route_id: str
    as_of: datetime
    next_index: int
    stops: tuple[StopEta, ...]
    end: datetime  # predicted end of the route
    warnings: tuple[str, ...] = field(default=())

    @property
    def alerts(self) -> list[StopEta]:
        """Stops predicted late or at risk (what the dispatcher is told about)."""
        return [s for s in self.stops if s.status is not EtaStatus.ON_TIME]


def _status(stop: ScheduledStop, margin_s: int) -> tuple[int, EtaStatus]:
    late = lateness_s(stop)
    if late > 0:
        return late, EtaStatus.LATE
    if stop.window_end is not None and (stop.window_end - stop.start).total_seconds() < margin_s:
        return 0, EtaStatus.AT_RISK
    return 0, EtaStatus.ON_TIME


class EtaEngine:
    """Recomputes a route's remaining ETAs with a travel provider (straight line or road network)."""

    def __init__(self, provider: TravelTimeProvider, risk_margin_s: int = RISK_MARGIN_S) -> None:
        self.provider, self.risk_margin_s = provider, risk_margin_s

    def route_eta(
        self,
        route: Route,
        profile: SpeedProfile,
        *,
        done: int,
        now: datetime,
        position: LatLng | None = None,
        service_factor: float = 1.0,
        avoid: frozenset[str] = NO_AVOID,
    ) -> RouteEta:
        """ETAs of ``route.stops[done:]`` for a driver at ``position`` (default: at the last done stop) at ``now``.

        ``done`` counts the leading stops already completed (the start included). Driving resumes at ``now`` or
        at the last done stop's planned departure, whichever is later. ``service_factor`` scales the remaining
        service times (a driver learned to be quicker or slower than the address times say). ``avoid``: the
        access zones the vehicle may not drive through.
        """
        done = max(1, min(done, len(route.stops)))
        remaining = route.stops[done:]
        if service_factor != 1.0:  # the driver's learned pace (docs/learning.md)
            remaining = [replace(s, service_s=round(s.service_s * service_factor)) for s in remaining]
        last = route.stops[done - 1]
        here = ScheduledStop(
            type=StopType.START,
            location=position or last.location,
            arrival=now,
            start=now,
            departure=now if position is not None else max(now, last.departure),
        )
        timed_by_hour = hour_by_hour(self.provider)
        if timed_by_hour is None:
            legs, warnings = self._legs(self.provider, here.location, remaining, profile, now, avoid)
            timed = retime([here, *remaining], 1, legs)[1:]
        else:  # free-flow legs, each driven with the traffic of the hour it is driven in
            free_flow, drive = timed_by_hour
            legs, warnings = self._legs(free_flow, here.location, remaining, profile, now, avoid)
            timed = retime([here, *remaining], 1, legs, drive=drive)[1:]
        etas = []
        for k, stop in enumerate(timed):
            late, status = (
                _status(stop, self.risk_margin_s) if stop.type is not StopType.END else (0, EtaStatus.ON_TIME)
            )
            etas.append(
                StopEta(done + k, stop.type, stop.order_id, stop.external_ref, stop.arrival, stop.start,
                        stop.window_end, late, status)
            )  # fmt: skip
        end = timed[-1].arrival if timed else now
        return RouteEta(route.id, now, done, tuple(etas), end, tuple(warnings))

    @staticmethod
    def _legs(
        provider: TravelTimeProvider,
        origin: LatLng,
        remaining: list[ScheduledStop],
        profile: SpeedProfile,
        now: datetime,
        avoid: frozenset[str] = NO_AVOID,
    ) -> tuple[list[Leg], list[str]]:
        """Drive into each remaining stop; the plan's own leg where no road is known."""
        points = list(dict.fromkeys([origin, *(s.location for s in remaining)]))
        index = {p: i for i, p in enumerate(points)}
        m = ask_matrix(provider, points, profile, now, avoid)
        legs, warnings = [], []
        prev = origin
        for stop in remaining:
            i, j = index[prev], index[stop.location]
            secs, metres = int(m.durations[i, j]), int(m.distances[i, j])
            if secs >= UNREACHABLE:
                warnings.append(f"no road known into stop {stop.external_ref or stop.type.value}; planned leg used")
                secs, metres = stop.travel_s, stop.travel_m
            legs.append(Leg(secs, metres))
            prev = stop.location
        return legs, warnings
