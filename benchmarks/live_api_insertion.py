"""Live insertion through the service layer the API calls: one new order into a published 1,000-stop day stored
in SQLite, as ``POST /v1/live/proposals`` does it (load the live day from the store, propose, store the
proposal), and approval (re-check and write the new route version).

Compare with ``live_insertion.py`` (the engine alone, in memory): the difference is the store and the plan
document round trip. Example: ``.venv/bin/python benchmarks/live_api_insertion.py --stops 1000 --orders 30``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from doorstep.domain.status import PlanStatus, RouteStatus
from doorstep.formats.plan_json import plan_to_dict
from doorstep.optimize.options import SolveOptions
from doorstep.routing import StraightLineProvider
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.replanning import ProposalKind, Request, decide, propose
from doorstep.services.orders.orders import insert_orders
from doorstep.services.planning.plan_routes import store_routes
from doorstep.services.planning.planning import plan as make_plan
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.migrate import upgrade
from doorstep.store.models import DepotRow, PlanRow
from live_insertion import _new_orders, _pct
from machine import machine_info
from scaling import synthetic_day
from tables import fmt, print_rich

RESULTS = Path(__file__).resolve().parent / "results"


def _store_day(p: Platform, org_id: str, stops: int, time_limit: float) -> tuple[str, Any, datetime]:
    """Plan the synthetic day and store it as the published plan of its depot; return plan id, problem, day start."""
    day = synthetic_day(stops)
    plan = make_plan(day, options=SolveOptions(time_limit_s=time_limit, seed=1), provider=StraightLineProvider())
    depot = day.depots[0]
    start = min(r.stops[0].departure for r in plan.routes)
    plan.id = "pln_bench"
    for k, r in enumerate(plan.routes):
        r.id = f"rte_bench{k:03d}"
    doc = plan_to_dict(plan, day, SolveOptions(time_limit_s=time_limit, seed=1))
    with p.uow(org_id) as uow:
        uow.depots.add(DepotRow(id=depot.id, name=depot.name, lat=depot.location.lat, lng=depot.location.lng,
                                timezone=depot.timezone, opens=None, closes=None))  # fmt: skip
        row = uow.plans.add(PlanRow(id=plan.id, depot_id=depot.id, day=start.date(), version=1,
                                    status=PlanStatus.PUBLISHED.value, options={}, progress=[], result=doc,
                                    error=None, active_key=None))  # fmt: skip
        for r in store_routes(uow, row, doc, day):
            r.status = RouteStatus.PUBLISHED.value
        uow.commit()
    return plan.id, day, start


def main() -> None:
    """Store the day, time proposals and approvals, print and write the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stops", type=int, default=1000)
    ap.add_argument("--orders", type=int, default=30, help="new orders proposed, one at a time")
    ap.add_argument("--approve", type=int, default=10, help="of which approved (each a new route version)")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds to plan the day")
    ap.add_argument("--out", type=Path, default=RESULTS / "live-api-insertion.json")
    args = ap.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='ins-bench-')}/bench.sqlite"
    upgrade(url)
    engine = make_engine(url)
    p = Platform(sessions=make_session_factory(engine))
    org_id, _ = create_organization(p, "Insertion bench", "bench@example.com", "bench-password-1")
    plan_id, day, start = _store_day(p, org_id, args.stops, args.time_limit)
    p.clock = lambda: start + timedelta(hours=2)  # two hours into the day: stops before then are not fixed, all live
    actor = system_actor(org_id)
    news = [replace(o, depot_id=day.depots[0].id) for o in _new_orders(args.orders, seed=11)]
    with p.uow(org_id) as uow:
        insert_orders(uow, actor, [(o, start.date()) for o in news])
        uow.commit()
    propose_ms, approve_ms, inserted = [], [], 0
    for order in news:
        t0 = time.perf_counter()
        prop = propose(p, actor, Request(plan_id, ProposalKind.INSERT, order.id))
        propose_ms.append((time.perf_counter() - t0) * 1000)
        if prop.options[0]["summary"].get("inserted") and len(approve_ms) < args.approve:
            t0 = time.perf_counter()
            decide(p, actor, prop.id, approve=True)
            approve_ms.append((time.perf_counter() - t0) * 1000)
        inserted += bool(prop.options[0]["summary"].get("inserted"))
    engine.dispose()
    row: dict[str, Any] = {
        "stops_in_plan": args.stops, "orders": args.orders, "with_proposal": inserted,
        "propose_p50_ms": round(_pct(propose_ms, 50), 1), "propose_p95_ms": round(_pct(propose_ms, 95), 1),
        "approve_p50_ms": round(_pct(approve_ms, 50), 1) if approve_ms else None,
        "approve_p95_ms": round(_pct(approve_ms, 95), 1) if approve_ms else None, "approved": len(approve_ms),
        "store": "SQLite", "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    print_rich(
        (list(row), [[fmt(v) if isinstance(v, float) else str(v) for v in row.values()]]),
        f"Live insertion through the service layer ({args.stops}-stop day in SQLite)",
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": machine_info(), "row": row, "propose_ms": propose_ms,
                                    "approve_ms": approve_ms}, indent=1))  # fmt: skip
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
