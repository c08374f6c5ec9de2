"""Build a road network from an OpenStreetMap extract with the OSRM tools shipped in the ``osrm-bindings`` wheel.

Phases: check (read the extract once with osmium: its area, and that it is not truncated), zones (only with access
zones: tag the roads touching them and wrap the profile, routing/network_zones.py), extract, then partition +
customize (MLD) or contract (CH). Each tool runs as a subprocess; its output goes to ``build.log``
in the network folder so a failure can be explained without flooding the terminal.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import math
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import osmium

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.zones import AccessZone
from doorstep.routing.address_index import INDEX_FILE, IndexStats, build_address_index
from doorstep.routing.network_meta import (
    LUA_FILE,
    Algorithm,
    BBox,
    NetworkMeta,
    NetworkProfile,
    write_meta,
)
from doorstep.routing.network_zones import tag_extract, zone_classes, zone_profile

PhaseCallback = Callable[[str, float], None]  # (phase name, seconds it took), after each phase
PHASES: dict[Algorithm, tuple[str, ...]] = {
    Algorithm.MLD: ("check", "extract", "partition", "customize"),
    Algorithm.CH: ("check", "extract", "contract"),
}
BUILD_LOG = "build.log"


def phases_of(algorithm: Algorithm, zones: bool) -> tuple[str, ...]:
    """The phases a build reports, in order (``zones`` after ``check`` when zones are built in)."""
    phases = (*PHASES[algorithm], "addresses")
    return (phases[0], "zones", *phases[1:]) if zones else phases


def osrm_package_dir() -> Path:
    """Where the ``osrm`` package keeps ``bin/`` (the tools) and ``share/profiles/`` (the Lua profiles)."""
    spec = importlib.util.find_spec("osrm")
    if spec is None or spec.origin is None:  # pragma: no cover - osrm-bindings is a dependency
        raise RuntimeError("osrm-bindings is not installed")
    return Path(spec.origin).parent


def tool(name: str) -> Path:
    """Path of one OSRM executable from the wheel (``extract``, ``partition``, ``customize``, ``contract``...)."""
    return osrm_package_dir() / "bin" / f"osrm-{name}"


def osrm_version() -> str:
    """The OSRM tools' version string, e.g. ``v26.10.0``."""
    out = subprocess.run([str(tool("extract")), "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or f"osrm-bindings {importlib.metadata.version('osrm-bindings')}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_extract(pbf: Path) -> BBox:
    """The extent of the extract's nodes; reading every block also proves the file is complete (E3003)."""
    lat_lo, lat_hi, lng_lo, lng_hi = math.inf, -math.inf, math.inf, -math.inf
    try:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE):
            if not isinstance(obj, osmium.osm.Node):
                continue
            loc = obj.location
            if loc.valid():
                lat_lo, lat_hi = min(lat_lo, loc.lat), max(lat_hi, loc.lat)
                lng_lo, lng_hi = min(lng_lo, loc.lon), max(lng_hi, loc.lon)
    except RuntimeError as exc:
        msg = f"{pbf}: cannot read the extract ({exc})"
        raise DoorstepError([Issue("E3003", msg, ("osm_file",))]) from None
    if not math.isfinite(lat_lo):
        raise DoorstepError([Issue("E3003", f"{pbf}: the extract has no nodes", ("osm_file",))])
    return BBox(lng_lo, lat_lo, lng_hi, lat_hi)


def _profiles_dir(work: Path) -> Path:
    """A copy of the wheel's profiles plus Doorstep's own (van.lua requires car.lua next to it)."""
    target = work / "profiles"
    shutil.copytree(osrm_package_dir() / "share" / "profiles", target)
    for item in resources.files("doorstep.routing").joinpath("profiles").iterdir():
        if item.name.endswith(".lua"):
            (target / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def _run(phase: str, args: list[str], cwd: Path, log: Path, bad_extract: Path | None = None) -> None:
    """Run one tool, appending its output to the build log; a failure is E3003 (bad extract) or E3004."""
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(args)}\n")
        fh.flush()
        proc = subprocess.run(args, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode == 0:
        return
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
    detail = " | ".join(tail)
    if bad_extract is not None and ("pbf" in detail.lower() or "osmium" in detail.lower()):
        raise DoorstepError([Issue("E3003", f"{bad_extract}: osrm-{phase} cannot read it ({detail})", ("osm_file",))])
    msg = f"osrm-{phase} failed (exit {proc.returncode}): {detail}; full output in {log}"
    raise DoorstepError([Issue("E3004", msg, ("network",))])


def _log_tagged(log: Path, ways: int) -> None:
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"# access zones: {ways} roads tagged\n")


def _log_addresses(log: Path, stats: IndexStats) -> None:
    with log.open("a", encoding="utf-8") as f:
        f.write(f"addresses: {stats.streets} streets, {stats.addresses} house numbers, {stats.places} places\n")


def _check_input(pbf: Path) -> None:
    if not pbf.is_file():
        raise DoorstepError([Issue("E3002", f"{pbf}: no such file", ("osm_file",))])
    if not pbf.name.endswith(".pbf"):
        msg = f"{pbf}: not an .osm.pbf file"
        raise DoorstepError([Issue("E3002", msg, ("osm_file",), action="Convert it with `osmium cat IN -o OUT.pbf`.")])


def network_name(pbf: Path) -> str:
    """The OSRM base name: the extract's name without ``.osm.pbf``."""
    name = pbf.name.removesuffix(".pbf").removesuffix(".osm")
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "network"


def build_network(
    pbf: Path,
    out: Path,
    profile: NetworkProfile = NetworkProfile.CAR,
    algorithm: Algorithm = Algorithm.MLD,
    threads: int = 2,
    on_phase: PhaseCallback | None = None,
    zones: Sequence[AccessZone] = (),
) -> NetworkMeta:
    """Build the network into ``out`` (created; previous OSRM files there are replaced) and write its metadata.
    With ``zones`` (at most 2 on car and van networks, 3 on others: E3014), trips can be asked to avoid each
    zone's roads (``exclude``)."""
    _check_input(pbf)
    classes = zone_classes(zones, profile)
    out = out.absolute()  # the tools run with the network folder as working directory
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DoorstepError([Issue("E3004", f"cannot create {out}: {exc.strerror}", ("out",))]) from None
    name = network_name(pbf)
    log = out / BUILD_LOG
    log.write_text(f"# doorstep network build {pbf} ({profile.value}, {algorithm.value})\n", encoding="utf-8")
    seconds: dict[str, float] = {}

    def timed(phase: str, fn: Callable[[], object]) -> None:
        t = time.perf_counter()
        fn()
        seconds[phase] = round(time.perf_counter() - t, 3)
        if on_phase is not None:
            on_phase(phase, seconds[phase])

    bbox_box: list[BBox] = []
    timed("check", lambda: bbox_box.append(scan_extract(pbf)))
    base = str(out / f"{name}.osrm")
    with tempfile.TemporaryDirectory(prefix="doorstep-net-") as tmp:
        work = Path(tmp)
        profiles = _profiles_dir(work)
        lua = profiles / LUA_FILE[profile]
        if classes:
            tagged = work / f"{name}.osm.pbf"
            lua = zone_profile(profiles, LUA_FILE[profile], classes)
            timed("zones", lambda: _log_tagged(log, tag_extract(pbf, tagged, zones, classes)))
        else:
            (work / f"{name}.osm.pbf").symlink_to(pbf.resolve())
        extract = [str(tool("extract")), "-p", str(lua), "-t", str(threads), f"{name}.osm.pbf"]
        timed("extract", lambda: _run("extract", extract, work, log, bad_extract=pbf))
        for produced in work.glob(f"{name}.osrm*"):
            shutil.move(str(produced), out / produced.name)
    for phase in PHASES[algorithm][2:]:
        timed(phase, lambda p=phase: _run(p, [str(tool(p)), "-t", str(threads), base], out, log))  # type: ignore[misc]
    timed("addresses", lambda: _log_addresses(log, build_address_index(pbf, out / INDEX_FILE)))
    meta = NetworkMeta(
        name=name,
        profile=profile,
        algorithm=algorithm,
        bbox=bbox_box[0],
        source_file=str(pbf.resolve()),
        source_sha256=_sha256(pbf),
        source_bytes=pbf.stat().st_size,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=seconds,
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        osrm_version=osrm_version(),
        doorstep_version=importlib.metadata.version("doorstep"),
        zones=classes,
        folder=out,
    )
    write_meta(meta)
    return meta
