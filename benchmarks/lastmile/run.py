"""Last-mile benchmark: Doorstep vs VROOM vs OR-Tools on generated delivery days with real road matrices.

    .venv/bin/python benchmarks/lastmile/run.py --cities heidelberg porto --sizes 100 200 --seeds 1 \\
        --time-limits 10 --solvers doorstep vroom ortools --summary
    .venv/bin/python benchmarks/lastmile/run.py ... --without-breaks    # the same days with no lunch breaks
    .venv/bin/python benchmarks/lastmile/run.py ... --travel-objective  # both minimise driving time, not cost
    .venv/bin/python benchmarks/lastmile/run.py ... --without-trucks    # the same days with vans only
    .venv/bin/python benchmarks/lastmile/run.py --from benchmarks/results/lastmile-<time>.json --summary

Days are generated on demand (``generate.py``). Each solver runs in a fresh process, one at a time, so its
peak RSS is its own; every answer is re-timed by ``day_check.verify`` on the same matrix (Doorstep's also by
its own ``check_plan``). Results: ``benchmarks/results/lastmile-<time>.json``, written after every run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cities import CITIES, HERE, REPO
from day_check import verify
from generate import generate
from lastmile_tables import SOLVERS, markdown, runs_table, summary_table

sys.path.insert(0, str(HERE.parent))  # the shared benchmark helpers
from machine import machine_info
from tables import print_rich

RESULTS = REPO / "benchmarks" / "results"
WORKER = HERE / "solve_one.py"


def run_worker(solver: str, day: Path, limit: float, seed: int, workers: int = 1) -> dict[str, Any]:
    """Start one solver process and wait for it; its result plus its own peak RSS as the kernel counted it.
    ``workers``: Doorstep's search processes (``SolveOptions.workers``; VROOM always runs on 2 threads)."""
    with tempfile.TemporaryDirectory(prefix="lastmile-") as tmp:
        out, log = Path(tmp) / "result.json", Path(tmp) / "stderr.txt"
        cmd = [sys.executable, str(WORKER), solver, str(day), str(limit), str(seed), str(out), str(workers)]
        t0 = time.perf_counter()
        with log.open("w") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=HERE)
            deadline = t0 + 4 * limit + 600
            while (waited := os.wait4(proc.pid, os.WNOHANG))[0] == 0:
                if time.perf_counter() > deadline:
                    proc.kill()  # our own child, by its pid
                    waited = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.05)
            proc.returncode = os.waitstatus_to_exitcode(waited[1])
        wall = time.perf_counter() - t0
        result: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
        if not out.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()[-8:]
            result = {"error": f"worker exited {proc.returncode} without a result", "traceback": tail}
        result["process_wall_s"] = wall
        result["process_peak_rss_mib"] = round(waited[2].ru_maxrss / 1024, 1)
        return result


def make_row(problem: dict[str, Any], meta: dict[str, Any], solver: str, limit: float, res: dict[str, Any]) -> dict:
    """One result row: the run's own figures and the independent verdict on its routes."""
    extra = res.get("extra", {})
    row: dict[str, Any] = {
        "city": meta["city"], "size": meta["size"], "seed": meta["seed"], "time_limit": limit, "solver": solver,
        "wall_s": round(res.get("wall_s", res["process_wall_s"]), 3),
        "solve_s": round(res.get("solve_s", 0.0), 3), "load_s": round(res.get("load_s", 0.0), 3),
        "peak_rss_mib": res.get("peak_rss_mib", res.get("process_peak_rss_mib", 0.0)),  # the solver's own VmHWM
        "notes": list(res.get("notes", [])), "extra": extra,
    }  # fmt: skip
    if "error" in res:
        row["error"], row["traceback"] = res["error"], res.get("traceback", [])
        row["verdict"] = None
        return row
    verdict = verify(problem, res["solution"])
    row["verdict"] = verdict.to_dict()
    if solver == "doorstep":
        row["check_plan_violations"] = extra.get("check_plan_violations")
        if extra.get("unassigned"):
            row["notes"].append(f"unassigned {extra['unassigned_reasons']}")
        if extra.get("reader_warnings"):
            row["notes"].append(f"{len(extra['reader_warnings'])} reader warning(s)")
    elif extra.get("unassigned"):
        row["notes"].append(f"{extra['unassigned']} unassigned")
    if solver == "ortools":
        if row["verdict"]["visited"] == 0:
            row["notes"].append("first solution not complete in time: every order dropped")
        row["notes"].append("priority = drop penalty")
    return row


def _without(path: Path, key: str, suffix: str) -> Path:
    """A copy of the day with ``key`` taken out of every vehicle, next to it (``<day>-<suffix>.json``)."""
    problem = json.loads(path.read_text())
    for vehicle in problem["vehicles"]:
        vehicle.pop(key, None)
    out = path.with_name(f"{path.stem}-{suffix}.json")
    out.write_text(json.dumps(problem))
    return out


def without_breaks(path: Path) -> Path:
    """A copy of the day with no vehicle breaks (``<day>-nobreaks.json``): run both solvers on it to see what the
    breaks cost each of them."""
    return _without(path, "breaks", "nobreaks")


def travel_objective(path: Path) -> Path:
    """A copy of the day with the vehicles' costs taken out (``<day>-travel.json``): VROOM's cost is then its
    default, the travel seconds, and Doorstep's VROOM reader reads the same default (per_hour 3600, nothing fixed,
    nothing per km), so both solvers minimise driving time — the issue's measure — through their usual paths."""
    return _without(path, "costs", "travel")


def without_trucks(path: Path) -> Path:
    """A copy of the day with only its vans (``<day>-vans.json``): how far the day can be driven without the
    small trucks, which a cheapest plan may leave at the depot (a truck costs more a day and an hour)."""
    problem = json.loads(path.read_text())
    problem["vehicles"] = [v for v in problem["vehicles"] if not str(v.get("description", "")).startswith("truck")]
    out = path.with_name(f"{path.stem}-vans.json")
    out.write_text(json.dumps(problem))
    return out


def _plan(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    days = []
    for city in args.cities:
        for size in args.sizes:
            if size > CITIES[city].max_size:
                print(f"skip {city} {size}: at most {CITIES[city].max_size} orders there")
                continue
            days += [(city, size, seed) for seed in args.seeds]
    return days


def run(args: argparse.Namespace, out: Path) -> list[dict[str, Any]]:
    """Every (day, time limit, solver), with a progress bar; the result file is rewritten after each run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    days = _plan(args)
    rows: list[dict[str, Any]] = []
    doc: dict[str, Any] = {
        "benchmark": "lastmile",
        "machine": machine_info(speed=True),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "days": {},
    }
    total = len(days) * len(args.time_limits) * len(args.solvers)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        task = progress.add_task("runs", total=total)
        for city, size, seed in days:
            progress.update(task, description=f"generating {city}-{size}-s{seed}")
            path, meta = generate(city, size, seed)
            if args.without_breaks:
                path = without_breaks(path)
            if args.travel_objective:
                path = travel_objective(path)
            if args.without_trucks:
                path = without_trucks(path)
            doc["days"][path.stem] = meta
            problem = json.loads(path.read_text())
            for limit in args.time_limits:
                for solver in args.solvers:
                    progress.update(task, description=f"{path.stem} {limit:g}s {solver}")
                    res = run_worker(solver, path, limit, seed, args.doorstep_workers)
                    row = make_row(problem, meta, solver, limit, res)
                    objective = "travel" if args.travel_objective else "cost"
                    rows.append({**row, "breaks": not args.without_breaks, "objective": objective,
                                 "trucks": not args.without_trucks})  # fmt: skip
                    doc["runs"] = rows
                    out.write_text(json.dumps(doc, indent=1))
                    progress.advance(task)
    return rows


def show(rows: list[dict[str, Any]], summary: bool) -> None:
    """The run table, and the ratio view when asked."""
    print_rich(runs_table(rows), "Last-mile days: independent re-timing of every answer")
    if summary:
        print_rich(summary_table(rows), "Doorstep / VROOM (mean over seeds; served and urgent: >1 is better, vans "
                   "and travel: <1 is better)")  # fmt: skip


def main() -> None:
    """Parse the options, run (or read a result file), print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cities", nargs="+", default=["heidelberg", "porto"], choices=sorted(CITIES))
    ap.add_argument("--sizes", nargs="+", type=int, default=[100, 200])
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--time-limits", nargs="+", type=float, default=[10.0, 30.0])
    ap.add_argument("--solvers", nargs="+", default=list(SOLVERS), choices=SOLVERS)
    ap.add_argument("--doorstep-workers", type=int, default=1, help="Doorstep's search processes (VROOM: 2 threads)")
    ap.add_argument("--without-breaks", action="store_true", help="take the vehicles' breaks out of every day")
    ap.add_argument(
        "--travel-objective",
        action="store_true",
        help="take the vehicles' costs out of every day: both solvers minimise driving time",
    )
    ap.add_argument("--without-trucks", action="store_true", help="take the small trucks out of every day's fleet")
    ap.add_argument("--out", type=Path, help="result file (default benchmarks/results/lastmile-<time>.json)")
    ap.add_argument("--summary", action="store_true", help="also print Doorstep/VROOM ratios per day size")
    ap.add_argument("--from", dest="from_file", type=Path, help="print the tables of an earlier result file")
    ap.add_argument("--markdown", action="store_true", help="with --from: print the side-by-side Markdown table")
    args = ap.parse_args()
    if args.from_file is not None:
        rows = json.loads(args.from_file.read_text())["runs"]
        if args.markdown:
            print(markdown(rows))
        else:
            show(rows, args.summary)
        return
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS / f"lastmile-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = run(args, out)
    show(rows, args.summary)
    print(f"results: {out}")


if __name__ == "__main__":
    main()
