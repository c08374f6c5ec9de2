"""The demand forecast's backtest on simulated history: 16 weeks of orders in four zones from the seeded demand
model (``doorstep.demo.history.demand``: weekday rhythm, +1 %/week, 12 % day-to-day noise, one promotion day at
×1.8), seeds 1-3; the seasonal baseline and the seasonal naive forecast scored from every origin with two weeks
behind it, 14 days ahead (``services/analytics/backtest.py``). Prints MAE and MASE per zone, for the total and
the mean over zones, per seed, and writes ``benchmarks/results/forecast-backtest.json``.

    .venv/bin/python benchmarks/forecast_backtest.py
    .venv/bin/python benchmarks/forecast_backtest.py --weeks 16 --horizon 14 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from doorstep.demo.history.demand import DemandModel, volumes
from doorstep.services.analytics.backtest import Backtest, backtest

RESULTS = Path(__file__).resolve().parent / "results" / "forecast-backtest.json"
START = date(2025, 3, 3)  # a Monday
ZONES = {"Baixa": 60.0, "Avenidas Novas": 90.0, "Belém": 25.0, "Oriente": 40.0}
PEAK_DAY = 80  # days after START: a Thursday of week 12, a promotion at ×1.8


def model() -> DemandModel:
    """The simulated world's demand (the defaults of DemandModel and one promotion day)."""
    return DemandModel(zones=ZONES, peaks={START + timedelta(days=PEAK_DAY): 1.8})


def _row(name: str, bt: Backtest) -> dict[str, Any]:
    return {
        "series": name, "origins": bt.origins, "points": bt.points, "scale": bt.scale,
        "mae": bt.mae, "mase": bt.mase, "naive_mae": bt.naive_mae, "naive_mase": bt.naive_mase,
        "mae_ratio": bt.mae_ratio, "coverage": bt.coverage,
    }  # fmt: skip


def run_seed(seed: int, weeks: int, horizon: int) -> list[dict[str, Any]]:
    """Backtest rows for each zone and the total of one simulated history, then the mean over zones."""
    history = volumes(model(), START, weeks * 7, seed)
    days = sorted(history)
    total = [sum(history[d].values()) for d in days]  # a zone's growth is fitted on the total, as the API does
    rows = [_row(z, backtest([history[d][z] for d in days], horizon, trend_of=total)) for z in sorted(ZONES)]
    rows.append(_row("(total)", backtest(total, horizon)))
    zone_rows = rows[: len(ZONES)]
    rows.append({
        "series": "(mean over zones)",
        **{k: statistics.fmean(r[k] for r in zone_rows) for k in ("mae", "mase", "naive_mae", "naive_mase",
                                                                  "coverage")},
    })  # fmt: skip
    return rows


def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def main() -> None:
    """Run every seed, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weeks", type=int, default=16)
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    t0 = time.perf_counter()
    out: dict[str, Any] = {"weeks": args.weeks, "horizon": args.horizon, "zones": ZONES, "start": START.isoformat(),
                           "peak_day": (START + timedelta(days=PEAK_DAY)).isoformat(), "seeds": {}}  # fmt: skip
    print(f"{'seed':>4}  {'series':<18} {'origins':>7} {'MAE':>7} {'MASE':>6} {'naive MAE':>9} {'naive MASE':>10}"
          f" {'MAE ratio':>9} {'cover80':>7}")  # fmt: skip
    for seed in args.seeds:
        rows = run_seed(seed, args.weeks, args.horizon)
        out["seeds"][str(seed)] = rows
        for r in rows:
            print(f"{seed:>4}  {r['series']:<18} {r.get('origins', ''):>7} {_fmt(r['mae'], 2):>7} {_fmt(r['mase']):>6}"
                  f" {_fmt(r['naive_mae'], 2):>9} {_fmt(r['naive_mase']):>10} {_fmt(r.get('mae_ratio')):>9}"
                  f" {_fmt(r['coverage'], 2):>7}")  # fmt: skip
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["python"] = platform.python_version()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS} in {out['seconds']} s")


if __name__ == "__main__":
    main()
