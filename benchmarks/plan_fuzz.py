"""Random problems through the planner, each in a child process with a hard timeout: what the property test
(`tests/optimize/test_properties.py`, 60 fixed examples in CI) samples, at a scale CI cannot afford. Counts the
problems planned, those whose plan the checker refuses or whose orders are not each routed once or unassigned, and
those that did not return within ``--timeout`` (a hang: the problem is written to ``--keep`` as Doorstep JSON).

    .venv/bin/python benchmarks/plan_fuzz.py --minutes 10      # prints a table, writes results/plan-fuzz.json

Found the reload hang (``tests/optimize/test_reload_hang.py``) after about 6,000 problems.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the property test's strategies

from hypothesis import strategies as st  # noqa: E402
from tests.optimize.test_properties import problems  # noqa: E402

from doorstep.formats.doorstep_json import problem_to_dict  # noqa: E402
from doorstep.optimize.options import SolveOptions  # noqa: E402
from doorstep.services.planning.planning import check, plan  # noqa: E402
from machine import machine_info  # noqa: E402


def _child(problem: Any, seed: int, out: Any) -> None:
    warnings.filterwarnings("ignore")
    result = plan(problem, options=SolveOptions(time_limit_s=10, max_iterations=150, seed=seed))
    routed = [s.order_id for r in result.routes for s in r.stops if s.order_id and s.type.value != "paired_pickup"]
    once = sorted(routed + [u.order_id for u in result.unassigned]) == sorted(o.id for o in problem.orders)
    out.put((len(check(problem, result)), once))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--timeout", type=float, default=60, help="seconds a plan may take before it counts as a hang")
    ap.add_argument("--keep", type=Path, default=Path("plan-fuzz-hangs"), help="where hanging problems are written")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "plan-fuzz.json")
    args = ap.parse_args()
    ctx = mp.get_context("fork")
    strategy = st.tuples(problems(), st.integers(0, 3))
    counts = {"planned": 0, "checker_refused": 0, "not_once": 0, "hangs": 0, "slow_over_12s": 0}
    started = time.monotonic()
    while time.monotonic() - started < args.minutes * 60:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            problem, seed = strategy.example()
        out = ctx.Queue()
        child = ctx.Process(target=_child, args=(problem, seed, out))
        t0 = time.monotonic()
        child.start()
        child.join(args.timeout)
        if child.is_alive():
            child.kill()
            counts["hangs"] += 1
            args.keep.mkdir(parents=True, exist_ok=True)
            path = args.keep / f"hang-{counts['hangs']}-seed{seed}.json"
            path.write_text(json.dumps(problem_to_dict(problem), indent=1), encoding="utf-8")
            print(f"hang: {path}", flush=True)
            continue
        violations, once = out.get(timeout=5)
        counts["planned"] += 1
        counts["checker_refused"] += violations > 0
        counts["not_once"] += not once
        counts["slow_over_12s"] += time.monotonic() - t0 > 12
    seconds = round(time.monotonic() - started, 1)
    print(f"{'problems':>9} {'refused':>8} {'not once':>9} {'hangs':>6} {'slow':>5}  seconds")
    print(f"{counts['planned'] + counts['hangs']:>9} {counts['checker_refused']:>8} {counts['not_once']:>9} "
          f"{counts['hangs']:>6} {counts['slow_over_12s']:>5}  {seconds}")  # fmt: skip
    args.out.write_text(json.dumps({"machine": machine_info(), "seconds": seconds, **counts}, indent=2) + "\n")
    return 1 if counts["hangs"] or counts["checker_refused"] or counts["not_once"] else 0


if __name__ == "__main__":
    sys.exit(main())
