"""Fan-out of live events: one publisher, many subscribers, through each broker (in memory, Redis).

Publishes ``--events`` events at ``--rate`` per second to one channel with ``--subscribers`` subscribers and
records, per delivered event, the delay from publish to receipt. Zero loss means every subscriber received
every event. This measures the broker layer; Server-Sent Events over HTTP add the web server on top.

Example: ``.venv/bin/python benchmarks/live_fanout.py --subscribers 500 --events 200 --rate 50``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from doorstep.live.broker import Broker, InMemoryBroker
from doorstep.live.redis_broker import RedisBroker
from machine import machine_info
from tables import fmt, print_rich

RESULTS = Path(__file__).resolve().parent / "results"


async def _subscriber(broker: Broker, ready: asyncio.Event, count: int, out: list[float], started: list[int]) -> None:
    async with broker.subscribe("fanout") as sub:
        started[0] += 1
        if started[0] == count:
            ready.set()
        got = 0
        while got < EVENTS:
            event = await sub.get(timeout=10)
            if event is None:
                return
            out.append(time.perf_counter() - event["t"])
            got += 1


EVENTS = 0


async def run(kind: str, subscribers: int, events: int, rate: float, redis_url: str) -> dict[str, Any]:
    """One broker: subscribe all, publish at the rate, wait for delivery, summarise."""
    global EVENTS
    EVENTS = events
    broker: Broker = InMemoryBroker() if kind == "memory" else RedisBroker(redis_url)
    ready, delays, started = asyncio.Event(), [], [0]
    tasks = [asyncio.create_task(_subscriber(broker, ready, subscribers, delays, started)) for _ in range(subscribers)]
    await asyncio.wait_for(ready.wait(), 60)
    await asyncio.sleep(0.2)
    for i in range(events):
        await broker.publish("fanout", {"seq": i, "t": time.perf_counter()})
        await asyncio.sleep(1 / rate)
    await asyncio.wait(tasks, timeout=30)
    await broker.close()
    q = statistics.quantiles(delays, n=100, method="inclusive") if len(delays) > 1 else [0.0] * 99
    return {
        "broker": kind,
        "subscribers": subscribers,
        "events": events,
        "delivered": len(delays),
        "lost": subscribers * events - len(delays),
        "p50_ms": round(q[49] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(max(delays) * 1000, 2) if delays else None,
    }


def main() -> None:
    """Run both brokers, print a table, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subscribers", type=int, default=500)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--rate", type=float, default=50.0, help="events per second")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--out", type=Path, default=RESULTS / "live-fanout.json")
    args = ap.parse_args()
    rows = [asyncio.run(run(k, args.subscribers, args.events, args.rate, args.redis_url)) for k in ("memory", "redis")]
    print_rich(
        (list(rows[0]), [[fmt(v, 2) if isinstance(v, float) else str(v) for v in r.values()] for r in rows]),
        f"Fan-out to {args.subscribers} subscribers, {args.events} events at {args.rate:g}/s",
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": machine_info(), "rows": rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
