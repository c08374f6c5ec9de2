"""`doorstep simulate`: virtual drivers drive a published day through the real driver API, faster than real time."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from doorstep.cli.simulator import DaySimulator, road_paths
from doorstep.config import get_settings
from doorstep.live.simulation import SimConfig
from doorstep.routing.osrm_local import OsrmLocalProvider


def simulate(
    day: Annotated[str, typer.Option("--date", help="The day whose published plans are driven (YYYY-MM-DD).")],
    api_key: Annotated[str, typer.Option(envvar="DOORSTEP_API_KEY", help="A dispatcher API key (read, write).")],
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
    failures through the driver API; print what was sent and how the API answered."""
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
