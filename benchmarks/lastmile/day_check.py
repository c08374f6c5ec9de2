"""An independent re-timing of any solver's routes against the VROOM problem, on the same matrix.

Input is the problem JSON and a solution in VROOM's shape (routes of ``{vehicle, steps: [{type, id}]}``);
only the order of the steps is taken from the solver: arrival times, waiting, loads and travel are recomputed.
Rules: service starts inside one of the task's windows (waiting allowed), loads within capacity on every
dimension at every point (deliveries are on board from the depot, pickups stay until the end), skills held
by the vehicle, a shipment's pickup before its delivery on the same route, each break of a used vehicle taken
once and started inside its window, back at the depot by the end of the shift. A break is taken in the gap
where the solver put it, as early as its window allows (parked before driving, or on arrival while waiting).
A task breaking a rule, or on a route that breaks a route rule (load, shift end, break), is *not properly
served*: it counts as a violation, not as served.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TASK_STEPS = ("job", "pickup", "delivery")


@dataclass(slots=True)
class Task:
    """One stop of the problem: a job, or one leg of a shipment."""

    key: tuple[str, int]  # (step type, id)
    order: int  # the order it belongs to (shipments: both legs share it)
    loc: int
    service: int
    windows: list[list[int]]
    delivery: list[int]  # taken from the depot
    pickup: list[int]  # loaded here
    unload: list[int]  # unloaded here (shipment delivery)
    skills: set[int]
    urgent: bool


@dataclass(slots=True)
class Verdict:
    """What the routes serve and cost on the matrix, and every rule they break."""

    orders: int
    urgent_total: int
    served: int = 0  # orders properly served (all legs on time, no rule broken)
    urgent_served: int = 0
    visited: int = 0  # orders on a route at all
    vehicles: int = 0
    travel_s: int = 0
    distance_m: int = 0
    cost: float = 0.0
    issues: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, text: str) -> None:
        """Record one broken rule."""
        self.kinds[kind] += 1
        self.issues.append(text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the first 20 issues as examples)."""
        return {
            "orders": self.orders, "served": self.served, "urgent_total": self.urgent_total,
            "urgent_served": self.urgent_served, "visited": self.visited, "vehicles": self.vehicles,
            "travel_s": self.travel_s, "distance_m": self.distance_m, "cost": round(self.cost),
            "violations": len(self.issues), "violation_kinds": dict(self.kinds), "violation_examples": self.issues[:20],
        }  # fmt: skip


def index_tasks(problem: dict[str, Any]) -> dict[tuple[str, int], Task]:
    """Every stop of the problem by (step type, id)."""
    dims = len(problem["vehicles"][0]["capacity"])
    zero = [0] * dims
    out: dict[tuple[str, int], Task] = {}
    for j in problem.get("jobs", []):
        skills, urgent = set(j.get("skills", [])), j.get("priority", 0) > 0
        out[("job", j["id"])] = Task(
            ("job", j["id"]), j["id"], j["location_index"], j.get("service", 0), j.get("time_windows", []),
            j.get("delivery", zero), j.get("pickup", zero), zero, skills, urgent,
        )  # fmt: skip
    for s in problem.get("shipments", []):
        skills, urgent, amount = set(s.get("skills", [])), s.get("priority", 0) > 0, s["amount"]
        order = s["delivery"]["id"]
        for leg in ("pickup", "delivery"):
            x = s[leg]
            picked, dropped = (amount, zero) if leg == "pickup" else (zero, amount)
            out[(leg, x["id"])] = Task(
                (leg, x["id"]), order, x["location_index"], x.get("service", 0), x.get("time_windows", []),
                zero, picked, dropped, skills, urgent,
            )  # fmt: skip
    return out


def _start(arrival: int, windows: list[list[int]]) -> int | None:
    """Earliest service start at or after ``arrival`` inside a window (None: too late for all of them)."""
    if not windows:
        return arrival
    starts = [max(arrival, a) for a, b in windows if max(arrival, a) <= b]
    return min(starts) if starts else None


class _Route:
    """Re-times one route; collects the orders it serves badly and whether a route rule is broken."""

    def __init__(self, v: dict[str, Any], steps: list[dict[str, Any]], tasks: dict[tuple[str, int], Task]) -> None:
        self.v, self.tasks = v, tasks
        self.seq: list[Task] = []
        self.breaks_after: dict[int, list[dict[str, Any]]] = {}  # gap k (after k tasks) -> breaks taken there
        self.unknown: list[tuple[str, int]] = []
        breaks = {b["id"]: b for b in v.get("breaks", [])}
        self.break_ids: list[int] = []
        for st in steps:
            kind = st.get("type")
            if kind in TASK_STEPS:
                key = (kind, int(st["id"]))
                if key in tasks:
                    self.seq.append(tasks[key])
                else:
                    self.unknown.append(key)
            elif kind == "break" and st.get("id") in breaks:
                self.breaks_after.setdefault(len(self.seq), []).append(breaks[st["id"]])
                self.break_ids.append(st["id"])
        self.bad_orders: set[int] = set()
        self.route_broken = False


def check_route(r: _Route, dur: list[list[int]], dist: list[list[int]], out: Verdict) -> None:
    """Time, load, skills and break rules of one route; adds travel, distance and cost to ``out``."""
    v, vid = r.v, r.v["id"]
    cap, skills = v["capacity"], set(v.get("skills", []))
    load = [sum(t.delivery[d] for t in r.seq) for d in range(len(cap))]
    if any(x > c for x, c in zip(load, cap, strict=True)):
        r.route_broken = True
        out.add("capacity", f"vehicle {vid}: leaves the depot with {load} > capacity {cap}")
    t, prev = v["time_window"][0], v["start_index"]
    travel = distance = 0
    for k, task in enumerate([*r.seq, None]):
        loc = v["end_index"] if task is None else task.loc
        d = dur[prev][loc]
        travel, distance = travel + d, distance + dist[prev][loc]
        cur, pause = t, 0
        for b in r.breaks_after.get(k, []):
            (bs, be) = b["time_windows"][0] if b.get("time_windows") else v["time_window"]
            cur = max(cur, bs)
            if cur > be:
                r.route_broken = True
                out.add("break", f"vehicle {vid}: break {b['id']} starts at {cur} > {be}")
            cur, pause = cur + b.get("service", 0), pause + b.get("service", 0)
        t = max(t + d + pause, cur)
        prev = loc
        if task is None:
            break
        start = _start(t, task.windows)
        if start is None:
            r.bad_orders.add(task.order)
            out.add("time_window", f"vehicle {vid}: {task.key[0]} {task.key[1]} reached at {t}, after its windows")
            start = t
        if not task.skills <= skills:
            r.bad_orders.add(task.order)
            out.add("skill", f"vehicle {vid}: {task.key[0]} {task.key[1]} needs skills {sorted(task.skills)}")
        t = start + task.service
        load = [x - a - u + p for x, a, u, p in zip(load, task.delivery, task.unload, task.pickup, strict=True)]
        if any(x > c for x, c in zip(load, cap, strict=True)):
            r.route_broken = True
            out.add("capacity", f"vehicle {vid}: load {load} > capacity {cap} after {task.key[0]} {task.key[1]}")
    if t > v["time_window"][1]:
        r.route_broken = True
        out.add("shift_end", f"vehicle {vid}: back at the depot at {t} > {v['time_window'][1]}")
    missing = Counter(b["id"] for b in v.get("breaks", [])) - Counter(r.break_ids)
    if missing or len(r.break_ids) != len(set(r.break_ids)):
        r.route_broken = True
        out.add("break", f"vehicle {vid}: breaks taken {r.break_ids}, expected {[b['id'] for b in v['breaks']]}")
    costs = v.get("costs", {})
    out.travel_s += travel
    out.distance_m += distance
    out.cost += costs.get("fixed", 0) + costs.get("per_hour", 3600) * travel / 3600
    out.cost += costs.get("per_km", 0) * distance / 1000


def verify(problem: dict[str, Any], solution: dict[str, Any]) -> Verdict:
    """Re-time every route of ``solution`` against ``problem``; count properly served orders."""
    tasks = index_tasks(problem)
    legs_per_order = Counter(t.order for t in tasks.values())
    urgent = {t.order for t in tasks.values() if t.urgent}
    out = Verdict(orders=len(legs_per_order), urgent_total=len(urgent))
    dur = problem["matrices"]["car"]["durations"]
    dist = problem["matrices"]["car"]["distances"]
    vehicles = {v["id"]: v for v in problem["vehicles"]}
    seen: dict[tuple[str, int], tuple[int, int]] = {}  # step -> (route number, position)
    bad: set[int] = set()
    used: Counter[int] = Counter()
    for n, route in enumerate(solution.get("routes", [])):
        v = vehicles.get(route.get("vehicle"))
        if v is None:
            out.add("unknown", f"route {n}: unknown vehicle {route.get('vehicle')}")
            continue
        r = _Route(v, route.get("steps", []), tasks)
        if not r.seq:
            continue
        used[v["id"]] += 1
        for key in r.unknown:
            out.add("unknown", f"vehicle {v['id']}: unknown step {key}")
        for pos, task in enumerate(r.seq):
            if task.key in seen:
                bad.add(task.order)
                out.add("duplicate", f"{task.key[0]} {task.key[1]} visited twice")
            seen[task.key] = (n, pos)
        check_route(r, dur, dist, out)
        bad |= {t.order for t in r.seq} if r.route_broken else r.bad_orders
    for vid, k in used.items():
        if k > 1:
            out.add("duplicate", f"vehicle {vid} drives {k} routes")
    bad |= _pairs(tasks, seen, out)
    legs_seen = Counter(tasks[key].order for key in seen)
    visited = {o for o, k in legs_seen.items() if k == legs_per_order[o]}
    served = visited - bad
    out.visited, out.served = len(visited), len(served)
    out.urgent_served = len(served & urgent)
    out.vehicles = len(used)
    return out


def _pairs(tasks: dict[tuple[str, int], Task], seen: dict[tuple[str, int], tuple[int, int]], out: Verdict) -> set[int]:
    """Shipments: both legs or neither, on one route, pickup first."""
    bad: set[int] = set()
    for key, task in tasks.items():
        if key[0] != "pickup":
            continue
        p, d = seen.get(key), seen.get(("delivery", key[1]))
        if p is None and d is None:
            continue
        if p is None or d is None or p[0] != d[0] or p[1] > d[1]:
            bad.add(task.order)
            out.add("pairing", f"shipment {key[1]}: pickup {p} and delivery {d} not in order on one route")
    return bad
