"""Access zones as documents: ``{"id", "name", "geometry", "vehicle_types", "hours", "timezone"}``.

``geometry`` is a GeoJSON Polygon or MultiPolygon (or a Feature holding one), positions ``[lng, lat]``;
``vehicle_types`` names the types allowed to serve stops inside (by id or by name); ``hours`` are local
``[["06:00", "11:00"], ...]`` pairs (none: at any time) in ``timezone`` (empty: the first depot's). Every problem
is reported at once: E1620 area, E1622 hours, E1624 no vehicle type, E1113 time zone (the fleet-dependent checks,
E1621 and E1623, are in ``domain.validate``). ``read_zones_file`` reads a file of them for ``doorstep network build
--zones``: a list of these objects, ``{"zones": [...]}`` or a GeoJSON FeatureCollection whose features carry an
``id`` (the other keys in ``properties``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import derived_id
from doorstep.domain.zones import AccessZone, Polygon, Ring
from doorstep.formats.json_common import read_json
from doorstep.formats.times import clock_seconds, zone

Loc = tuple[str | int, ...]


def _position(p: Any) -> LatLng | None:
    if not isinstance(p, list | tuple) or len(p) < 2:
        return None
    lng, lat = p[0], p[1]
    if not all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in (lng, lat)):
        return None
    point = LatLng(float(lat), float(lng))
    return point if point.is_valid() else None


def _ring(raw: Any, loc: Loc, zid: str, issues: list[Issue]) -> Ring | None:
    if not isinstance(raw, list) or len(raw) < 4:
        issues.append(Issue("E1620", f"{zid}: a ring needs at least 4 positions", loc, zid))
        return None
    points = [_position(p) for p in raw]
    bad = [k for k, p in enumerate(points) if p is None]
    if bad:
        msg = f"{zid}: position {bad[0]} is not a [lng, lat] pair inside WGS84 ranges"
        issues.append(Issue("E1620", msg, (*loc, bad[0]), zid))
        return None
    if points[0] != points[-1]:
        issues.append(Issue("E1620", f"{zid}: a ring must end where it starts (closed)", loc, zid))
        return None
    return tuple(p for p in points[:-1] if p is not None)


def _polygon(raw: Any, loc: Loc, zid: str, issues: list[Issue]) -> Polygon | None:
    if not isinstance(raw, list) or not raw:
        issues.append(Issue("E1620", f"{zid}: a polygon is a list of rings (its outline first)", loc, zid))
        return None
    rings = [_ring(r, (*loc, k), zid, issues) for k, r in enumerate(raw)]
    return tuple(r for r in rings if r is not None) if all(r is not None for r in rings) else None


def _geometry(raw: Any, loc: Loc, zid: str, issues: list[Issue]) -> tuple[Polygon, ...]:
    if isinstance(raw, Mapping) and raw.get("type") == "Feature":
        raw, loc = raw.get("geometry"), (*loc, "geometry")
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    coords = raw.get("coordinates") if isinstance(raw, Mapping) else None
    if kind == "Polygon":
        one = _polygon(coords, (*loc, "coordinates"), zid, issues)
        return (one,) if one is not None else ()
    if kind == "MultiPolygon" and isinstance(coords, list) and coords:
        polys = [_polygon(p, (*loc, "coordinates", k), zid, issues) for k, p in enumerate(coords)]
        return tuple(p for p in polys if p is not None)
    issues.append(Issue("E1620", f"{zid}: the area must be a GeoJSON Polygon or MultiPolygon", loc, zid))
    return ()


def _hours(raw: Any, loc: Loc, zid: str, issues: list[Issue]) -> tuple[tuple[time, time | None], ...]:
    out: list[tuple[time, time | None]] = []
    for k, pair in enumerate(raw or ()):
        ok = isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        secs = [clock_seconds(x) for x in pair] if ok else [None, None]
        a, b = secs
        if a is None or b is None or a >= 86400 or b <= a:
            msg = f"{zid}: hours {pair!r} must be two HH:MM times, closing after opening"
            issues.append(Issue("E1622", msg, (*loc, k), zid))
            continue
        closes = None if b == 86400 else time(b // 3600, b % 3600 // 60, b % 60)
        out.append((time(a // 3600, a % 3600 // 60, a % 60), closes))
    return tuple(out)


def zone_from_dict(
    d: Mapping[str, Any], i: int, issues: list[Issue], resolve: Callable[[str], str] = str, root: str = "zones"
) -> AccessZone:
    """One access zone; problems collect in ``issues`` (located under ``root``), vehicle types go through
    ``resolve`` (a name to its id)."""
    loc: Loc = (root, i)
    name = str(d.get("name") or "")
    zid = str(d.get("id") or derived_id("zon", name or str(i)))
    types = d.get("vehicle_types")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        issues.append(Issue("E1624", f"{zid}: list the vehicle types allowed inside", (*loc, "vehicle_types"), zid))
        types = []
    tz = str(d.get("timezone") or "")
    if tz and zone(tz) is None:
        issues.append(Issue("E1113", f"{zid}: unknown time zone {tz!r}", (*loc, "timezone"), zid))
        tz = ""
    hours_raw = d.get("hours")
    if hours_raw is not None and not isinstance(hours_raw, list):
        issues.append(Issue("E1622", f"{zid}: hours must be a list of [opens, closes] pairs", (*loc, "hours"), zid))
        hours_raw = None
    return AccessZone(
        id=zid,
        name=name,
        polygons=_geometry(d.get("geometry"), (*loc, "geometry"), zid, issues),
        vehicle_type_ids=frozenset(resolve(t) for t in types),
        hours=_hours(hours_raw, (*loc, "hours"), zid, issues),
        timezone=tz,
    )


def zones_from_list(
    items: Any, issues: list[Issue], resolve: Callable[[str], str] = str, root: str = "zones"
) -> tuple[AccessZone, ...]:
    """Every zone of a list (a non-object entry is E1620)."""
    out = []
    for i, d in enumerate(items or ()):
        if not isinstance(d, Mapping):
            issues.append(Issue("E1620", f"{root}[{i}] is not an access zone object", (root, i)))
            continue
        out.append(zone_from_dict(d, i, issues, resolve, root))
    return tuple(out)


def _clock_text(t: time | None) -> str:
    return "24:00" if t is None else t.strftime("%H:%M") if t.second == 0 else t.strftime("%H:%M:%S")


def geometry_of(z: AccessZone) -> dict[str, Any]:
    """The zone's area as a GeoJSON geometry (rings closed again)."""
    polys = [[[*(p.to_lnglat() for p in ring), ring[0].to_lnglat()] for ring in poly] for poly in z.polygons]
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def zone_to_dict(z: AccessZone) -> dict[str, Any]:
    """A zone as its document object (``zone_from_dict`` reads it back equal)."""
    return {
        "id": z.id,
        "name": z.name,
        "geometry": geometry_of(z),
        "vehicle_types": sorted(z.vehicle_type_ids),
        "hours": [[_clock_text(a), _clock_text(b)] for a, b in z.hours],
        "timezone": z.timezone,
    }


def _feature_zone(f: Any) -> Any:
    """A GeoJSON Feature as a zone object: its ``id`` (or ``properties.id``), its properties and its geometry."""
    if not isinstance(f, Mapping) or f.get("type") != "Feature":
        return f
    raw = f.get("properties")
    props: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    return {**props, "id": f.get("id", props.get("id")), "geometry": f.get("geometry")}


def zones_from_document(data: Any, issues: list[Issue]) -> tuple[AccessZone, ...]:
    """The zones of a list, a ``{"zones": [...]}`` object or a GeoJSON FeatureCollection (features need an id)."""
    if isinstance(data, Mapping) and data.get("type") == "FeatureCollection":
        raw = data.get("features")
        features: list[Any] = raw if isinstance(raw, list) else []
        for i, f in enumerate(features):
            if isinstance(f, Mapping) and _feature_zone(f).get("id") in (None, ""):
                issues.append(Issue("E1620", f"features[{i}] has no id", ("features", i, "id")))
        return zones_from_list([_feature_zone(f) for f in features], issues, root="features")
    if isinstance(data, Mapping) and "zones" in data:
        data = data["zones"]
    if not isinstance(data, list):
        issues.append(Issue("E1620", "give a list of access zones or a GeoJSON FeatureCollection", ("zones",)))
        return ()
    return zones_from_list(data, issues)


def read_zones_file(path: Path, *, need_types: bool = True) -> tuple[AccessZone, ...]:
    """The zones of a JSON file; every problem at once. ``need_types=False`` (a road network build, which only
    uses the areas) accepts zones without ``vehicle_types``."""
    issues: list[Issue] = []
    zones = zones_from_document(read_json(path), issues)
    errors = [i for i in issues if need_types or i.code != "E1624"]
    if errors:
        raise DoorstepError(errors)
    return zones
