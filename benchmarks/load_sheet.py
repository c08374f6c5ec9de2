"""How long a load sheet takes to write, PDF and CSV, for a route of N parcels (two barcodes each, Portuguese
names and addresses): CPU time on one thread, best of ``--repeat``, and the file sizes and page count.

    PYTHONPATH=src .venv/bin/python benchmarks/load_sheet.py --parcels 200
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.geo import LatLng
from doorstep.domain.loading import load_plan
from doorstep.domain.orders import Contact, Item, Order, OrderKind
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.waves import LoadingTimes, route_releases
from doorstep.formats.load_sheet import LoadSheet, load_sheet_csv
from doorstep.formats.load_sheet_pdf import load_sheet_pdf

T0 = datetime(2025, 6, 17, 7, 0, tzinfo=UTC)
HERE = LatLng(38.72, -9.14)


def _stop(kind: StopType, minute: int, order: str | None = None) -> ScheduledStop:
    at = T0 + timedelta(minutes=minute)
    return ScheduledStop(type=kind, location=HERE, arrival=at, start=at, departure=at + timedelta(minutes=2),
                         order_id=order, external_ref=f"LX-{order}" if order else "")  # fmt: skip


def sheet(n: int) -> LoadSheet:
    """A route of ``n`` one-parcel deliveries."""
    orders = {
        f"ord_{k}": Order(
            id=f"ord_{k}",
            external_ref=f"LX-ord_{k}",
            kind=OrderKind.DELIVERY,
            location=HERE,
            address=f"Rua de São João da Praça {k}, 1100-000 Lisboa",
            contact=Contact(f"João Gonçalves {k}"),
            size={"parcels": 1, "weight_g": 1000 + k},
            items=(Item("Caixa", 1, "", f"BX-{k:06d}"), Item("Saco", 1, "", f"BG-{k:06d}")),
        )
        for k in range(1, n + 1)
    }
    stops = [_stop(StopType.START, 0), *(_stop(StopType.DELIVERY, k, f"ord_{k}") for k in range(1, n + 1))]
    route = Route(id="rte_bench", vehicle_id="veh_1", vehicle_name="Carrinha 1", start_depot_id="dep", stops=stops)
    lp = load_plan(route, orders, {"parcels": n, "weight_g": 2_000_000})
    tz = ZoneInfo("Europe/Lisbon")
    return LoadSheet(plan=lp, route_id=route.id, day="2025-06-17", tz=tz, depot="Armazém", driver="Zoë",
                     releases=tuple(route_releases(lp, LoadingTimes())))  # fmt: skip


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parcels", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    s = sheet(args.parcels)
    pdf_t, csv_t = [], []
    for _ in range(args.repeat):
        t = time.process_time()
        pdf = load_sheet_pdf(s)
        pdf_t.append(time.process_time() - t)
        t = time.process_time()
        text = load_sheet_csv(s)
        csv_t.append(time.process_time() - t)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    print(f"{args.parcels} parcels: PDF {min(pdf_t):.2f} s CPU, {len(pdf) / 1000:.0f} kB, {pages} pages; "
          f"CSV {min(csv_t) * 1000:.1f} ms CPU, {len(text.encode()) / 1000:.0f} kB")  # fmt: skip


if __name__ == "__main__":
    main()
