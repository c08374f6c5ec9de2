"""Checks of one route, recomputed from the problem and the stop sequence only (independent of the planner)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from doorstep.domain.fleet import Break, Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, OrderKind, TimeWindow
from doorstep.domain.pickup import service_after
from doorstep.domain.plan import Route, ScheduledStop, StopType, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.zones import zones_at

TOLERANCE = timedelta(seconds=1)
Travel = Callable[[LatLng, LatLng], tuple[int, int]]  # (seconds, metres)


def _windows_at(order: Order, stop: ScheduledStop) -> tuple[TimeWindow, ...] | None:
    """The windows that apply where the stop is; None when the stop is not at any of the order's places."""
    if stop.type is StopType.PAIRED_PICKUP:
        return order.pickup.time_windows if order.pickup and stop.location == order.pickup.location else None
    if stop.location == order.location:
        return order.time_windows
    for alt in order.alternatives:
        if stop.location == alt.location and stop.type is not StopType.PAIRED_DELIVERY:
            return alt.time_windows
    return None


class RouteChecker:
    """Walks one route once, collecting violations."""

    def __init__(self, problem: Problem, route: Route, vehicle: Vehicle, travel: Travel) -> None:
        self.p, self.r, self.v, self.travel = problem, route, vehicle, travel
        self.out: list[Violation] = []

    def add(self, kind: str, message: str, order_id: str | None = None, amount: int = 0) -> None:
        """Record one violation on this route."""
        self.out.append(Violation(kind, f"{self.r.id} ({self.v.id}): {message}", self.r.id, order_id, amount))

    def run(self) -> list[Violation]:
        """All checks of the route."""
        stops = self.r.stops
        if len(stops) < 2 or stops[0].type is not StopType.START or stops[-1].type is not StopType.END:
            self.add("STRUCTURE", "a route must begin with a start and end with an end stop")
            return self.out
        self._ends(stops)
        self._orders(stops)
        self._times(stops)
        self._loads(stops)
        self._limits(stops)
        return self.out

    def _ends(self, stops: list[ScheduledStop]) -> None:
        start = self.p.depot(self.v.start_depot_id)
        if stops[0].location != start.location:
            self.add("STRUCTURE", f"does not start at its depot {start.id}")
        if not self.v.open_end and stops[-1].location != self.p.depot(self.v.end_depot).location:
            self.add("STRUCTURE", f"does not end at its depot {self.v.end_depot}")

    def _orders(self, stops: list[ScheduledStop]) -> None:
        skills = self.v.all_skills
        for s in stops:
            if s.order_id is None:
                continue
            o = self.p.order(s.order_id)
            if not o.skills <= skills:
                self.add("SKILL", f"{o.id} needs {sorted(o.skills - skills)}", o.id)
            if o.depot_id is not None and o.depot_id != self.v.start_depot_id:
                self.add("DEPOT", f"{o.id} must ship from {o.depot_id}", o.id)
            if _windows_at(o, s) is None:
                self.add("WRONG_PLACE", f"{o.id} is served at {s.location}, not at one of its places", o.id)
        breaks = [s for s in stops if s.type is StopType.BREAK]
        if len(breaks) != len(self.v.breaks):
            self.add("BREAK", f"has {len(breaks)} break(s), the vehicle needs {len(self.v.breaks)}")

    def _times(self, stops: list[ScheduledStop]) -> None:
        v = self.v
        depot = self.p.depot(v.start_depot_id)
        opens, closes = depot.hours_on(depot.local_day(v.shift_start))
        first = stops[0]
        begin = first.departure - timedelta(seconds=depot.loading_s)
        if begin + TOLERANCE < v.shift_start or (opens is not None and begin + TOLERANCE < opens):
            self.add("SHIFT", f"starts at {begin.isoformat()}, before the shift or the depot opens")
        self._releases(stops)
        t, here = first.departure, first.location
        breaks = iter(v.breaks)
        for prev, s in itertools.pairwise(stops):
            secs, _ = self.travel(here, s.location)
            arrive = t + timedelta(seconds=secs)
            if s.arrival + TOLERANCE < arrive:
                self.add(
                    "SCHEDULE",
                    f"claims arrival {s.arrival.isoformat()} before {arrive.isoformat()} is possible",
                    s.order_id,
                )
            t = self._serve(s, arrive, breaks, self._delivered_before(prev, s))
            here = s.location
        self._end(t, stops[-1], begin, closes)

    def _delivered_before(self, prev: ScheduledStop, s: ScheduledStop) -> Order | None:
        """The order delivered at the stop just before a delivery stop at the same place (a pickup point's visit
        pays its handover once: ``service_after``)."""
        if prev.type is not StopType.DELIVERY or s.type is not StopType.DELIVERY or prev.order_id is None:
            return None
        return self.p.order(prev.order_id) if prev.location == s.location else None

    def _serve(self, s: ScheduledStop, arrive: datetime, breaks: Iterator[Break], before: Order | None) -> datetime:
        if s.type is StopType.BREAK:
            b = next(breaks, None)
            if b is None:
                return arrive
            begin = max(arrive, b.start)
            if begin > b.end + TOLERANCE:
                self.add("BREAK", f"break starts {begin.isoformat()}, after its window ends {b.end.isoformat()}")
            return begin + timedelta(seconds=b.duration_s)
        if s.type is StopType.RELOAD:  # an electric van charges at every return (docs/modelling.md)
            charge = self.v.type.charge_s if self.v.type.range_m is not None else 0
            return arrive + timedelta(seconds=self.p.depot(self.v.start_depot_id).loading_s + charge)
        if s.type is StopType.END or s.order_id is None:
            return arrive
        o = self.p.order(s.order_id)
        windows = _windows_at(o, s) or ()
        begin = arrive
        if windows:
            fitting = [w for w in windows if w.end + TOLERANCE >= arrive]
            if not fitting:
                late = int((arrive - windows[-1].end).total_seconds())
                self.add("TIME_WINDOW", f"{o.id} reached {late} s after its window closes", o.id, late)
            else:
                begin = max(arrive, min(fitting, key=lambda w: w.start).start)
        if self.p.zones and s.type is not StopType.PAIRED_PICKUP:
            self._zones(o, s, begin)
        service = o.pickup.service_s if s.type is StopType.PAIRED_PICKUP and o.pickup else service_after(before, o)
        return begin + timedelta(seconds=service)

    def _zones(self, o: Order, s: ScheduledStop, begin: datetime) -> None:
        """A stop inside an access zone: served by an allowed vehicle type, starting within the zone's hours."""
        tz = self.p.depots[0].timezone if self.p.depots else "UTC"
        for z in zones_at(self.p.zones, s.location):
            if self.v.type.id not in z.vehicle_type_ids:
                self.add("ACCESS_ZONE", f"{o.id} is inside {z.name or z.id}, closed to {self.v.type.id}", o.id)
            elif not z.open_at(begin, tz):
                msg = f"{o.id} served at {begin.isoformat()}, outside {z.name or z.id}'s hours {z.hours_text()}"
                self.add("ACCESS_ZONE", msg, o.id)

    def _end(self, t: datetime, end: ScheduledStop, begin: datetime, closes: datetime | None) -> None:
        limit = self.v.shift_end if self.v.open_end or closes is None else min(self.v.shift_end, closes)
        if t > limit + TOLERANCE:
            self.add(
                "SHIFT",
                f"back at {t.isoformat()}, after {limit.isoformat()}",
                amount=int((t - limit).total_seconds()),
            )
        used = int((t - begin).total_seconds())
        if self.v.max_shift_s is not None and used > self.v.max_shift_s + 1:
            self.add(
                "SHIFT_LENGTH",
                f"lasts {used} s, more than {self.v.max_shift_s} s",
                amount=used - self.v.max_shift_s,
            )

    def _releases(self, stops: list[ScheduledStop]) -> None:
        trip_start = stops[0]
        for s in stops[1:]:
            if s.type in (StopType.RELOAD, StopType.END):
                trip_start = s
                continue
            if s.order_id is None or s.type is not StopType.DELIVERY:
                continue
            o = self.p.order(s.order_id)
            if o.release_at is not None and trip_start.departure + TOLERANCE < o.release_at:
                self.add("RELEASE_TIME", f"{o.id} leaves the depot before it is ready", o.id)

    def _loads(self, stops: list[ScheduledStop]) -> None:
        cap = self.v.type.capacity
        load: dict[str, int] = {}
        for pos, s in enumerate(stops):
            if s.type in (StopType.START, StopType.RELOAD):
                load = {}
                for nxt in stops[pos + 1 :]:
                    if nxt.type in (StopType.RELOAD, StopType.END):
                        break
                    if nxt.type is StopType.DELIVERY and nxt.order_id:
                        for d, x in self.p.order(nxt.order_id).size.items():
                            load[d] = load.get(d, 0) + x
            elif s.order_id is not None:
                self._apply(load, self.p.order(s.order_id), s.type)
            for d, x in load.items():
                if x > cap.get(d, x):
                    self.add(
                        "CAPACITY",
                        f"carries {d}={x} after stop {pos}, capacity {cap[d]}",
                        s.order_id,
                        x - cap[d],
                    )

    @staticmethod
    def _apply(load: dict[str, int], o: Order, stype: StopType) -> None:
        def add(amounts: dict[str, int], sign: int) -> None:
            for d, x in amounts.items():
                load[d] = load.get(d, 0) + sign * x

        if stype is StopType.DELIVERY:
            add(o.size, -1)
        elif stype is StopType.PICKUP or stype is StopType.PAIRED_PICKUP:
            add(o.size, +1)
        elif stype is StopType.PAIRED_DELIVERY:
            add(o.size, -1)
        if o.kind is not OrderKind.PAIRED:
            add(o.collect, +1)

    def _limits(self, stops: list[ScheduledStop]) -> None:
        metres = sum(
            self.travel(a.location, b.location)[1]
            for a, b in itertools.pairwise(stops)
            if not (b.type is StopType.END and self.v.open_end)
        )
        if self.v.max_distance_m is not None and metres > self.v.max_distance_m:
            self.add(
                "MAX_DISTANCE",
                f"drives {metres} m, more than {self.v.max_distance_m} m",
                amount=metres - self.v.max_distance_m,
            )
        self._range(stops)
        if self.v.max_stops is not None:
            count = 0
            for s in stops[1:]:
                if s.type in (StopType.RELOAD, StopType.END):
                    if count > self.v.max_stops:
                        self.add(
                            "MAX_STOPS",
                            f"{count} stops on one trip, more than {self.v.max_stops}",
                            amount=count - self.v.max_stops,
                        )
                    count = 0
                elif s.order_id is not None and s.type is not StopType.PAIRED_PICKUP:
                    count += 1

    def _range(self, stops: list[ScheduledStop]) -> None:
        """An electric van drives no trip (depot to depot) longer than its range less its reserve."""
        limit = self.v.type.trip_limit_m
        if limit is None:
            return
        metres, trip = 0, 1
        for a, b in itertools.pairwise(stops):
            if not (b.type is StopType.END and self.v.open_end):
                metres += self.travel(a.location, b.location)[1]
            if b.type in (StopType.RELOAD, StopType.END):
                if metres > limit:
                    self.add("RANGE", f"trip {trip} drives {metres} m, more than range less reserve {limit} m", None,
                             metres - limit)  # fmt: skip
                metres, trip = 0, trip + 1
