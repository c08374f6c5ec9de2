"""The load sheet of a route as CSV: the parcels in loading order (the last delivered first, so the first delivered
ends up at the rear door), then what comes back (pickups, returns, store-to-door collections), then the totals
per capacity dimension and the vehicle's capacity.

One table, one row per parcel; ``section`` says what a row is: ``load``, ``collect``, ``total_load``,
``total_collect`` or ``capacity``. Times are local to the depot (HH:MM). UTF-8 with a byte-order mark, user text
written so that a spreadsheet never runs it as a formula (``cell_safety``), like routes.csv.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from doorstep.domain.loading import LoadPlan, Parcel, load_plan
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.waves import LoadingTimes, Release, group_waves, route_releases
from doorstep.formats.cell_safety import safe_cell
from doorstep.formats.plan_common import depot_zone, hhmm, order_index, route_zone

BASE_COLUMNS = (
    "section", "load_seq", "trip", "stop_no", "order_ref", "order_id", "kind", "customer", "address", "barcodes",
    "shelf", "departure", "release",
)  # fmt: skip
USER_TEXT = frozenset({"order_ref", "order_id", "customer", "address", "barcodes", "shelf"})


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSheet:
    """A route's load plan with what the sheet's header says: the day, depot, driver and release times."""

    plan: LoadPlan
    route_id: str
    day: str  # YYYY-MM-DD
    tz: tzinfo
    depot: str = ""
    driver: str = ""
    releases: tuple[Release, ...] = ()

    def release_of(self, trip: int) -> datetime | None:
        """When picking for that trip must be finished (None: nothing to pick, or no departure time)."""
        return next((r.release_at for r in self.releases if r.trip == trip), None)

    def departure_of(self, trip: int) -> datetime | None:
        """When that trip leaves the depot."""
        return next((t.departure for t in self.plan.trips if t.number == trip), None)


def columns(sheet: LoadSheet) -> tuple[str, ...]:
    """The base columns, then one per capacity dimension."""
    return BASE_COLUMNS + sheet.plan.dimensions


def _row(sheet: LoadSheet, section: str, seq: int | None, p: Parcel) -> dict[str, str]:
    row = {
        "section": section, "load_seq": "" if seq is None else str(seq), "trip": str(p.trip),
        "stop_no": str(p.stop_no), "order_ref": p.external_ref, "order_id": p.order_id, "kind": p.kind,
        "customer": p.name, "address": p.address, "barcodes": " ".join(p.barcodes), "shelf": p.shelf,
        "departure": hhmm(sheet.departure_of(p.trip), sheet.tz) if section == "load" else "",
        "release": hhmm(sheet.release_of(p.trip), sheet.tz) if section == "load" else "",
    }  # fmt: skip
    row.update({d: str(int(p.size.get(d, 0))) for d in sheet.plan.dimensions})
    return row


def _sum_row(sheet: LoadSheet, section: str, amounts: dict[str, int]) -> dict[str, str]:
    row = dict.fromkeys(columns(sheet), "")
    row["section"] = section
    row.update({d: str(v) for d, v in amounts.items()})
    return row


def rows(sheet: LoadSheet) -> list[dict[str, str]]:
    """Every row of the sheet: loads in loading order, collections in stop order, then the totals."""
    plan = sheet.plan
    out = [_row(sheet, "load", k, p) for k, p in enumerate(plan.loads, start=1)]
    out += [_row(sheet, "collect", None, p) for p in plan.collected]
    out.append(_sum_row(sheet, "total_load", plan.totals()))
    out.append(_sum_row(sheet, "total_collect", plan.totals(plan.collected)))
    out.append(_sum_row(sheet, "capacity", {d: v for d, v in plan.capacity.items() if d in plan.dimensions}))
    return out


def load_sheet_csv(sheet: LoadSheet) -> str:
    """The CSV as text (header row first)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns(sheet), lineterminator="\n")
    writer.writeheader()
    for row in rows(sheet):
        writer.writerow({k: safe_cell(v) if k in USER_TEXT else v for k, v in row.items()})
    return buf.getvalue()


def write_load_sheet_csv(path: Path, sheet: LoadSheet) -> None:
    """Write the CSV (UTF-8 with BOM, for spreadsheet programs)."""
    path.write_text(load_sheet_csv(sheet), encoding="utf-8-sig", newline="")


def _driver_name(problem: Problem, vehicle_id: str) -> str:
    try:
        driver_id = problem.vehicle(vehicle_id).driver_id
    except KeyError:
        return ""
    return next((d.name for d in problem.drivers if d.id == driver_id), "")


def plan_sheets(plan: Plan, problem: Problem, times: LoadingTimes) -> list[LoadSheet]:
    """The load sheet of every route of a plan (the CLI's ``load-sheets/``), with the problem's drivers."""
    orders = order_index(problem)
    sheets = []
    for route in plan.routes:
        try:
            vehicle = problem.vehicle(route.vehicle_id)
            capacity, depot = dict(vehicle.type.capacity), problem.depot(route.start_depot_id).name
        except KeyError:
            capacity, depot = {}, route.start_depot_id
        lp = load_plan(route, orders, capacity)
        tz = route_zone(problem, route)
        first = route.stops[0].departure if route.stops else plan.created_at
        sheet = LoadSheet(
            plan=lp, route_id=route.id, day=first.astimezone(tz).date().isoformat(), tz=tz, depot=depot,
            driver=_driver_name(problem, route.vehicle_id), releases=tuple(route_releases(lp, times)),
        )  # fmt: skip
        sheets.append(sheet)
    return sheets


def plan_waves(plan: Plan, problem: Problem, times: LoadingTimes) -> list[dict[str, Any]]:
    """The plan's picking waves as plan.json lists them (``waves``), times local to the first depot."""
    tz = depot_zone(problem)
    releases = [r for s in plan_sheets(plan, problem, times) for r in s.releases]
    return [
        {
            "number": w.number, "release_at": w.release_at.astimezone(tz).isoformat(), "parcels": w.parcels,
            "routes": [
                {"route_id": r.route_id, "vehicle": r.vehicle, "trip": r.trip,
                 "departure": r.departure.astimezone(tz).isoformat(), "parcels": r.parcels,
                 "release_at": r.release_at.astimezone(tz).isoformat(), "dock": r.dock}
                for r in w.releases
            ],
        }
        for w in group_waves(releases, times.wave_s, tz)
    ]  # fmt: skip
