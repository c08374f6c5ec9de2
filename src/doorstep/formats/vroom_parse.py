"""Checked access to VROOM values: every malformed value is an Issue naming its object and path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import TimeWindow
from doorstep.formats.json_common import json_path
from doorstep.formats.vroom_common import VROOM_EPOCH

Where = tuple[str | int, ...]
PROFILE_ALIASES = {"bicycle": SpeedProfile.BIKE, "cycling": SpeedProfile.BIKE, "walking": SpeedProfile.FOOT}
PLACEHOLDER_STEP = 1e-6  # synthetic point i is LatLng(0.0, i * PLACEHOLDER_STEP)


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that is not a bool (JSON ``true`` is not a number)."""
    return isinstance(value, int) and not isinstance(value, bool)


def placeholder(index: int) -> LatLng:
    """A unique, valid stand-in point for a matrix index given without coordinates."""
    return LatLng(0.0, index * PLACEHOLDER_STEP)


@dataclass(slots=True)
class VroomReader:
    """Reads VROOM values; collects issues, the amount dimension count and the location indices used."""

    issues: list[Issue] = field(default_factory=list)
    dims: int | None = None  # length of every amount/capacity array (the most common length in the input)
    coords: dict[int, LatLng] = field(default_factory=dict)  # matrix index -> coordinates given with it
    used_index: dict[int, tuple[str, Where]] = field(default_factory=dict)  # index -> first user (who, path)
    coords_only: list[tuple[str, Where]] = field(default_factory=list)  # places given without an index

    def bad(self, code: str, path: Where, who: str, what: str) -> None:
        """Record ``<who>: $.path <what>``."""
        self.issues.append(Issue(code, f"{who}: {json_path(path)} {what}", path, who))

    def warn(self, path: Where, who: str, what: str) -> None:
        """Record a W1206 (field ignored or approximated)."""
        self.bad("W1206", path, who, what)

    def int_(self, obj: Mapping[str, Any], key: str, path: Where, who: str, default: int | None = None) -> int | None:
        """A non-negative integer member (``default`` when absent); E1007 when it is anything else."""
        if key not in obj or obj[key] is None:
            if default is None:
                self.bad("E1007", (*path, key), who, "is required (a non-negative integer)")
            return default
        value = obj[key]
        if not is_int(value) or value < 0:
            self.bad("E1007", (*path, key), who, f"must be a non-negative integer, not {value!r}")
            return default
        return int(value)

    def ints(self, obj: Mapping[str, Any], key: str, path: Where, who: str) -> list[int] | None:
        """A list of non-negative integers, or None when absent or malformed (E1007)."""
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(is_int(v) and v >= 0 for v in value):
            self.bad("E1007", (*path, key), who, f"must be an array of non-negative integers, not {value!r}")
            return None
        return [int(v) for v in value]

    def amounts(self, obj: Mapping[str, Any], key: str, path: Where, who: str) -> list[int] | None:
        """An amount/capacity array; all of them must have the same length (VROOM's rule)."""
        values = self.ints(obj, key, path, who)
        if values is None:
            return None
        if self.dims is None:
            self.dims = len(values)
        elif len(values) != self.dims:
            msg = f"has {len(values)} amounts but the other amount arrays have {self.dims}"
            self.bad("E1007", (*path, key), who, msg + " (all must have the same length)")
            return None
        return values

    def windows(self, obj: Mapping[str, Any], key: str, path: Where, who: str) -> list[TimeWindow]:
        """``[[start, end], ...]`` in VROOM seconds as aware windows (end < start is left to validation)."""
        value = obj.get(key)
        if value is None:
            return []
        ok = isinstance(value, list) and all(
            isinstance(w, list) and len(w) == 2 and all(is_int(t) and t >= 0 for t in w) for w in value
        )
        if not ok:
            self.bad("E1007", (*path, key), who, f"must be [[start, end], ...] in integer seconds, not {value!r}")
            return []
        return [TimeWindow(at(w[0]), at(w[1])) for w in value]

    def location(self, obj: Mapping[str, Any], key: str, path: Where, who: str) -> LatLng | None:
        """The point of ``<key>`` ([lon, lat]) and/or ``<key>_index``; None (E1007) when neither is usable."""
        ikey = "location_index" if key == "location" else f"{key}_index"
        coords, index = obj.get(key), obj.get(ikey)
        point: LatLng | None = None
        if coords is not None:
            if isinstance(coords, list) and len(coords) == 2 and all(_number(c) for c in coords):
                point = LatLng(float(coords[1]), float(coords[0]))
            else:
                self.bad("E1007", (*path, key), who, f"must be [lon, lat], not {coords!r}")
                return None
        if index is not None:
            if not is_int(index) or index < 0:
                self.bad("E1007", (*path, ikey), who, f"must be a non-negative integer, not {index!r}")
                return None
            self.used_index.setdefault(index, (who, (*path, ikey)))
            if point is None:
                return self.coords.get(index) or placeholder(index)
            return self._pin(index, point, (*path, key), who)
        if point is not None:
            self.coords_only.append((who, (*path, key)))
        return point

    def _pin(self, index: int, point: LatLng, path: Where, who: str) -> LatLng:
        known = self.coords.setdefault(index, point)
        if known != point:
            msg = f"gives index {index} the point {point.to_lnglat()} but it is {known.to_lnglat()} elsewhere"
            self.bad("E1116", path, who, msg)
        return known

    def profile(self, value: Any, path: Where, who: str) -> SpeedProfile | None:
        """A VROOM profile name as a SpeedProfile (``bicycle`` -> bike, ``walking`` -> foot); else E1111."""
        if isinstance(value, str):
            if value in PROFILE_ALIASES:
                return PROFILE_ALIASES[value]
            try:
                return SpeedProfile(value)
            except ValueError:
                pass
        allowed = "|".join([*(p.value for p in SpeedProfile), *PROFILE_ALIASES])
        self.bad("E1111", path, who, f"profile {value!r} is not one of {allowed}")
        return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def at(seconds: int) -> datetime:
    """VROOM integer seconds as an aware datetime."""
    return VROOM_EPOCH + timedelta(seconds=seconds)


def prescan_coords(data: Mapping[str, Any]) -> dict[int, LatLng]:
    """Coordinates given with a matrix index anywhere in the problem, so index-only uses share them."""
    found: dict[int, LatLng] = {}
    places: list[tuple[Any, str]] = []
    for job in _list(data.get("jobs")):
        places.append((job, "location"))
    for shp in _list(data.get("shipments")):
        if isinstance(shp, dict):
            places += [(shp.get("pickup"), "location"), (shp.get("delivery"), "location")]
    for veh in _list(data.get("vehicles")):
        places += [(veh, "start"), (veh, "end")]
    for obj, key in places:
        if not isinstance(obj, dict):
            continue
        idx = obj.get("location_index" if key == "location" else f"{key}_index")
        xy = obj.get(key)
        if is_int(idx) and isinstance(xy, list) and len(xy) == 2 and all(_number(c) for c in xy):
            found.setdefault(idx, LatLng(float(xy[1]), float(xy[0])))
    return found


def prescan_dims(data: Mapping[str, Any]) -> int | None:
    """The most common length of the amount/capacity arrays (first on a tie): only odd ones are flagged."""
    lengths: Counter[int] = Counter()
    for obj in [*_list(data.get("vehicles")), *_list(data.get("jobs")), *_list(data.get("shipments"))]:
        if isinstance(obj, dict):
            for key in ("capacity", "delivery", "pickup", "amount"):
                if isinstance(obj.get(key), list):
                    lengths[len(obj[key])] += 1
    return lengths.most_common(1)[0][0] if lengths else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
