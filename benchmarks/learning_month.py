"""Learning on vs off over a simulated month, on the same hidden world (issue 16).

Each run starts a Doorstep server in this process (uvicorn on a loopback port, a fresh SQLite database, the urban
traffic profile as the static model) and drives ``--days`` days of the simulated city of ``demo/history/world.py``
through the real API (``demo/history/month.py``): orders, a plan per day, virtual drivers reporting every
position, arrival, completion and failure. With learning **on** the server has ``DOORSTEP_LEARNED_TIMES`` set and
the organization re-learns after each day (the nightly job, run on demand); **off** plans and ETAs keep the static
model. Same world seed, same demand, same customers in both.

Reported from the API (``/v1/analytics/eta-accuracy`` and ``/v1/analytics/kpis``): ETA error per horizon over the
month and over its last week (p50/p90 of |arrival − ETA|), on-time rate, first-attempt rate and vans of the last
week, and what was learned. The issue's bar: p90 error 60 minutes ahead at least 40 % lower with learning (last
week), and a higher on-time rate in the last week.

    .venv/bin/python benchmarks/learning_month.py                 # 26 working days (30 calendar days), ~15 min
    .venv/bin/python benchmarks/learning_month.py --days 8        # a quick look

Prints a table and writes benchmarks/results/learning-month.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.demo.history.month import History, HistoryConfig
from doorstep.demo.history.world import World
from doorstep.services.accounts.accounts import create_organization
from doorstep.store.migrate import upgrade
from machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results" / "learning-month.json"
EMAIL, PASSWORD = "history@example.com", "history-password-1"


@contextmanager
def server(learned: bool) -> Iterator[tuple[httpx.Client, Any]]:
    """A fresh server (own SQLite file) with learned times on or off; a client logged in as its admin."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='doorstep-history-')}/history.sqlite"
    upgrade(url)
    settings = Settings(
        database_url=url, secret_key="history", traffic="urban", learned_times=learned, webhook_tick_s=0,
        notify_tick_s=0, learn_tick_s=0, rate_limit_per_minute=10**7,
    )  # fmt: skip
    app = create_app(settings)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    create_organization(app.state.platform, "Porto history", EMAIL, PASSWORD)
    try:
        with httpx.Client(base_url=base, timeout=120) as api:
            assert api.post("/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}).status_code == 200
            yield api, app.state.platform
    finally:
        srv.should_exit = True
        thread.join(10)


def _figures(api: httpx.Client, first: date, last: date) -> dict[str, Any]:
    rng = {"from": first.isoformat(), "to": last.isoformat()}
    eta = api.get("/v1/analytics/eta-accuracy", params=rng).json()["horizons"]
    total = api.get("/v1/analytics/kpis", params=rng).json()["total"]
    keep = ("deliveries", "attempts", "on_time_rate", "first_attempt_rate", "routes", "stops_per_hour",
            "cost_per_delivery_cents")  # fmt: skip
    return {"eta": {str(h["minutes"]): h for h in eta}, "kpis": {k: total.get(k) for k in keep}}


def run(learned: bool, cfg: HistoryConfig, seed: int, progress: Progress) -> dict[str, Any]:
    """One month on a fresh server; its figures over the month and over the last week."""
    task = progress.add_task(f"learning {'on ' if learned else 'off'}", total=cfg.days)
    t0 = time.monotonic()
    with server(learned) as (api, _platform):
        history = History(api, World(seed=seed), cfg)
        days = history.run(on_day=lambda rep: progress.update(task, completed=(rep.day - cfg.start).days + 1))
        progress.update(task, completed=cfg.days)
        time.sleep(2)  # the ETA worker's last updates
        last = cfg.start + timedelta(days=cfg.days - 1)
        week = last - timedelta(days=6)
        learned_doc = api.get("/v1/analytics/learned").json()
        out = {
            "learned_times": learned, "wall_s": round(time.monotonic() - t0, 1),
            "days": [{"day": d.day.isoformat(), "orders": d.orders, "routes": d.routes, "sent": dict(d.sent),
                      "refused": dict(d.refused)} for d in days],
            "month": _figures(api, cfg.start, last), "last_week": _figures(api, week, last),
            "learned": {k: learned_doc[k] for k in ("learned_at", "days", "service_observations",
                                                     "leg_observations", "service_s_organization",
                                                     "travel_factor_organization", "driver_factors")},
        }  # fmt: skip
    return out


def _pct(a: float | None, b: float | None) -> str:
    return "–" if not a or b is None else f"{100 * (b - a) / a:+.0f} %"


def table(off: dict[str, Any], on: dict[str, Any]) -> Table:
    """The side-by-side table (off, on, change)."""
    t = Table(title="Learning off vs on, same world and demand")
    for col in ("figure", "off", "on", "change"):
        t.add_column(col, justify="right" if col != "figure" else "left")
    for span in ("month", "last_week"):
        for h in ("60", "30", "10"):
            for q in ("p50_abs_error_s", "p90_abs_error_s"):
                a, b = off[span]["eta"][h][q], on[span]["eta"][h][q]
                t.add_row(f"{span} ETA {h} min {q[:3]} |error| s", str(a), str(b), _pct(a, b))
        for k in ("on_time_rate", "first_attempt_rate", "routes", "deliveries"):
            a, b = off[span]["kpis"][k], on[span]["kpis"][k]
            t.add_row(f"{span} {k}", str(a), str(b), _pct(a, b))
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=30, help="calendar days of history (Sundays have no orders)")
    ap.add_argument("--seed", type=int, default=1, help="the world's and the demand's seed")
    ap.add_argument("--vans", type=int, default=5)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    start = date.today() - timedelta(days=args.days + 2)  # a past month: every day is over
    console = Console()
    results = {}
    with Progress(console=console) as progress:
        for learned in (False, True):
            cfg = HistoryConfig(start=start, days=args.days, seed=args.seed, vans=args.vans, learn=learned)
            results["on" if learned else "off"] = run(learned, cfg, args.seed, progress)
    console.print(table(results["off"], results["on"]))
    doc = {"benchmark": "learning-month", "days": args.days, "seed": args.seed, "start": start.isoformat(),
           "machine": machine_info(), **results}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
