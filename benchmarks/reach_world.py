"""Reachability against the hidden world (docs/learning.md, "Reachability"): does the learned reach find the times
customers are home, and do re-attempts moved by it succeed more often?

The simulated city of ``demo/history/world.py`` decides whether a customer opens the door (most are home; a
quarter of the residents are out at work 09:00-17:00 on weekdays, 45 % of the time; businesses are closed outside
09:00-17:30). Attempts are drawn as a checkout would book them: a customer by their order weight, a working day
(Monday-Saturday) and a two-hour window from 08:00 to 20:00, the attempt at a uniform time in it. ``--weeks``
weeks of attempts train ``domain.reach.learn_reach``; the same number of weeks after them are the test:

- **Brier score** of the reach of each test attempt's window (mean squared error of the predicted chance against
  the outcome), for the learned estimate against two baselines: the organization's overall rate, and the
  organization's rate in the band (what a model without addresses would know);
- **re-attempts**: every failed test attempt is re-attempted the next working day, once in the same window (the
  policy without learning) and once in the window ``best_window`` moves it to (only when it moves: when it does
  not, both are the same attempt), each drawn from the world; the share that succeed;
- **suggested windows**: of the six windows of a test attempt's day, the share of attempts reached in the windows
  the offers would mark ``suggested`` against the others (each window drawn once from the world).

    .venv/bin/python benchmarks/reach_world.py
    .venv/bin/python benchmarks/reach_world.py --weeks 4 --per-day 300 --seeds 1 2 3

Prints a table and writes ``benchmarks/results/reach-world.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.demo.history.world import TIMEZONE, Customer, World
from doorstep.domain.reach import SUGGEST_WITHIN, Reach, ReachObservation, best_window, learn_reach

RESULTS = Path(__file__).resolve().parent / "results" / "reach-world.json"
START = date(2026, 3, 2)  # a Monday
TZ = ZoneInfo(TIMEZONE)
WINDOWS = range(8, 20, 2)  # two-hour windows 08-10 ... 18-20


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt: who, the window's start, when exactly, and whether the door opened."""

    customer: Customer
    window: datetime
    at: datetime
    reached: bool


def _working_days(first: date, weeks: int) -> list[date]:
    return [first + timedelta(days=k) for k in range(7 * weeks) if (first + timedelta(days=k)).weekday() < 6]


def _attempt(world: World, rng: random.Random, c: Customer, window: datetime) -> Attempt:
    at = window + timedelta(seconds=rng.uniform(0, 7200))
    return Attempt(c, window, at, world.at_home(rng, c, at))


def _draw(world: World, rng: random.Random, days: list[date], per_day: int) -> list[Attempt]:
    people = [c for cs in world.customers.values() for c in cs]
    weights = [c.weight for c in people]
    out = []
    for day in days:
        for c in rng.choices(people, weights, k=per_day):
            start = datetime(day.year, day.month, day.day, rng.choice(WINDOWS), tzinfo=TZ)
            out.append(_attempt(world, rng, c, start))
    return out


def _obs(a: Attempt) -> ReachObservation:
    local = a.at.astimezone(TZ)
    return ReachObservation(a.customer.location, local.weekday(), local.hour, a.reached)


def _brier(reach: Reach, test: list[Attempt]) -> dict[str, float]:
    """Mean squared error of the predicted chance per test attempt: learned, organization overall, by band."""
    err = {"learned": 0.0, "organization": 0.0, "organization_band": 0.0}
    for a in test:
        est = reach.window(a.customer.location, a.window, a.window + timedelta(hours=2))
        assert est is not None
        band = reach.organization(a.window.weekday() * 12 + a.window.hour // 2)
        y = 1.0 if a.reached else 0.0
        err["learned"] += (est.rate - y) ** 2
        err["organization"] += (reach.overall - y) ** 2
        err["organization_band"] += (band - y) ** 2
    return {k: round(v / len(test), 4) for k, v in err.items()}


def _next_working(day: date) -> date:
    nxt = day + timedelta(days=1)
    return nxt + timedelta(days=1) if nxt.weekday() == 6 else nxt


def _reattempts(world: World, rng: random.Random, reach: Reach, test: list[Attempt]) -> dict[str, Any]:
    """Each failed test attempt re-attempted the next working day: same window vs the window reach moves it to."""
    same = moved_ok = moved_n = kept_ok = moved_same = 0
    failed = [a for a in test if not a.reached]
    for a in failed:
        d = _next_working(a.window.date())
        start = datetime(d.year, d.month, d.day, a.window.hour, tzinfo=TZ)
        plain = _attempt(world, rng, a.customer, start)
        same += plain.reached
        to = best_window(reach, a.customer.location, start, start + timedelta(hours=2))
        if to is None:
            kept_ok += plain.reached
        else:
            moved_n, moved_same = moved_n + 1, moved_same + plain.reached
            moved_ok += _attempt(world, rng, a.customer, to[0]).reached
    learned_ok = kept_ok + moved_ok
    return {"failed": len(failed), "moved": moved_n, "same_window_success": round(same / len(failed), 4),
            "learned_success": round(learned_ok / len(failed), 4),
            "moved_same_window_success": round(moved_same / moved_n, 4) if moved_n else None,
            "moved_learned_success": round(moved_ok / moved_n, 4) if moved_n else None}  # fmt: skip


def _suggested(world: World, rng: random.Random, reach: Reach, test: list[Attempt]) -> dict[str, Any]:
    """Every window of each test attempt's day drawn once: the share reached, suggested vs not."""
    hit = {True: [0, 0], False: [0, 0]}
    for a in test[: len(test) // 4]:
        d = a.window.date()
        starts = [datetime(d.year, d.month, d.day, h, tzinfo=TZ) for h in WINDOWS]
        rates = [reach.window(a.customer.location, s, s + timedelta(hours=2)) for s in starts]
        best = max(r.rate for r in rates if r is not None)
        for s, r in zip(starts, rates, strict=True):
            assert r is not None
            mark = r.rate >= best - SUGGEST_WITHIN - 1e-9
            hit[mark][0] += _attempt(world, rng, a.customer, s).reached
            hit[mark][1] += 1
    return {"suggested_success": round(hit[True][0] / hit[True][1], 4),
            "other_success": round(hit[False][0] / hit[False][1], 4) if hit[False][1] else None,
            "suggested_share": round(hit[True][1] / (hit[True][1] + hit[False][1]), 4)}  # fmt: skip


def run(seed: int, weeks: int, per_day: int) -> dict[str, Any]:
    """One seeded world: train, learn, test."""
    world = World(seed=seed)
    rng = random.Random(f"reach:{seed}")
    train = _draw(world, rng, _working_days(START, weeks), per_day)
    test = _draw(world, rng, _working_days(START + timedelta(weeks=weeks), weeks), per_day)
    t0 = time.perf_counter()
    reach = learn_reach(_obs(a) for a in train)
    learn_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    brier = _brier(reach, test)
    estimate_us = (time.perf_counter() - t0) / len(test) * 1e6
    re = _reattempts(world, rng, reach, test)
    return {"seed": seed, "train_attempts": len(train), "train_reached": round(reach.overall, 4),
            "addresses": len(reach.addresses), "learn_s": round(learn_s, 3), "estimate_us": round(estimate_us, 1),
            "brier": brier, "reattempts": re, "suggested": _suggested(world, rng, reach, test)}  # fmt: skip


def main() -> None:
    """Run the seeds, print the table, write the results file."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weeks", type=int, default=4, help="weeks of training attempts (and as many to test)")
    ap.add_argument("--per-day", type=int, default=300, help="attempts per working day")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    runs = [run(s, args.weeks, args.per_day) for s in args.seeds]
    print(f"{'seed':>4} {'attempts':>8} {'Brier learned':>13} {'org':>6} {'org band':>8} {'re-att same':>11} "
          f"{'re-att learned':>14} {'moved':>6} {'moved same':>10} {'moved learned':>13} {'sugg.':>6} "
          f"{'other':>6}")  # fmt: skip
    for r in runs:
        b, re, sg = r["brier"], r["reattempts"], r["suggested"]
        print(f"{r['seed']:>4} {r['train_attempts']:>8} {b['learned']:>13} {b['organization']:>6} "
              f"{b['organization_band']:>8} {re['same_window_success']:>11} {re['learned_success']:>14} "
              f"{re['moved']:>6} {re['moved_same_window_success']!s:>10} {re['moved_learned_success']!s:>13} "
              f"{sg['suggested_success']:>6} {sg['other_success']!s:>6}")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"weeks": args.weeks, "per_day": args.per_day, "python": platform.python_version(),
                                   "runs": runs}, indent=2) + "\n")  # fmt: skip
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
