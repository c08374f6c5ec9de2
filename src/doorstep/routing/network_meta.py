"""What a road network folder holds: the OSRM files plus ``network.json`` saying how and from what it was built."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng

META_FILE = "network.json"
META_FORMAT = 1
ATTRIBUTION = "© OpenStreetMap contributors"
LICENSE = "ODbL 1.0 (https://www.openstreetmap.org/copyright)"


class NetworkProfile(StrEnum):
    """Who the network routes for; each maps to one OSRM Lua profile."""

    CAR = "car"
    VAN = "van"
    BIKE = "bike"
    FOOT = "foot"


class Algorithm(StrEnum):
    """OSRM's two speed-up techniques: MLD builds fast and allows re-weighting, CH answers tables faster."""

    MLD = "mld"
    CH = "ch"


LUA_FILE: dict[NetworkProfile, str] = {
    NetworkProfile.CAR: "car.lua",
    NetworkProfile.VAN: "van.lua",
    NetworkProfile.BIKE: "bicycle.lua",
    NetworkProfile.FOOT: "foot.lua",
}

# Vehicle speed profile -> networks that can serve it, best first; any but the first is reported (W3002).
COMPATIBLE: dict[SpeedProfile, tuple[NetworkProfile, ...]] = {
    SpeedProfile.CAR: (NetworkProfile.CAR, NetworkProfile.VAN),
    SpeedProfile.VAN: (NetworkProfile.VAN, NetworkProfile.CAR),
    SpeedProfile.TRUCK: (NetworkProfile.VAN, NetworkProfile.CAR),
    SpeedProfile.CARGO_BIKE: (NetworkProfile.BIKE,),
    SpeedProfile.BIKE: (NetworkProfile.BIKE,),
    SpeedProfile.FOOT: (NetworkProfile.FOOT,),
}


def parse_profile(text: str) -> NetworkProfile:
    """``car|van|bike|foot`` (``bicycle`` accepted); E3001 otherwise."""
    name = "bike" if text.strip().lower() == "bicycle" else text.strip().lower()
    try:
        return NetworkProfile(name)
    except ValueError:
        allowed = ", ".join(p.value for p in NetworkProfile)
        msg = f"unknown routing profile {text!r}; use one of {allowed}"
        raise DoorstepError([Issue("E3001", msg, ("profile",))]) from None


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat box (the extract's area); points outside it cannot be routed."""

    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    def contains(self, p: LatLng, margin_deg: float = 0.0) -> bool:
        """Whether ``p`` lies inside the box grown by ``margin_deg`` on every side."""
        return (
            self.min_lat - margin_deg <= p.lat <= self.max_lat + margin_deg
            and self.min_lng - margin_deg <= p.lng <= self.max_lng + margin_deg
        )


@dataclass(frozen=True, slots=True)
class ZoneClass:
    """An access zone built into the network: its id, the OSRM road class its roads carry (``zone1``...) and a
    digest of its polygon at build time (``domain.zones.geometry_sha256``), so a changed polygon is noticed."""

    id: str
    osrm_class: str
    geometry_sha256: str


@dataclass(frozen=True, slots=True)
class NetworkMeta:
    """Everything ``network.json`` records; ``folder`` is where it was read from (not stored)."""

    name: str
    profile: NetworkProfile
    algorithm: Algorithm
    bbox: BBox
    source_file: str
    source_sha256: str
    source_bytes: int
    built_at: str
    build_seconds: dict[str, float]
    peak_rss_bytes: int
    osrm_version: str
    doorstep_version: str
    attribution: str = ATTRIBUTION
    license: str = LICENSE
    format: int = META_FORMAT
    zones: tuple[ZoneClass, ...] = ()  # access zones whose roads a trip can exclude (network build --zones)
    folder: Path = field(default=Path(), compare=False)

    def zone(self, zone_id: str) -> ZoneClass | None:
        """The built-in zone with this id, if the network was built with it."""
        return next((z for z in self.zones if z.id == zone_id), None)

    @property
    def base_path(self) -> Path:
        """The ``.osrm`` base name OSRM's engine loads."""
        return self.folder / f"{self.name}.osrm"

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (without the folder)."""
        data = asdict(self)
        data.pop("folder")
        data["bbox"] = [self.bbox.min_lng, self.bbox.min_lat, self.bbox.max_lng, self.bbox.max_lat]
        return data


def write_meta(meta: NetworkMeta) -> Path:
    """Write ``network.json`` next to the OSRM files."""
    path = meta.folder / META_FILE
    path.write_text(json.dumps(meta.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _not_a_network(folder: Path, why: str) -> DoorstepError:
    return DoorstepError([Issue("E3005", f"{folder}: {why}", ("network",))])


def read_meta(folder: Path) -> NetworkMeta:
    """Read and check a network folder: E3005 when it is missing, incomplete or not built by Doorstep."""
    path = folder / META_FILE
    if not folder.is_dir():
        raise _not_a_network(folder, "no such folder")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = NetworkMeta(
            name=str(data["name"]),
            profile=NetworkProfile(data["profile"]),
            algorithm=Algorithm(data["algorithm"]),
            bbox=BBox(*(float(x) for x in data["bbox"])),
            source_file=str(data["source_file"]),
            source_sha256=str(data["source_sha256"]),
            source_bytes=int(data["source_bytes"]),
            built_at=str(data["built_at"]),
            build_seconds={str(k): float(v) for k, v in data["build_seconds"].items()},
            peak_rss_bytes=int(data.get("peak_rss_bytes", 0)),
            osrm_version=str(data["osrm_version"]),
            doorstep_version=str(data["doorstep_version"]),
            format=int(data.get("format", META_FORMAT)),
            zones=_zones(data.get("zones") or []),
            folder=folder,
        )
    except FileNotFoundError:
        raise _not_a_network(folder, f"no {META_FILE} (not built by `doorstep network build`)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _not_a_network(folder, f"{META_FILE} is unreadable ({exc})") from None
    if not meta.base_path.with_suffix(".osrm.fileIndex").exists() or not _complete(meta):
        raise _not_a_network(folder, "the OSRM files are missing or the build did not finish")
    return meta


def _zones(raw: list[dict[str, Any]]) -> tuple[ZoneClass, ...]:
    """The built-in zones (a file written before zones existed has none)."""
    return tuple(ZoneClass(str(z["id"]), str(z["osrm_class"]), str(z["geometry_sha256"])) for z in raw)


def _complete(meta: NetworkMeta) -> bool:
    """The files the chosen algorithm's engine needs are all there."""
    needed = [".osrm.hsgr"] if meta.algorithm is Algorithm.CH else [".osrm.mldgr", ".osrm.cell_metrics"]
    return all(meta.base_path.with_suffix(ext).exists() for ext in [".osrm.ebg_nodes", *needed])


def pick_network(meta: NetworkMeta, profile: SpeedProfile) -> Issue | None:
    """Whether the network may serve vehicles of ``profile``: None (own profile), a W3002 warning, or E3006."""
    allowed = COMPATIBLE[profile]
    if meta.profile is allowed[0]:
        return None
    if meta.profile in allowed:
        msg = f"{profile.value} vehicles are routed on the {meta.profile.value} network {meta.folder}"
        return Issue("W3002", msg, ("network",))
    want = allowed[0].value
    msg = f"the network {meta.folder} is built for {meta.profile.value}, but the vehicles travel by {profile.value}"
    return Issue("E3006", msg, ("network",), action=f"Build a {want} network: doorstep network build --profile {want}")
