"""Access zones built into a road network, so vehicles barred from a zone can be routed around it.

Before ``osrm-extract``, the extract is copied with every road (a way with a ``highway`` tag) that has at least one
node inside a zone tagged ``doorstep:zones=zone1;zone2`` (the zones' OSRM class names). A small Lua profile
wraps the network's own profile: it declares one OSRM road class per zone and an ``excludable`` set for every
non-empty combination of them, and gives each tagged road its classes. A trip that must avoid zones asks OSRM with
``exclude=zone1,...``.

Conservative by design: a road with one node inside a zone is closed along its whole length, even the part
outside (ways are not split at the border). OSRM's extractor accepts at most 7 road classes in all ("Maximum number
of classes is 7"); the car profile (and Doorstep's van, built on it) already uses 5 ('toll', 'motorway', 'ferry',
'restricted', 'tunnel') and the bicycle profile 2, so a car or van network holds at most 2 zones and a bike or
foot network 3 (E3014); 3 also keeps the excludable combinations (2^n - 1) within OSRM's limit of 8.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import osmium

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.zones import AccessZone, geometry_sha256
from doorstep.routing.network_meta import NetworkProfile, ZoneClass

OSRM_MAX_CLASSES = 7
BASE_CLASSES: dict[NetworkProfile, int] = {
    NetworkProfile.CAR: 5,
    NetworkProfile.VAN: 5,
    NetworkProfile.BIKE: 2,
    NetworkProfile.FOOT: 0,
}
ZONES_TAG = "doorstep:zones"


def max_zones(profile: NetworkProfile) -> int:
    """How many zones a network of this profile can hold (the road classes its profile leaves free, at most 3)."""
    return min(3, OSRM_MAX_CLASSES - BASE_CLASSES[profile])


def zone_classes(zones: Sequence[AccessZone], profile: NetworkProfile) -> tuple[ZoneClass, ...]:
    """One OSRM class per zone (``zone1``, ``zone2``...); every problem at once (E3014): too many zones, a zone
    given twice."""
    issues: list[Issue] = []
    limit = max_zones(profile)
    if len(zones) > limit:
        ids = ", ".join(z.id for z in zones)
        msg = f"{len(zones)} access zones ({ids}): a {profile.value} road network holds at most {limit}"
        issues.append(Issue("E3014", msg, ("zones",)))
    seen: set[str] = set()
    for i, z in enumerate(zones):
        if z.id in seen:
            issues.append(Issue("E3014", f"access zone {z.id} is given twice", ("zones", i), z.id))
        seen.add(z.id)
    if issues:
        raise DoorstepError(issues)
    return tuple(ZoneClass(z.id, f"zone{k}", geometry_sha256(z)) for k, z in enumerate(zones, start=1))


def _bounds(z: AccessZone) -> tuple[float, float, float, float]:
    points = [p for poly in z.polygons for p in poly[0]] if z.polygons else [LatLng(0.0, 0.0)]
    lats, lngs = [p.lat for p in points], [p.lng for p in points]
    return min(lats), max(lats), min(lngs), max(lngs)


def tag_extract(src: Path, dst: Path, zones: Sequence[AccessZone], classes: Sequence[ZoneClass]) -> int:
    """Copy ``src`` to ``dst`` with the roads touching a zone tagged with its classes; how many ways were tagged.
    Nodes and relations are copied unchanged."""
    boxes = [(_bounds(z), z, c.osrm_class) for z, c in zip(zones, classes, strict=True)]
    tagged = 0
    with osmium.SimpleWriter(str(dst), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(src)).with_locations():
            if isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
                names = _classes_of(obj, boxes)
                if names:
                    tags = dict(obj.tags)
                    tags[ZONES_TAG] = ";".join(names)
                    writer.add_way(obj.replace(tags=tags))
                    tagged += 1
                    continue
            writer.add(obj)
    return tagged


Box = tuple[float, float, float, float]  # lat_lo, lat_hi, lng_lo, lng_hi


def _classes_of(way: osmium.osm.Way, boxes: list[tuple[Box, AccessZone, str]]) -> list[str]:
    """The classes of the zones holding at least one of the way's nodes."""
    points = [LatLng(n.lat, n.lon) for n in way.nodes if n.location.valid()]
    out = []
    for (lat_lo, lat_hi, lng_lo, lng_hi), zone, name in boxes:
        near = [p for p in points if lat_lo <= p.lat <= lat_hi and lng_lo <= p.lng <= lng_hi]
        if any(zone.contains(p) for p in near):
            out.append(name)
    return out


def _lua_list(items: Sequence[str]) -> str:
    return "{ " + ", ".join(f"'{x}'" for x in items) + " }"


def zone_profile(profiles: Path, base_lua: str, classes: Sequence[ZoneClass]) -> Path:
    """Write ``doorstep_zones.lua`` next to the base profile (``car.lua``, ``van.lua``...) and return its path."""
    names = [c.osrm_class for c in classes]
    combos = [list(c) for r in range(1, len(names) + 1) for c in itertools.combinations(names, r)]
    text = _LUA.format(
        base=base_lua.removesuffix(".lua"),
        classes=_lua_list(names),
        excludable="{ " + ", ".join(_lua_list(c) for c in combos) + " }",
        tag=ZONES_TAG,
    )
    path = profiles / "doorstep_zones.lua"
    path.write_text(text, encoding="utf-8")
    return path


_LUA = """-- Generated by `doorstep network build --zones`: the {base} profile plus one road class per access zone.
local base = require('{base}')
local Set = require('lib/set')
local Sequence = require('lib/sequence')

local ZONE_CLASSES = {classes}
local ZONE_EXCLUDABLE = {excludable}

local function setup()
  local profile = base.setup()
  local classes = {{}}
  for _, c in ipairs(profile.classes or {{}}) do table.insert(classes, c) end
  for _, c in ipairs(ZONE_CLASSES) do table.insert(classes, c) end
  profile.classes = Sequence(classes)
  local excludable = {{}}
  for _, s in ipairs(profile.excludable or {{}}) do table.insert(excludable, s) end
  for _, names in ipairs(ZONE_EXCLUDABLE) do table.insert(excludable, Set(names)) end
  profile.excludable = Sequence(excludable)
  return profile
end

local function process_way(profile, way, result, relations)
  base.process_way(profile, way, result, relations)
  local zones = way:get_value_by_key('{tag}')
  if zones then
    for c in string.gmatch(zones, '[^;]+') do
      result.forward_classes[c] = true
      result.backward_classes[c] = true
    end
  end
end

return {{
  setup = setup,
  process_way = process_way,
  process_node = base.process_node,
  process_turn = base.process_turn,
}}
"""
