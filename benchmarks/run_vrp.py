"""Run Doorstep and the baselines on a VRP benchmark set and write per-instance results as JSON.

Example: ``.venv/bin/python benchmarks/run_vrp.py --set solomon --per-class 1 --time-limit 2``.
Doorstep against its engine (issue 10): ``--set homberger-1000 --per-class 2 --time-limit 60
--solvers doorstep,pyvrp,vroom`` (``pyvrp`` = PyVRP alone on the VRPLIB file; sets homberger-1000 and x only).
See benchmarks/README.md for the full runs and docs/benchmarks.md for the published tables.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from baselines import SolveResult, solve_ortools, solve_vroom
from instances import SETS, Instance, class_of, instance_paths, read_instance
from machine import machine_info
from references import GAP_BASIS, Reference, caveat, load_references, uses_double_precision
from tables import Row, comparison_table, instance_table, print_rich, summary_table, versus_lines
from verify import verify

SOLVERS = ("doorstep", "pyvrp", "vroom", "ortools")
DEFAULT_SOLVERS = ("doorstep", "vroom", "ortools")  # pyvrp (PyVRP alone) on request: it needs a VRPLIB file
DETERMINISTIC = frozenset({"vroom", "ortools"})  # run once per instance, at the first seed
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", required=True, choices=SETS, dest="set_name")
    pick = p.add_mutually_exclusive_group()
    pick.add_argument("--instances", help="comma-separated names or globs, e.g. 'C101,R1*' (any case)")
    pick.add_argument("--per-class", type=int, metavar="K", help="the first K instances of each class")
    p.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="seconds per instance and run")
    p.add_argument("--seeds", type=int, nargs="+", default=[1], help="Doorstep and PyVRP seeds (VROOM/OR-Tools once)")
    p.add_argument(
        "--solvers",
        default=",".join(DEFAULT_SOLVERS),
        help=f"comma-separated, from {', '.join(SOLVERS)} (default: {','.join(DEFAULT_SOLVERS)})",
    )
    p.add_argument("--out", type=Path, help="JSON file (default: benchmarks/results/<set>-<limit>s.json)")
    p.add_argument("--resume", action="store_true", help="keep rows already in --out and skip those runs")
    p.add_argument("--quiet", action="store_true", help="no per-instance table, only the summary")
    args = p.parse_args(argv)
    args.solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = sorted(set(args.solvers) - set(SOLVERS))
    if unknown:
        p.error(f"unknown solver(s): {', '.join(unknown)}")
    if args.out is None:
        args.out = RESULTS / f"{args.set_name}-{args.time_limit:g}s.json"
    return args


def select(set_name: str, patterns: str | None, per_class: int | None) -> list[Path]:
    """Instance files matching the name patterns, or the first K of each class, or all."""
    paths = instance_paths(set_name)
    if patterns:
        pats = [p.strip().lower() for p in patterns.split(",") if p.strip()]
        paths = [p for p in paths if any(fnmatch.fnmatch(p.stem.lower(), pat) for pat in pats)]
    elif per_class:
        taken: dict[str, int] = {}
        keep = []
        for path in paths:
            klass = class_of(path, set_name)
            if taken.get(klass, 0) < per_class:
                taken[klass] = taken.get(klass, 0) + 1
                keep.append(path)
        paths = keep
    return paths


def run_solver(solver: str, inst: Instance, time_limit: float, seed: int) -> SolveResult:
    """One run; an exception becomes a failed result with the error in its notes (a long run never dies)."""
    t0 = time.perf_counter()
    try:
        if solver == "doorstep":
            from doorstep_solver import solve_doorstep

            return solve_doorstep(inst, time_limit, seed)
        if solver == "pyvrp":
            from pyvrp_alone import solve_pyvrp

            return solve_pyvrp(inst, time_limit, seed)
        runner: Callable[[Instance, float], SolveResult] = solve_vroom if solver == "vroom" else solve_ortools
        return runner(inst, time_limit)
    except Exception as exc:  # recorded in the row, with the traceback on stderr
        traceback.print_exc(file=sys.stderr)
        return SolveResult(
            solver,
            [],
            time.perf_counter() - t0,
            found=False,
            notes=[f"error: {type(exc).__name__}: {exc}"[:300]],
        )


def make_row(inst: Instance, ref: Reference | None, res: SolveResult, seed: int, time_limit: float) -> Row:
    """Verify the routes independently and express cost and gap in the set's convention."""
    verdict = verify(inst, res.routes)
    feasible = res.found and verdict.feasible
    double = uses_double_precision(inst.set_name)
    cost = inst.to_reported(verdict.cost) if res.found else None
    cost_double = round(inst.euclid_cost(res.routes), 4) if res.found else None
    gap_cost = cost_double if double else cost
    gap = 100 * (gap_cost - ref.value) / ref.value if feasible and ref and gap_cost is not None else None
    notes = list(res.notes)
    claimed = res.extra.get("solver_cost")
    if res.found and isinstance(claimed, int) and claimed >= 0 and claimed != verdict.cost:
        notes.append(f"solver reports cost {claimed}, the matrix gives {verdict.cost}")
    return {
        "instance": inst.name,
        "set": inst.set_name,
        "class": inst.klass,
        "solver": res.solver,
        "seed": seed,
        "time_limit_s": time_limit,
        "convention": inst.convention.value,
        "cost": cost,
        "cost_double": cost_double,
        "gap_cost": gap_cost,
        "gap_cost_kind": "double" if double else inst.convention.value,
        "reference": ref.value if ref else None,
        "reference_kind": ref.kind if ref else None,
        "gap_pct": round(gap, 4) if gap is not None else None,
        "vehicles": verdict.vehicles,
        "reference_vehicles": ref.vehicles if ref else None,
        "hier_bks_vehicles": ref.hier_vehicles if ref else None,
        "hier_bks_distance": ref.hier_distance if ref else None,
        "runtime_s": round(res.runtime_s, 3),
        "feasible": feasible,
        "checker_violations": res.extra.get("checker_violations"),
        "unassigned": res.extra.get("unassigned", 0),
        "verify_issues": verdict.issues[:10],
        "notes": notes,
        "extra": res.extra,
    }


def write_json(path: Path, meta: dict[str, Any], rows: list[Row]) -> None:
    """Write atomically (a .tmp file renamed), so an interrupted run leaves the last complete file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    tmp.replace(path)


def _existing(path: Path, resume: bool) -> list[Row]:
    if not (resume and path.exists()):
        return []
    rows: list[Row] = json.loads(path.read_text())["rows"]
    return rows


def _meta(args: argparse.Namespace, n_instances: int) -> dict[str, Any]:
    return {
        "kind": "vrp",
        "set": args.set_name,
        "time_limit_s": args.time_limit,
        "seeds": args.seeds,
        "solvers": args.solvers,
        "instances": n_instances,
        "convention": "round" if args.set_name == "x" else "dimacs",
        "gap_basis": GAP_BASIS[args.set_name],
        "caveat": caveat(args.set_name),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(speed=True),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "baselines": "VROOM and OR-Tools are deterministic here and run once per instance (first seed); "
        "Doorstep and PyVRP alone run once per seed",
    }


def _runs(solvers: list[str], seeds: list[int]) -> list[tuple[str, int]]:
    return [(s, seed) for s in solvers for seed in (seeds[:1] if s in DETERMINISTIC else seeds)]


def run(args: argparse.Namespace) -> list[Row]:
    """Solve every selected instance with every solver and seed, writing the JSON after each instance."""
    paths = select(args.set_name, args.instances, args.per_class)
    if not paths:
        raise SystemExit(f"no instance of set {args.set_name} matches {args.instances!r}")
    refs = load_references(args.set_name)
    rows = _existing(args.out, args.resume)
    done = {(r["instance"], r["solver"], r["seed"]) for r in rows}
    meta = _meta(args, len(paths))
    for index, path in enumerate(paths):
        inst = read_instance(path, args.set_name)
        for solver, seed in _runs(args.solvers, args.seeds):
            if (inst.name, solver, seed) in done:
                continue
            res = run_solver(solver, inst, args.time_limit, seed)
            row = make_row(inst, refs.get(inst.name), res, seed, args.time_limit)
            rows.append(row | {"index": index})
            _progress(row, index, len(paths))
        meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_json(args.out, meta, rows)
    return rows


def _progress(row: Row, index: int, total: int) -> None:
    gap = "–" if row["gap_pct"] is None else f"{row['gap_pct']:.2f}%"
    why = row["verify_issues"][:2] + row["notes"][-1:]
    flag = "" if row["feasible"] else "  INFEASIBLE " + "; ".join(why)
    print(
        f"[{index + 1}/{total}] {row['instance']:<12} {row['solver']:<8} seed {row['seed']:<3} "
        f"cost {row['gap_cost']} gap {gap} veh {row['vehicles']} {row['runtime_s']:.1f}s{flag}",
        file=sys.stderr,
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run, print the tables, say where the JSON went."""
    args = parse_args(argv)
    rows = run(args)
    title = f"{args.set_name}, {args.time_limit:g} s per run — gap: {GAP_BASIS[args.set_name]}"
    if not args.quiet:
        print_rich(instance_table(rows), title)
    print_rich(summary_table(rows), f"Summary per class — {args.set_name}, {args.time_limit:g} s")
    solvers = [s for s in SOLVERS if any(r["solver"] == s for r in rows)]
    if len(solvers) > 1:
        if not args.quiet:
            print_rich(
                comparison_table(rows, solvers),
                f"Side by side — {args.set_name}, {args.time_limit:g} s: gap % (mean over seeds) and iterations",
            )
        for line in versus_lines(rows):
            print(line)
    print(f"Note: {caveat(args.set_name)}")
    print("VROOM is not an anytime solver: its time column is its own runtime, which can exceed the budget.")
    print(f"Results written to {args.out}")


if __name__ == "__main__":
    main()
