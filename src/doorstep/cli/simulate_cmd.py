"""`doorstep simulate`: virtual drivers drive a published day through the real driver API, faster than real time;
with ``--days N``, N days of history in a simulated city (orders, plans, drivers, nightly learning) instead."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import Progress

from doorstep.config import get_settings


def simulate(
    api_key: Annotated[str, typer.Option(envvar="DOORSTEP_API_KEY", help="A dispatcher API key (read, write).")],
    day: Annotated[
        str | None, typer.Option("--date", help="The day whose published plans are driven (YYYY-MM-DD).")
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            help="Instead of --date: this many days of history up to yesterday in a simulated city "
            "(its own depot, vans, customers and hidden true times), through the API.",
            min=1,
            max=366,
        ),
    ] = None,
    learn: Annotated[bool, typer.Option(help="With --days: re-learn times after each day (the nightly job).")] = True,
    vans: Annotated[int, typer.Option(help="With --days: vans of the simulated city.", min=1, max=50)] = 5,
    orders_per_day: Annotated[
        int, typer.Option(help="With --days: orders on an average weekday (Sundays have none).", min=1, max=5000)
    ] = 112,
    url: Annotated[str, typer.Option(help="The Doorstep server.")] = "http://127.0.0.1:8000",
    speed: Annotated[float, typer.Option(help="How many times faster than real time.", min=0.1, max=1_000_000)] = 60.0,
    fail_rate: Annotated[float, typer.Option(help="Share of stops that fail.", min=0, max=1)] = 0.05,
    delay_rate: Annotated[float, typer.Option(help="Share of legs with a delay.", min=0, max=1)] = 0.1,
    position_every: Annotated[int, typer.Option(help="Seconds between GPS positions.", min=1)] = 15,
    seed: Annotated[int, typer.Option(help="The same seed gives the same day.")] = 1,
    clock: Annotated[
        str, typer.Option(help="shifted: the day ends now (stamps in the past); plan: the plan's own times.")
    ] = "shifted",
    network: Annotated[
        Path | None,
        typer.Option("--network", help="Drive along this road network's paths (default: DOORSTEP_NETWORK)."),
    ] = None,
) -> None:
    """Log a virtual driver in for every live route of the day and report positions, arrivals, completions and
    failures through the driver API; print what was sent and how the API answered. With ``--days``, simulate that
    much history instead (``demo/history``)."""
    from doorstep.cli.simulator import DaySimulator, road_paths
    from doorstep.live.simulation import SimConfig
    from doorstep.routing.osrm_local import OsrmLocalProvider

    if (day is None) == (days is None):
        raise typer.BadParameter("give either --date (drive a published day) or --days (simulate history)")
    if days is not None:
        history(url, api_key, days, seed, vans, learn, orders_per_day)
        return
    assert day is not None
    if clock not in ("shifted", "plan"):
        raise typer.BadParameter("use shifted or plan", param_hint="--clock")
    mode: Literal["shifted", "plan"] = "shifted" if clock == "shifted" else "plan"
    config = SimConfig(seed=seed, position_every_s=position_every, fail_rate=fail_rate, delay_rate=delay_rate)
    folder = network or get_settings().network
    paths = road_paths(OsrmLocalProvider(folder)) if folder is not None else None
    sim = DaySimulator(url, api_key, date.fromisoformat(day), config, speed, paths)
    tally = sim.run(mode)
    for what, n in sorted(tally.counts.items()):
        typer.echo(f"{what:>12}: {n}")
    for what, n in sorted(tally.errors.items()):
        typer.echo(f"{'refused':>12}: {n} x {what}")
    if not tally.counts:
        typer.echo("no live route on that day (publish a plan first)")


def history(url: str, api_key: str, days: int, seed: int, vans: int, learn: bool, orders_per_day: int) -> None:
    """``days`` days of the simulated city up to yesterday, through the API at ``url``, with a progress bar."""
    from doorstep.demo.history.month import History, HistoryConfig, api_client, demand_of
    from doorstep.demo.history.world import World

    start = date.today() - timedelta(days=days)
    demand = demand_of(orders_per_day)
    config = HistoryConfig(start=start, days=days, seed=seed, vans=vans, learn=learn, demand=demand)
    with api_client(url, api_key) as api, Progress() as bar:
        task = bar.add_task("simulated days", total=days)
        reports = History(api, World(seed=seed), config).run(
            on_day=lambda rep: bar.update(task, completed=(rep.day - start).days + 1)
        )
        bar.update(task, completed=days)
    for rep in reports:
        refused = sum(rep.refused.values())
        typer.echo(f"{rep.day}: {rep.orders} orders, {rep.routes} routes, {sum(rep.sent.values())} reports sent"
                   + (f", {refused} refused" if refused else ""))  # fmt: skip
