"""Exact timing of a route on the real matrices: arrivals, waits, breaks where the driver is, loads per trip.

The solver sees breaks at real places near the route (optimize/breaks.py); here a break is taken where the
driver is (after the previous stop) and the real arc to the next stop is driven after it — or, when the driver
would wait for the break window to open, the driver drives on to the next stop and takes the break there before
serving it. The route leaves as late as it can without making any stop late, so waiting is minimal (as PyVRP
does).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from doorstep.optimize.model import IntMatrix, SolverModel, Visit

# An element of a route: ("depot", depot index), ("client", client index), ("pickup"|"delivery", shipment index)
Element = tuple[str, int]


@dataclass(slots=True)
class Timed:
    """One element with its exact timing and the load on board after it."""

    kind: str
    idx: int
    loc: int | None
    arrival: int
    start: int
    departure: int
    wait: int
    travel_s: int
    travel_m: int
    late: int
    load: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Timing:
    """A whole route: its elements and totals."""

    stops: list[Timed]
    distance: int
    driving: int
    waiting: int
    service: int
    late: int
    overload: int

    @property
    def duration(self) -> int:
        """From leaving the start depot (loading included) to the last arrival."""
        return self.stops[-1].arrival - self.stops[0].arrival if self.stops else 0


def _window(model: SolverModel, el: Element, vt: int) -> tuple[int, int, int]:
    """(early, late, service) of an element."""
    kind, i = el
    if kind == "depot":
        d = model.depots[i]
        return d.tw_early, d.tw_late, d.service
    if kind == "client":
        c = model.clients[i]
        return c.tw_early, c.tw_late, c.service
    s = model.shipments[i]
    tw, svc = (s.p_tw, s.p_service) if kind == "pickup" else (s.d_tw, s.d_service)
    return tw[0], tw[1], svc


def _loc(model: SolverModel, el: Element) -> int | None:
    kind, i = el
    if kind == "depot":
        return model.depots[i].loc if model.depots[i].depot_id is not None else None
    if kind == "client":
        return None if model.clients[i].kind is Visit.BREAK else model.clients[i].loc
    s = model.shipments[i]
    return s.p_loc if kind == "pickup" else s.d_loc


def _trip_loads(model: SolverModel, seq: list[Element]) -> tuple[list[list[int]], list[int]]:
    """Load after each element (deliveries loaded at each depot visit) and each trip's latest release time."""
    ndim = len(model.dims)
    loads: list[list[int]] = []
    releases: list[int] = []
    load = [0] * ndim
    for pos, (kind, i) in enumerate(seq):
        if kind == "depot":
            load = [0] * ndim
            release = 0
            for k2, j in seq[pos + 1 :]:
                if k2 == "depot":
                    break
                if k2 == "client":
                    load = [a + b for a, b in zip(load, model.clients[j].delivery, strict=True)]
                    release = max(release, model.clients[j].release)
            releases.append(release)
        elif kind == "client":
            c = model.clients[i]
            load = [a - d + p for a, d, p in zip(load, c.delivery, c.pickup, strict=True)]
        else:
            sign = 1 if kind == "pickup" else -1
            load = [a + sign * x for a, x in zip(load, model.shipments[i].amount, strict=True)]
        loads.append(list(load))
    return loads, releases


def time_route(model: SolverModel, vt: int, seq: list[Element], leave: int | None = None) -> Timing:
    """Exact schedule of ``seq`` for vehicle type ``vt``, leaving as late as possible without lateness."""
    first = _pass(model, vt, seq, model.vehicle_types[vt].tw_early if leave is None else leave)
    if leave is not None:
        return first
    waited, delay = 0, None
    for t in first.stops[1:]:
        waited += t.wait
        _early, late, _ = _window(model, (t.kind, t.idx), vt)
        if t.late == 0:
            room = late - t.start + waited
            delay = room if delay is None else min(delay, room)
    shift = min(waited, delay if delay is not None else 0)
    return _pass(model, vt, seq, first.stops[0].arrival + max(0, shift)) if shift > 0 else first


def _break_place(
    seq: list[Element], pos: int, model: SolverModel, here: int | None, t: int, early: int, late: int, dur: IntMatrix
) -> int | None:
    """Where the break at ``pos`` is taken: where the driver is (None), or — when the driver is early for it and
    can reach the next stop before the window closes — at the next stop, before serving it. Driving on first is
    never later than waiting and then driving, so the exact schedule is never later than the solver's model."""
    if here is None or t >= early or pos + 1 >= len(seq):
        return None
    nxt = _loc(model, seq[pos + 1])
    if nxt is None or t + int(dur[here, nxt]) > late:
        return None
    return nxt


def _pass(model: SolverModel, vt: int, seq: list[Element], leave: int) -> Timing:
    mvt = model.vehicle_types[vt]
    dur, dist = model.real_durations[mvt.speed], model.real_distances[mvt.speed]
    loads, releases = _trip_loads(model, seq)
    caps = mvt.capacity
    out: list[Timed] = []
    t, here, trip = leave, None, -1
    tot = {"dist": 0, "drive": 0, "wait": 0, "service": 0, "late": 0, "over": 0}
    for pos, el in enumerate(seq):
        kind, i = el
        early, late, service = _window(model, el, vt)
        if pos == len(seq) - 1:
            late = min(late, mvt.tw_late)
        loc = _loc(model, el)
        is_break = kind == "client" and model.clients[i].kind is Visit.BREAK
        if is_break:
            loc = _break_place(seq, pos, model, here, t, early, late, dur)
        travel_s = int(dur[here, loc]) if (here is not None and loc is not None) else 0
        travel_m = int(dist[here, loc]) if (here is not None and loc is not None) else 0
        arrival = t + travel_s
        start = max(arrival, early)
        if kind == "depot" and pos < len(seq) - 1:
            trip += 1
            start = max(start, releases[trip] - service)
        departure = start + service
        lateness = max(0, start - late)
        over = sum(max(0, a - c) for a, c in zip(loads[pos], caps, strict=True))
        out.append(
            Timed(
                kind,
                i,
                loc if loc is not None else here,
                arrival,
                start,
                departure,
                start - arrival,
                travel_s,
                travel_m,
                lateness,
                loads[pos],
            )
        )
        tot["dist"] += travel_m
        tot["drive"] += travel_s
        tot["wait"] += start - arrival
        tot["service"] += service if pos < len(seq) - 1 else 0
        tot["late"] += lateness
        tot["over"] += over
        t = departure
        if loc is not None:
            here = loc
    return Timing(out, tot["dist"], tot["drive"], tot["wait"], tot["service"], tot["late"], tot["over"])


BREAK_POSITIONS = 12  # positions tried per break: those where the driver could start it on time


def _break_positions(model: SolverModel, vt: int, base: list[Element], brk: Element) -> list[int]:
    """Where a break may go: after a stop the driver leaves by the break window's end, the latest first
    (placing a break long before its window only adds waiting)."""
    early, late, _ = _window(model, brk, vt)
    timing = _pass(model, vt, base, model.vehicle_types[vt].tw_early)
    ok = [pos for pos in range(1, len(base)) if timing.stops[pos - 1].departure <= late]
    ok.sort(key=lambda pos: abs(timing.stops[pos - 1].departure - early))
    return ok[:BREAK_POSITIONS] or list(range(1, min(len(base), BREAK_POSITIONS + 1)))


def place_breaks(model: SolverModel, vt: int, seq: list[Element]) -> list[Element]:
    """Move each break to the position that makes the route on time (then shortest); unchanged if already fine.

    Only positions where the break can start within its window are tried (at most ``BREAK_POSITIONS``), so a
    long route costs a dozen exact timings per break, not one per stop.
    """
    current = time_route(model, vt, seq)
    if current.late == 0:
        return seq
    breaks = [el for el in seq if el[0] == "client" and model.clients[el[1]].kind is Visit.BREAK]
    best_seq, best_key = seq, (current.late, current.duration)
    for brk in breaks:
        base = [el for el in best_seq if el != brk]
        for pos in _break_positions(model, vt, base, brk):
            cand = [*base[:pos], brk, *base[pos:]]
            tm = time_route(model, vt, cand)
            key = (tm.late, tm.duration)
            if key < best_key:
                best_seq, best_key = cand, key
    return best_seq
