"""Scaling: synthetic 1,000 / 2,000 / 5,000-stop days planned by ``plan`` with the straight-line provider.

Each size runs in a fresh subprocess (so peak RSS is that size's own) and records: time to the first feasible
plan, the best cost at 10/25/50/100 % of the budget, peak memory, and the time spent outside the solver.

Example: ``.venv/bin/python benchmarks/scaling.py --sizes 1000 --time-limit 10``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain import Depot, LatLng, Order, OrderKind, Problem, TimeWindow, Vehicle, VehicleType
from doorstep.domain.fleet import Break
from doorstep.domain.geo import haversine_m
from doorstep.optimize.options import SolveOptions
from doorstep.routing import StraightLineProvider
from machine import machine_info
from tables import Table, fmt, print_rich

RESULTS = Path(__file__).resolve().parent / "results"
CHECKPOINTS = (0.10, 0.25, 0.50, 1.00)
TZ = ZoneInfo("Europe/Madrid")
DAY = date(2025, 6, 17)
CENTRE = LatLng(40.4168, -3.7038)  # a city about 30 km across (Madrid-sized); points are synthetic
CITY_RADIUS_KM = 14.0
KM_PER_DEG_LAT = 111.32
SHIFT = (8, 18)  # vans work 08:00-18:00 local time
SLOTS = ((8, 10), (10, 12), (12, 14), (14, 16), (16, 18))  # 2 h delivery slots
WINDOW_SHARE = 0.70
STOPS_PER_VAN = 45  # a van carries ~60 stops' parcels; 45 leaves slack so every order fits
VAN_PARCELS, VAN_WEIGHT_G = 120, 700_000
LUNCH = ((11, 30), (13, 30), 30 * 60)  # with --breaks: every van takes 30 min, starting between 11:30 and 13:30


# --- a realistic synthetic day -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cluster:
    """A neighbourhood: centre offset from the city centre (km), spread (km), relative demand."""

    x_km: float
    y_km: float
    sigma_km: float
    weight: float


def _offset(dx_km: float, dy_km: float) -> LatLng:
    lat = CENTRE.lat + dy_km / KM_PER_DEG_LAT
    lng = CENTRE.lng + dx_km / (KM_PER_DEG_LAT * math.cos(math.radians(CENTRE.lat)))
    return LatLng(round(lat, 6), round(lng, 6))


def _in_disc(rng: random.Random, radius: float) -> tuple[float, float]:
    r, a = radius * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    return r * math.cos(a), r * math.sin(a)


def clusters(rng: random.Random, n: int) -> list[Cluster]:
    """Neighbourhoods: denser near the centre, a few hundred metres to 1.5 km across."""
    out = []
    for _ in range(max(8, n // 60)):
        x, y = _in_disc(rng, CITY_RADIUS_KM * 0.9)
        out.append(Cluster(x, y, rng.uniform(0.3, 1.5), rng.gammavariate(2.0, 1.0)))
    return out


def stop_points(rng: random.Random, n: int) -> list[LatLng]:
    """85 % of stops around neighbourhood centres, 15 % scattered across the city (unique points)."""
    hoods = clusters(rng, n)
    weights = [c.weight for c in hoods]
    points: dict[LatLng, None] = {}
    while len(points) < n:
        if rng.random() < 0.15:
            x, y = _in_disc(rng, CITY_RADIUS_KM)
        else:
            c = rng.choices(hoods, weights)[0]
            x, y = rng.gauss(c.x_km, c.sigma_km), rng.gauss(c.y_km, c.sigma_km)
        if math.hypot(x, y) <= CITY_RADIUS_KM:
            points[_offset(x, y)] = None
    return list(points)


def _local(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def lunch() -> tuple[Break, ...]:
    """The lunch break every van takes with ``--breaks`` (EU drivers must stop after 6 h)."""
    (h0, m0), (h1, m1), duration = LUNCH
    return (Break(start=_local(h0, m0), end=_local(h1, m1), duration_s=duration),)


def _order(rng: random.Random, i: int, where: LatLng) -> Order:
    parcels = min(8, 1 + int(rng.expovariate(0.8)))
    windows: tuple[TimeWindow, ...] = ()
    if rng.random() < WINDOW_SHARE:
        start, end = rng.choice(SLOTS)
        windows = (TimeWindow(_local(start), _local(end)),)
    return Order(
        id=f"ord_s{i:05d}",
        external_ref=f"S{i:05d}",
        kind=OrderKind.DELIVERY,
        location=where,
        time_windows=windows,
        service_s=rng.randint(90, 240) + 20 * parcels,
        size={"parcels": parcels, "weight_g": parcels * rng.randint(300, 3_000)},
    )


HUB_KM = (7.0, -6.0)  # the first hub; more hubs sit at the same distance from the centre, evenly around it


def hubs_of(k: int) -> tuple[Depot, ...]:
    """``k`` peripheral hubs 9.2 km from the centre (the first where the single hub always was)."""
    r, a0 = math.hypot(*HUB_KM), math.atan2(HUB_KM[1], HUB_KM[0])
    out = []
    for j in range(k):
        a = a0 + 2 * math.pi * j / k
        where = _offset(*HUB_KM) if j == 0 else _offset(r * math.cos(a), r * math.sin(a))
        hub_id, name = ("dep_hub", "Hub") if j == 0 else (f"dep_hub{j + 1}", f"Hub {j + 1}")
        out.append(Depot(id=hub_id, name=name, location=where, timezone=str(TZ)))
    return tuple(out)


def _vans_per_hub(hubs: tuple[Depot, ...], points: list[LatLng], n: int) -> list[int]:
    """Vans per hub: one hub gets ``ceil(n / STOPS_PER_VAN)``; several share by the orders nearest each."""
    if len(hubs) == 1:
        return [math.ceil(n / STOPS_PER_VAN)]
    near = [0] * len(hubs)
    for p in points:
        near[min(range(len(hubs)), key=lambda j: haversine_m(hubs[j].location, p))] += 1
    return [math.ceil(c / STOPS_PER_VAN) for c in near]


def synthetic_day(n: int, seed: int = 7, breaks: bool = False, hubs: int = 1) -> Problem:
    """``n`` deliveries in a ~30 km city, 70 % with a 2 h slot, ``hubs`` peripheral hubs, enough vans at each for
    the orders nearest it (each van with a lunch break when ``breaks``); orders may ship from any hub."""
    rng = random.Random(seed)
    depots = hubs_of(hubs)
    van = VehicleType(
        id="vty_van",
        name="Van",
        capacity={"parcels": VAN_PARCELS, "weight_g": VAN_WEIGHT_G},
        fixed_cost_cents=5_000,
        cost_per_km_cents=30,
        cost_per_hour_cents=2_500,
    )
    points = stop_points(rng, n)
    homes = [hub.id for hub, count in zip(depots, _vans_per_hub(depots, points, n), strict=True) for _ in range(count)]
    vans = tuple(
        Vehicle(
            id=f"veh_{k + 1:03d}",
            type=van,
            start_depot_id=home,
            shift_start=_local(SHIFT[0]),
            shift_end=_local(SHIFT[1]),
            breaks=lunch() if breaks else (),
        )
        for k, home in enumerate(homes)
    )
    orders = tuple(_order(rng, i, p) for i, p in enumerate(points))
    return Problem(depots=depots, vehicles=vans, orders=orders, name=f"synthetic-{n}")


# --- one size, in this process (the child) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSpec:
    """What one run plans: the day's shape and the solver options the command line set."""

    n: int
    time_limit: float
    seed: int
    breaks: bool = False
    hubs: int = 1
    workers: int = 1
    split_above: int | None = None  # large-day options (left at their defaults when None)
    part_orders: int | None = None
    part_workers: int | None = None

    def options(self) -> SolveOptions:
        """The solver options; the large-day ones only when given (a version without them runs too)."""
        extra: dict[str, Any] = {}
        if self.split_above is not None:
            extra["split_above_orders"] = self.split_above
        if self.part_orders is not None:
            extra["part_orders"] = self.part_orders
        if self.part_workers is not None:
            extra["part_workers"] = self.part_workers
        return SolveOptions(time_limit_s=self.time_limit, seed=self.seed, workers=self.workers, **extra)

    def argv(self) -> list[str]:
        """The child's command line for this run."""
        out = ["--child", str(self.n), "--time-limit", str(self.time_limit), "--seed", str(self.seed)]
        out += ["--hubs", str(self.hubs), "--workers", str(self.workers)] + (["--breaks"] if self.breaks else [])
        out += ["--split-above", str(self.split_above)] if self.split_above is not None else []
        out += ["--part-orders", str(self.part_orders)] if self.part_orders is not None else []
        return out + (["--part-workers", str(self.part_workers)] if self.part_workers is not None else [])


@dataclass(slots=True)
class Recorder:
    """Collects progress reports with this process's own clock (seconds since ``plan`` was called)."""

    t0: float
    points: list[dict[str, Any]]

    def __call__(self, report: Any) -> None:
        self.points.append(
            {
                "wall_s": round(time.perf_counter() - self.t0, 3),
                "phase": getattr(report, "phase", ""),
                "part": getattr(report, "part", 0),  # a large day's part (0: the whole day)
                "elapsed_s": getattr(report, "elapsed_s", None),
                "feasible": bool(getattr(report, "feasible", False)),
                "best_cost_cents": getattr(report, "best_cost_cents", None),
                "assigned": getattr(report, "assigned", None),
            }
        )


def _whole(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole day's reports (a part's own reports left out)."""
    return [p for p in points if not p.get("part")]


def best_by(points: list[dict[str, Any]], limit_s: float) -> int | None:
    """The best feasible cost of the whole day reported up to ``limit_s`` into the run."""
    costs = [
        p["best_cost_cents"]
        for p in _whole(points)
        if p["feasible"] and p["best_cost_cents"] is not None and p["wall_s"] <= limit_s
    ]
    return min(costs) if costs else None


def run_size(spec: RunSpec) -> dict[str, Any]:
    """Generate, plan, check; everything measured here (this is the child's whole job)."""
    from doorstep.optimize.check import check_plan
    from doorstep.services.planning.planning import plan

    t_gen = time.perf_counter()
    problem = synthetic_day(spec.n, breaks=spec.breaks, hubs=spec.hubs)
    gen_s = time.perf_counter() - t_gen
    provider = StraightLineProvider()
    rec = Recorder(time.perf_counter(), [])
    result = plan(problem, provider=provider, options=spec.options(), on_progress=rec)
    wall = time.perf_counter() - rec.t0
    plan_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the benchmark's own check
    t_chk = time.perf_counter()
    violations = check_plan(problem, result, provider)
    check_s = time.perf_counter() - t_chk
    parts = next((w.message for w in result.warnings if w.code == "W1746"), "")
    return summarise(spec.n, spec.time_limit, result, rec.points, wall) | {
        "generate_s": round(gen_s, 3),
        "check_s": round(check_s, 3),
        "checker_violations": len(violations),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_plan_mib": round(plan_peak, 1),
        "peak_rss_child_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "vehicles_available": len(problem.vehicles),
        "breaks": spec.breaks,
        "hubs": spec.hubs,
        "workers": spec.workers,
        "parts_note": parts,
        "unassigned_reasons": dict(Counter(u.reason.value for u in result.unassigned)),
        "src": str(Path(sys.modules["doorstep"].__file__ or "").parent),
    }


def summarise(n: int, time_limit: float, result: Any, points: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    """The row for one size: first complete plan, cost at checkpoints, and where the time went."""
    s = result.stats
    whole = _whole(points)
    first = next((p["wall_s"] for p in whole if p["feasible"]), None)
    all_in = next((p["wall_s"] for p in whole if p["feasible"] and (p["assigned"] or 0) >= n), None)
    outside = s.runtime_s - s.solver_s
    return {
        "stops": n,
        "time_limit_s": time_limit,
        "plan_wall_s": round(wall, 3),
        "runtime_s": round(s.runtime_s, 3),
        "solver_s": round(s.solver_s, 3),
        "outside_solver_s": round(outside, 3),
        "outside_pct_of_budget": round(100 * outside / time_limit, 2),
        "outside_pct_of_runtime": round(100 * outside / s.runtime_s, 2) if s.runtime_s else None,
        "first_feasible_s": first,
        "first_all_placed_s": all_in,
        "best_cost_at": {f"{int(f * 100)}%": best_by(points, f * time_limit) for f in CHECKPOINTS[:-1]}
        | {"100%": s.cost_cents},
        "cost_cents": s.cost_cents,
        "distance_m": s.distance_m,
        "vehicles_used": s.vehicles_used,
        "assigned": s.orders_assigned,
        "unassigned": len(result.unassigned),
        "iterations": s.iterations,
        "progress": points,
    }


# --- the parent: one subprocess per size, its process tree's memory sampled from outside --------------------


def _tree(root: int) -> list[int]:
    """``root`` and every process below it (read from /proc)."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(c for c, pp in parent.items() if pp == pid)
    return out


def _kib(pid: int, key: str) -> int:
    """A ``key:`` line of /proc/<pid>/smaps_rollup in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass(slots=True)
class TreeMemory:
    """The peak of the summed proportional set size (shared pages split between their users, so a forked part
    is not counted twice) and of the summed RSS of a process tree, sampled every ``every_s`` from outside (a
    sampling thread inside would make the planner spawn instead of fork)."""

    every_s: float = 0.2
    peak_pss_kib: int = 0
    peak_rss_kib: int = 0
    most_processes: int = 0

    def sample(self, root: int) -> None:
        pids = _tree(root)
        self.peak_pss_kib = max(self.peak_pss_kib, sum(_kib(p, "Pss") for p in pids))
        self.peak_rss_kib = max(self.peak_rss_kib, sum(_kib(p, "Rss") for p in pids))
        self.most_processes = max(self.most_processes, len(pids))


def child(spec: RunSpec) -> dict[str, Any]:
    """Run one size in a fresh interpreter, sample its process tree's memory, and read its JSON line back."""
    cmd = [sys.executable, __file__, *spec.argv()]
    t0 = time.perf_counter()
    mem = TreeMemory()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(proc.stdout.read() if proc.stdout else ""), daemon=True)
        err: list[str] = []
        errs = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr else ""), daemon=True)
        reader.start()
        errs.start()
        while proc.poll() is None:
            mem.sample(proc.pid)
            time.sleep(mem.every_s)
        reader.join()
        errs.join()
    tree = {
        "peak_tree_pss_mib": round(mem.peak_pss_kib / 1024, 1),
        "peak_tree_rss_mib": round(mem.peak_rss_kib / 1024, 1),
        "most_processes": mem.most_processes,
        "process_wall_s": round(time.perf_counter() - t0, 3),
    }
    if proc.returncode != 0:
        return {"stops": spec.n, "time_limit_s": spec.time_limit, "error": "".join(err).strip()[-2000:]} | tree
    row: dict[str, Any] = json.loads("".join(out).strip().splitlines()[-1])
    return row | tree


def against(row: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """Cost at each checkpoint as % above the reference run's final cost (``--reference-s``)."""
    ref = reference.get("cost_cents")
    if not ref or "best_cost_at" not in row:
        return {}
    gaps = {k: (round(100 * (v / ref - 1), 2) if v is not None else None) for k, v in row["best_cost_at"].items()}
    return {"reference_cost_cents": ref, "reference_s": reference["time_limit_s"], "gap_to_reference_pct": gaps}


def scaling_table(rows: Sequence[dict[str, Any]]) -> Table:
    """One line per size."""
    headers = [
        "stops",
        "budget s",
        "wall s",
        "first complete s",
        "cost @10%",
        "@25%",
        "@50%",
        "@100%",
        "vs ref @100%",
        "vans used",
        "unassigned",
        "peak tree PSS MiB",
        "outside solver s",
        "violations",
    ]
    body = []
    for r in rows:
        if "error" in r:
            error = "error: " + (r["error"].splitlines() or [""])[-1][:60]
            body.append([str(r["stops"]), fmt(r["time_limit_s"], 0), error] + [""] * (len(headers) - 3))
            continue
        at = r["best_cost_at"]
        gap = r.get("gap_to_reference_pct", {}).get("100%")
        body.append(
            [
                str(r["stops"]),
                fmt(r["time_limit_s"], 0),
                fmt(r["plan_wall_s"], 1),
                fmt(r["first_feasible_s"], 2),
                *(fmt(at[k] / 100 if at[k] is not None else None, 0) for k in ("10%", "25%", "50%", "100%")),
                f"{gap:+.2f} %" if gap is not None else "–",
                str(r["vehicles_used"]),
                str(r["unassigned"]),
                fmt(r["peak_tree_pss_mib"], 0),
                fmt(r["outside_solver_s"], 2),
                str(r["checker_violations"]),
            ]
        )
    return headers, body


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000])
    p.add_argument("--time-limit", type=float, default=60.0, metavar="S")
    p.add_argument("--seed", type=int, default=1, help="solver seed (the day itself is fixed per size)")
    p.add_argument("--breaks", action="store_true", help="every van takes a 30-min lunch break (11:30-13:30 start)")
    p.add_argument("--hubs", type=int, default=1, help="hubs around the city; vans at each for its nearest orders")
    p.add_argument("--workers", type=int, default=1, help="SolveOptions.workers (default 1, as the CLI's)")
    p.add_argument("--split-above", type=int, default=None, help="SolveOptions.split_above_orders (large days)")
    p.add_argument("--part-orders", type=int, default=None, help="SolveOptions.part_orders (large days)")
    p.add_argument("--part-workers", type=int, default=None, help="SolveOptions.part_workers (large days)")
    p.add_argument(
        "--reference-s",
        type=float,
        default=None,
        metavar="S",
        help="also plan each size with this longer limit and give the costs against its final cost",
    )
    p.add_argument("--out", type=Path, default=None, help="default: results/scaling.json (scaling-breaks.json)")
    p.add_argument("--child", type=int, metavar="N", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _planner_src() -> dict[str, str]:
    """Which doorstep the children import (PYTHONPATH may point at another checkout) and its commit."""
    import doorstep

    src = Path(doorstep.__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    except OSError:
        commit = ""
    return {"path": str(src), "commit": commit.strip()}


def main(argv: Sequence[str] | None = None) -> None:
    """Parent: run each size in a subprocess, print the table (costs in currency units), write JSON."""
    args = parse_args(argv)
    common = {
        "time_limit": args.time_limit,
        "seed": args.seed,
        "breaks": args.breaks,
        "hubs": args.hubs,
        "workers": args.workers,
        "split_above": args.split_above,
        "part_orders": args.part_orders,
        "part_workers": args.part_workers,
    }
    if args.child:
        print(json.dumps(run_size(RunSpec(args.child, **common))))
        return
    load_start = os.getloadavg()
    rows = []
    for n in args.sizes:
        print(f"planning {n} stops, {args.time_limit:g} s ...", file=sys.stderr, flush=True)
        row = child(RunSpec(n, **common))
        if args.reference_s:
            print(f"reference: {n} stops, {args.reference_s:g} s ...", file=sys.stderr, flush=True)
            ref = child(RunSpec(n, **(common | {"time_limit": args.reference_s})))
            row |= against(row, ref) | {"reference": {k: v for k, v in ref.items() if k != "progress"}}
        rows.append(row)
    meta = {
        "kind": "scaling",
        "time_limit_s": args.time_limit,
        "seed": args.seed,
        "sizes": args.sizes,
        "provider": "StraightLineProvider (haversine x 1.3, van 28 km/h)",
        "objective": "cost (default)",
        "generator": "clustered points in a 28 km disc, 70 % with 2 h slots, 1-8 parcels and 0.3-3 kg each "
        "(two capacity dimensions: parcels and weight_g), "
        + (f"{args.hubs} hubs 9.2 km out" if args.hubs > 1 else "hub 9 km out")
        + (", a 30-min lunch break per van (start 11:30-13:30)" if args.breaks else ""),
        "options": {k: v for k, v in common.items() if k not in ("time_limit", "seed")},
        "reference_s": args.reference_s,
        "planner_src": _planner_src(),
        "load_start": load_start,
        "load_end": os.getloadavg(),  # 1/5/15-minute load averages (older files: "load_before", taken here)
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(speed=True),
    }
    args.out = args.out or RESULTS / ("scaling-breaks.json" if args.breaks else "scaling.json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    print_rich(scaling_table(rows), f"Scaling, {args.time_limit:g} s budget (costs in currency units)")
    print(f"Results written to {args.out}")


if __name__ == "__main__":
    main()
