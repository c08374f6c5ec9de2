"""Rich rendering: the live solve progress bar, the plan summary, unassigned orders and violations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from doorstep.domain.depots import depot_loads
from doorstep.domain.plan import Plan, Route, Violation
from doorstep.domain.problem import Problem
from doorstep.optimize.progress import Progress as SolveProgress
from doorstep.optimize.progress import ProgressCallback


def money(cents: int) -> str:
    """Cents as a readable amount with two decimals."""
    return f"{cents / 100:,.2f}"


def load_percent(route: Route, problem: Problem) -> float | None:
    """The route's peak load as a share of capacity, over the tightest dimension (None: unlimited)."""
    try:
        capacity = problem.vehicle(route.vehicle_id).type.capacity
    except KeyError:
        return None
    shares = [stop.load_after.get(dim, 0) / cap for stop in route.stops for dim, cap in capacity.items() if cap > 0]
    return 100 * max(shares) if shares else None


def summary_table(plan: Plan, problem: Problem) -> Table:
    """One row per route (vehicle, stops, km, h, load %, cost, CO2) and a totals row."""
    table = Table(title=f"Plan {plan.id}", show_footer=True)
    routes = [r for r in plan.routes if r.order_ids]
    stops = sum(len(r.order_ids) for r in routes)
    km = sum(r.distance_m for r in routes) / 1000
    hours = sum(r.duration_s for r in routes) / 3600
    cost = sum(r.cost_cents for r in routes)
    co2 = sum(r.co2_g for r in routes) / 1000
    table.add_column("Vehicle", footer=f"{len(routes)} routes")
    table.add_column("Stops", justify="right", footer=str(stops))
    table.add_column("km", justify="right", footer=f"{km:.1f}")
    table.add_column("h", justify="right", footer=f"{hours:.2f}")
    table.add_column("Load %", justify="right")
    table.add_column("Cost", justify="right", footer=money(cost))
    table.add_column("CO₂ kg", justify="right", footer=f"{co2:.1f}")
    for route in routes:
        share = load_percent(route, problem)
        table.add_row(
            escape(route.vehicle_name or route.vehicle_id),
            str(len(route.order_ids)),
            f"{route.distance_m / 1000:.1f}",
            f"{route.duration_s / 3600:.2f}",
            "-" if share is None else f"{share:.0f}",
            money(route.cost_cents),
            f"{route.co2_g / 1000:.1f}",
        )
    return table


def unassigned_table(plan: Plan) -> Table:
    """Unassigned orders with their reason code, the explanation and what to do."""
    table = Table(title=f"Unassigned orders ({len(plan.unassigned)})", title_style="bold yellow")
    for name in ("Order", "Reason", "Why", "Action"):
        table.add_column(name, overflow="fold")
    for u in plan.unassigned:
        table.add_row(escape(u.external_ref or u.order_id), u.reason.value, escape(u.message), escape(u.action))
    return table


def offers_table(offers: list[dict[str, Any]], currency: str) -> Table:
    """The plan's carrier offers: order, carrier, price, what the fleet saves net of the price, and why."""
    table = Table(title=f"Carrier offers ({len(offers)})", title_style="bold cyan")
    for name, justify in (("Order", "left"), ("Carrier", "left"), (f"Price {currency}", "right"),
                          (f"Saving {currency}", "right"), ("Route", "left"), ("Reason", "left")):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for o in offers:
        table.add_row(escape(o["external_ref"] or o["order_id"]), escape(o["carrier_name"]), money(o["price_cents"]),
                      money(o["saving_cents"]), o["route_id"] or "unassigned", escape(o["reason"]))  # fmt: skip
    return table


def violations_table(violations: list[Violation]) -> Table:
    """Checker findings: kind, route, order, amount and message."""
    table = Table(title=f"Violations ({len(violations)})", title_style="bold red")
    for name in ("Kind", "Route", "Order", "Amount", "Message"):
        table.add_column(name, overflow="fold")
    for v in violations:
        table.add_row(v.kind, v.route_id or "", v.order_id or "", str(v.amount), escape(v.message))
    return table


def print_plan(console: Console, plan: Plan, problem: Problem) -> None:
    """The human summary after planning: routes table, stats line, unassigned orders."""
    console.print(summary_table(plan, problem))
    s = plan.stats
    assigned = s.orders_assigned or sum(len(r.order_ids) for r in plan.routes)
    total = s.orders_total or len(problem.orders)
    console.print(
        f"{assigned}/{total} orders assigned · {s.vehicles_used or len(plan.routes)} vehicles · "
        f"cost {money(s.cost_cents)} · CO₂ {s.co2_g / 1000:.1f} kg · solved in {s.runtime_s:.1f} s · "
        f"travel model {escape(s.provider or '?')}"
    )
    for load in depot_loads(problem, plan):  # depots with a daily capacity or docks
        cap = "(no daily limit)" if load.capacity is None else f"of {load.capacity}"
        docks = "" if load.docks is None else f" · at most {load.loading_peak} of {load.docks} docks loading at once"
        console.print(f"Depot {escape(problem.depot(load.depot_id).name)}: {load.parcels} parcels {cap}{docks}")
    if plan.unassigned:
        console.print(unassigned_table(plan))


def _cost_text(update: SolveProgress) -> str:
    if update.best_value is None:
        return "searching…"
    if update.unit == "s":
        value = f"{update.best_value / 3600:.2f} h"
    elif update.unit == "m":
        value = f"{update.best_value / 1000:.1f} km"
    else:
        value = money(update.best_value)
    return f"best {value} · {update.assigned} assigned"


@contextmanager
def solve_progress(console: Console, time_limit_s: float, enabled: bool = True) -> Iterator[ProgressCallback]:
    """A Rich bar over the time limit (phase, elapsed, best cost); yields the on_progress callback."""
    if not enabled:
        yield lambda _update: None
        return
    columns: list[Any] = [
        TextColumn("[bold]{task.description:<7}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[best]}"),
    ]
    # Redrawn on each report (several a second while searching) rather than by Rich's refresh thread: with no
    # other thread running, the second search and a large day's parts start by fork (pyvrp_adapter.start_method)
    # at once, instead of spawning fresh interpreters that import the planner and unpickle their data.
    with Progress(*columns, console=console, transient=False, auto_refresh=False) as bar:
        task = bar.add_task("start", total=time_limit_s, best="")
        parts: dict[int, TaskID] = {}

        def on_progress(update: SolveProgress) -> None:
            if update.part:  # a large day's part: a bar of its own, over its share of the time
                total = update.time_limit_s or 1.0  # a queued part has no share of the time yet
                if update.part not in parts:
                    parts[update.part] = bar.add_task("", total=total, best="")
                done = total if update.phase in ("finish", "done") else min(update.elapsed_s, total)
                label = f"part {update.part}/{update.parts} {update.phase}"
                best = f"{update.orders} orders · " + ("waiting" if update.phase == "queued" else _cost_text(update))
                bar.update(parts[update.part], description=label, total=total, completed=done, best=best)
                bar.refresh()
                return
            done = (
                update.time_limit_s
                if update.phase in ("finish", "done")
                else min(update.elapsed_s, update.time_limit_s)
            )
            label = f"{update.phase} ({update.parts} parts)" if update.parts else update.phase
            bar.update(task, description=label, completed=done, best=_cost_text(update))
            bar.refresh()

        yield on_progress
