"""Planner settings side by side on last-mile days: many seeds of one Doorstep search per setting, two at once.

    .venv/bin/python benchmarks/lastmile/search_settings.py --days monaco-100-s2 porto-200-s1 --seeds 0 1 2 3 \\
        --time-limit 10 --polish 0.75:6:nofit 0.75:6:fit

A day name is ``<city>-<size>-s<seed>`` (generated on demand, as ``run.py`` does). A setting ``SHARE:ROUNDS`` is
the planner's share of the search on re-spotted breaks and the number of its rounds (``planner.POLISH_SHARE`` and
``POLISH_SHARE_AT_LEISURE`` both set to it, ``planner.POLISH_ROUNDS``); ``:fit`` or ``:nofit`` after it runs the
first search without the breaks (fitted in
after it, ``optimize/break_fit.py``) or on breaks at sampled places (``planner.BREAKLESS_FIRST``; the planner's
default when left out). After a ``+``, comma-separated ``module.NAME=VALUE`` overrides of other planner constants
(a Python literal; the module under ``doorstep.optimize``), e.g. ``0.75:6+pyvrp_search.ROUTE_REMOVAL_EVERY=10000000``
or ``0.75:6+planner.POLISH_ROUNDS=3``; ``ops=extra`` adds PyVRP's larger exchange operators (Swap31/32/33,
Relocate3) to the search. ``--without-trucks`` runs the days with their vans only (as ``run.py`` does),
``--travel-objective`` with the vehicles' costs taken out (``run.py``'s travel contest). Each (day,
setting, seed) runs one search (``workers=1``; ``--workers 2``: the planner's second search too, then run
with ``--parallel 1``) in a fresh process, two
processes at once (one per core; ``--parallel 1``: one at a time, the other core left to other work), so
settings are compared on the same machine in the same sitting: the search is time-bounded and its result varies
by seed, so compare means over several seeds, not single runs. Travel, cost and vans come from
``day_check.verify`` (VROOM's cost model), as in ``run.py``. Results:
``benchmarks/results/lastmile-settings-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any

from cities import HERE, REPO
from generate import generate
from run import travel_objective, without_trucks

sys.path.insert(0, str(HERE.parent))  # the shared benchmark helpers
from machine import machine_info
from tables import print_rich

RESULTS = REPO / "benchmarks" / "results"


def _override(spec: str) -> None:
    """Apply one ``module.NAME=VALUE`` override (or ``ops=extra``) in this process."""
    import ast
    import importlib

    key, value = spec.split("=", 1)
    if key == "ops":
        import pyvrp.search as ps

        ps.OPERATORS[:0] = [ps.Swap31, ps.Swap32, ps.Swap33, ps.Relocate3]  # SolveParams' default list
        return
    module, name = key.rsplit(".", 1)
    mod = importlib.import_module(f"doorstep.optimize.{module}")
    if not hasattr(mod, name):
        raise SystemExit(f"doorstep.optimize.{module} has no {name}")
    setattr(mod, name, ast.literal_eval(value))


def one(
    day: Path, seed: int, limit: float, share: float, rounds: int, fit: str = "", extra: str = "", workers: int = 1
) -> dict[str, Any]:
    """In this process: plan the day with the setting; the verdict's figures."""
    from day_check import verify

    from doorstep.formats.vroom_input import read_vroom
    from doorstep.formats.vroom_output import vroom_solution
    from doorstep.optimize import planner
    from doorstep.optimize.options import Objective, SolveOptions
    from doorstep.routing.defaults import default_provider
    from doorstep.services.planning.planning import plan

    planner.POLISH_SHARE = planner.POLISH_SHARE_AT_LEISURE = share  # the setting's share at any orders per second
    planner.POLISH_ROUNDS = rounds
    if fit:
        planner.BREAKLESS_FIRST = fit == "fit"
    for spec in filter(None, extra.split(",")):
        _override(spec)
    raw = json.loads(day.read_text())
    read = read_vroom(raw)
    provider = default_provider(read.problem)
    options = SolveOptions(time_limit_s=limit, seed=seed, objective=Objective.TRAVEL_COST, workers=workers)
    t = time.perf_counter()
    result = plan(read.problem, provider=provider, options=options)
    wall = time.perf_counter() - t
    v = verify(raw, vroom_solution(result, read.problem, read.context))
    return {"travel_s": v.travel_s, "cost": v.cost, "vehicles": v.vehicles, "served": v.served, "orders": v.orders,
            "violations": len(v.issues), "iterations": result.stats.iterations, "wall_s": round(wall, 2)}  # fmt: skip


def _day(name: str) -> Path:
    city, size, seed = name.rsplit("-", 2)
    return generate(city, int(size), int(seed.removeprefix("s")))[0]


def _launch(
    name: str, seed: int, limit: float, setting: str, vans_only: bool = False, workers: int = 1, travel: bool = False
) -> dict[str, Any]:
    base, _, extra = setting.partition("+")
    share, rounds, *mode = base.split(":")
    day = without_trucks(_day(name)) if vans_only else _day(name)
    day = travel_objective(day) if travel else day
    cmd = [sys.executable, __file__, "--one", str(day), str(seed), str(limit), share, rounds, mode[0] if mode else "",
           extra, str(workers)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{name} seed {seed} {setting}: {proc.stderr.strip().splitlines()[-1:]}")
    return {"day": name, "seed": seed, "time_limit_s": limit, "setting": setting, **json.loads(proc.stdout)}


def main() -> None:
    """Parse, run every (day, setting, seed) two at a time with a progress bar, print the means, write JSON."""
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        day, seed, limit, share, rounds, fit, extra, workers = sys.argv[2:10]
        print(json.dumps(one(Path(day), int(seed), float(limit), float(share), int(rounds), fit, extra, int(workers))))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", nargs="+", required=True)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--polish", nargs="+", default=["0.75:6:nofit", "0.75:6:fit"],
                    help="SHARE:ROUNDS[:fit|:nofit] settings (fit: the first search without the breaks)")  # fmt: skip
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--parallel", type=int, default=2, help="runs at once (one per core)")
    ap.add_argument("--without-trucks", action="store_true", help="the days with their vans only")
    ap.add_argument("--workers", type=int, default=1, help="search processes per run (2: run with --parallel 1)")
    ap.add_argument("--travel-objective", action="store_true",
                    help="the days with the vehicles' costs taken out (both minimise driving)")  # fmt: skip
    args = ap.parse_args()
    for name in args.days:
        _day(name)  # generate before timing anything
    jobs = [(d, s, args.time_limit, p, args.without_trucks, args.workers, args.travel_objective)
            for d in args.days for p in args.polish for s in args.seeds]  # fmt: skip
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    rows: list[dict[str, Any]] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("runs", total=len(jobs))
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            for row in pool.map(lambda j: _launch(*j), jobs):
                rows.append(row)
                bar.advance(task)
    out = args.out or RESULTS / f"lastmile-settings-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({"benchmark": "lastmile-settings", "machine": machine_info(), "args": vars(args)
                               | {"out": str(out)}, "runs": rows}, indent=1, default=str))  # fmt: skip
    body = []
    for d in args.days:
        base = None
        for p in args.polish:
            mine = [r for r in rows if r["day"] == d and r["setting"] == p]
            travel = mean(r["travel_s"] for r in mine)
            base = base or travel
            served = f"{min(r['served'] for r in mine)}/{mine[0]['orders']}"
            cost, broken = mean(r["cost"] for r in mine), sum(r["violations"] for r in mine)
            ratio = f"{travel / base:.3f}"
            body.append([d, p, str(len(mine)), f"{travel:.0f}", ratio, f"{cost:.0f}", served, str(broken)])
    headers = ["day", "share:rounds", "seeds", "mean travel s", "vs first", "mean cost", "served (worst)", "violations"]
    print_rich((headers, body), f"Search settings, {args.time_limit:g} s, one search per run ({out.name})")


if __name__ == "__main__":
    main()
