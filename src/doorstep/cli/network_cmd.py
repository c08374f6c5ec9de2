"""`doorstep network build|info|matrix`: road networks from OpenStreetMap extracts, and matrices from them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from doorstep.cli.errors import guarded, print_issues
from doorstep.config import get_settings
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.network_meta import Algorithm, NetworkMeta, parse_profile, read_meta

network_app = typer.Typer(
    name="network",
    help="Road networks built from OpenStreetMap extracts (.osm.pbf), for real road travel times offline.",
    no_args_is_help=True,
)
console = Console()
SPEED_PROFILE = {"car": SpeedProfile.CAR, "van": SpeedProfile.VAN, "bike": SpeedProfile.BIKE, "foot": SpeedProfile.FOOT}


def _debug(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool(root.obj and root.obj.get("debug"))


def _meta_table(meta: NetworkMeta) -> Table:
    table = Table(show_header=False, box=None)
    b = meta.bbox
    rows = [
        ("folder", str(meta.folder)),
        ("profile", meta.profile.value),
        ("algorithm", meta.algorithm.value),
        ("source", f"{meta.source_file} ({meta.source_bytes:,} bytes)"),
        ("sha256", meta.source_sha256),
        ("area (lon/lat)", f"{b.min_lng:.4f},{b.min_lat:.4f} .. {b.max_lng:.4f},{b.max_lat:.4f}"),
        ("built", f"{meta.built_at} in {sum(meta.build_seconds.values()):.1f} s"),
        ("phases", ", ".join(f"{k} {v:.1f} s" for k, v in meta.build_seconds.items())),
        ("peak memory", f"{meta.peak_rss_bytes / 2**20:.0f} MiB"),
        ("tools", f"OSRM {meta.osrm_version}, Doorstep {meta.doorstep_version}"),
        ("data", f"{meta.attribution}, {meta.license}"),
        *([("access zones", ", ".join(f"{z.id} ({z.osrm_class})" for z in meta.zones))] if meta.zones else []),
    ]
    for key, value in rows:
        table.add_row(f"[bold]{key}[/bold]", escape(value))
    return table


@network_app.command("build")
def build(
    ctx: typer.Context,
    osm_file: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf), e.g. from Geofabrik.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the network (created).")],
    profile: Annotated[str, typer.Option("--profile", help="car | van | bike | foot.")] = "car",
    algorithm: Annotated[
        Algorithm, typer.Option("--algorithm", help="mld: fast build; ch: faster matrices, slower build.")
    ] = Algorithm.MLD,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Threads for the OSRM tools.")] = 2,
    zones_file: Annotated[
        Path | None,
        typer.Option(
            "--zones",
            help="Access zones (JSON list or GeoJSON FeatureCollection with ids, at most 3) whose roads barred "
            "vehicles must not drive through.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the network's metadata as JSON only.")] = False,
) -> None:
    """Build a road network from OSM_FILE into --out (extract, then partition+customize or contract)."""
    from doorstep.formats.zones_json import read_zones_file
    from doorstep.routing.network_build import build_network, phases_of

    def body() -> int:
        prof = parse_profile(profile)
        zones = read_zones_file(zones_file, need_types=False) if zones_file is not None else ()
        phases = phases_of(algorithm, bool(zones))
        status = None if json_out else console.status(f"[bold]{phases[0]}[/bold] {escape(str(osm_file))}")

        def on_phase(name: str, seconds: float) -> None:
            if status is None:
                return
            console.print(f"  [green]✓[/green] {name:<10} {seconds:6.1f} s")
            nxt = phases.index(name) + 1
            if nxt < len(phases):
                status.update(f"[bold]{phases[nxt]}[/bold] …")

        if status is not None:
            status.start()
        try:
            meta = build_network(osm_file, out, prof, algorithm, threads=threads, on_phase=on_phase, zones=zones)
        finally:
            if status is not None:
                status.stop()
        if json_out:
            print(json.dumps(meta.to_dict(), ensure_ascii=False, indent=2))
        else:
            console.print(_meta_table(meta))
        return 0

    raise typer.Exit(guarded(body, json_out=json_out, debug=_debug(ctx)))


@network_app.command("info")
def info(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A network folder made by `doorstep network build`.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the metadata as JSON only.")] = False,
) -> None:
    """Show how a network was built: source file and checksum, area, profile, algorithm, build time, versions."""

    def body() -> int:
        meta = read_meta(folder)
        if json_out:
            print(json.dumps(meta.to_dict(), ensure_ascii=False, indent=2))
        else:
            console.print(_meta_table(meta))
        return 0

    raise typer.Exit(guarded(body, json_out=json_out, debug=_debug(ctx)))


def read_points(path: Path) -> list[LatLng]:
    """``[{"lat": .., "lng": ..}]`` (``lon`` accepted for ``lng``); E3011 listing every bad entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DoorstepError([Issue("E1001", f"{path}: {exc.strerror or exc}", ("points",))]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DoorstepError([Issue("E3011", f"{path}: not JSON ({exc})", ("points",))]) from None
    if not isinstance(data, list) or not data:
        raise DoorstepError([Issue("E3011", f"{path}: expected a non-empty JSON list of points", ("points",))])
    points, issues = [], []
    for i, item in enumerate(data):
        try:
            p = LatLng(float(item["lat"]), float(item["lng"] if "lng" in item else item["lon"]))
        except (TypeError, KeyError, ValueError):
            issues.append(Issue("E3011", f"point {i}: needs numeric lat and lng, got {item!r}"[:200], ("points", i)))
            continue
        if not p.is_valid():
            issues.append(Issue("E1105", f"point {i}: ({p.lat}, {p.lng}) is out of range", ("points", i)))
        points.append(p)
    if issues:
        raise DoorstepError(issues)
    return points


def _nullable(matrix: Any) -> list[list[int | None]]:
    """Integer rows with ``null`` where no road connects the pair (never a silent zero)."""
    from doorstep.routing.provider import UNREACHABLE  # NumPy's module: loaded by the command that has a matrix

    return [[None if v >= UNREACHABLE else int(v) for v in row] for row in matrix.tolist()]


@network_app.command("matrix")
def matrix(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A network folder made by `doorstep network build`.")],
    points_file: Annotated[Path, typer.Argument(help='Points as JSON: [{"lat": .., "lng": ..}, ...].')],
    out: Annotated[Path, typer.Option("--out", help="Where to write {durations, distances, snapped}.")],
    snap_radius: Annotated[
        float | None, typer.Option("--snap-radius", help="Farthest a point may be from a road, metres.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON summary only.")] = False,
) -> None:
    """Durations (s) and distances (m) between all points; null where no road connects a pair."""
    from doorstep.routing.osrm_local import OsrmLocalProvider

    def body() -> int:
        points = read_points(points_file)
        radius = snap_radius if snap_radius is not None else get_settings().snap_radius_m
        provider = OsrmLocalProvider(folder, snap_radius_m=radius)
        t = time.perf_counter()
        m, snaps = provider.matrix_with_snaps(points, SPEED_PROFILE[provider.meta.profile.value])
        seconds = time.perf_counter() - t
        snapped = [s.to_dict() for s in snaps]
        doc = {"durations": _nullable(m.durations), "distances": _nullable(m.distances), "snapped": snapped}
        doc["warnings"] = [w.to_dict() for w in m.warnings]
        doc["attribution"] = provider.attribution
        try:
            out.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise DoorstepError([Issue("E1001", f"cannot write {out}: {exc.strerror}", ("out",))]) from None
        summary = {"points": len(points), "seconds": round(seconds, 3), "out": str(out), "warnings": len(m.warnings)}
        if json_out:
            print(json.dumps(summary))
            return 0
        if m.warnings:
            print_issues(console, m.warnings, f"Warnings ({len(m.warnings)})")
        console.print(f"{len(points)}×{len(points)} matrix in {seconds:.2f} s → {escape(str(out))}")
        return 0

    raise typer.Exit(guarded(body, json_out=json_out, debug=_debug(ctx)))
