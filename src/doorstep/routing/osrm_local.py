"""Road travel times with no server: OSRM's engine in-process (``osrm-bindings``) on a network folder.

Table gives the matrices (chunked into row blocks so very large sets stay within memory), Nearest the snapping,
Route the road geometry of each leg and Match the fitting of GPS traces. Every engine failure becomes a coded
error; a point far from the roads or a pair with no connecting road becomes UNREACHABLE, never zero. Trips that
must avoid access zones exclude the zones' road classes (a network built with ``--zones``, routing/network_zones.py);
a zone the network was not built with is not avoided, with W3006.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import osrm

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.zones import AccessZone, geometry_sha256
from doorstep.routing.network_meta import ATTRIBUTION, NetworkMeta, pick_network, read_meta
from doorstep.routing.provider import NO_AVOID, Matrix
from doorstep.routing.road_matrix import (
    DEFAULT_SNAP_RADIUS_M,
    FloatMatrix,
    RectMatrix,
    RoadTable,
    Snap,
    blocks,
    road_matrix,
    square_matrix,
    unique_points,
)
from doorstep.routing.route_geometry import Leg, MatchedTrace, legs_of, matched_trace

DEFAULT_MAX_CELLS = 2_000_000  # cells per Table call: 5000 points run as 13 calls of 400 rows (about 1.1 GB peak)


def lnglat(p: LatLng) -> tuple[float, float]:
    """OSRM's coordinate order (the one place lon,lat is used)."""
    return (p.lng, p.lat)


def waypoint_snap(point: LatLng, waypoint: Any) -> Snap:
    """A Snap from an OSRM waypoint object (``location`` is lon,lat; ``distance`` metres)."""
    if waypoint is None:
        return Snap(point, None, float("inf"))
    lng, lat = waypoint["location"]
    return Snap(point, LatLng(float(lat), float(lng)), float(waypoint["distance"]), str(waypoint["name"]))


def rows_to_array(rows: Any, n_rows: int, n_cols: int) -> FloatMatrix:
    """An OSRM array of arrays (``None`` where no route) as floats with NaN gaps, never negative.

    Rows without gaps go through ``np.fromiter`` (the fast path); a row with a gap is converted item by item.
    OSRM's Table can answer a small negative distance (-0.6 m between two Monaco points 7 m apart that snap to
    the same spot); it is clipped to 0, since a VROOM file or a solver refuses a negative arc.
    """
    out = np.empty((n_rows, n_cols), dtype=np.float64)
    for i, row in enumerate(rows):
        try:
            out[i] = np.fromiter(row, dtype=np.float64, count=n_cols)
        except TypeError:
            out[i] = [np.nan if v is None else float(v) for v in row]
    return np.maximum(out, 0.0)  # NaN stays NaN


class OsrmLocalProvider:
    """Matrices, snapping, leg geometry and map matching from a network built by ``doorstep network build``."""

    def __init__(
        self,
        folder: Path,
        *,
        snap_radius_m: float = DEFAULT_SNAP_RADIUS_M,
        max_cells: int = DEFAULT_MAX_CELLS,
    ) -> None:
        self.meta: NetworkMeta = read_meta(folder)
        self.snap_radius_m = snap_radius_m
        self.max_cells = max_cells
        try:
            self._engine = osrm.OSRM(
                storage_config=str(self.meta.base_path),
                algorithm=self.meta.algorithm.value.upper(),
                use_shared_memory=False,
            )
        except (RuntimeError, ValueError) as exc:
            msg = f"{folder}: OSRM cannot load the network ({exc})"
            raise DoorstepError([Issue("E3007", msg, ("network",))]) from None

    @property
    def name(self) -> str:
        """Provider label for plan stats."""
        return f"osrm-local({self.meta.name}, {self.meta.profile.value}, {self.meta.algorithm.value})"

    @property
    def attribution(self) -> str:
        """The network is OpenStreetMap data (ODbL)."""
        return ATTRIBUTION

    def check_profile(self, profile: SpeedProfile) -> list[Issue]:
        """W3002 when the network serves the profile as a stand-in; raises E3006 when it cannot serve it."""
        issue = pick_network(self.meta, profile)
        if issue is None:
            return []
        if issue.severity.value == "error":
            raise DoorstepError([issue])
        return [issue]

    def _call(self, service: str, params: Any) -> Any:
        try:
            return getattr(self._engine, service)(params)
        except RuntimeError as exc:
            msg = f"OSRM {service} failed on {self.meta.folder}: {exc}"
            raise DoorstepError([Issue("E3008", msg, ("points",))]) from None

    def exclude(self, avoid: frozenset[str]) -> tuple[list[str], list[Issue]]:
        """The network's road classes of the zones to avoid, and W3006 for each zone it was not built with."""
        classes, warnings = [], []
        for zid in sorted(avoid):
            built = self.meta.zone(zid)
            if built is None:
                msg = f"{zid}: the road network {self.meta.folder} was not built with this access zone, so trips may"
                warnings.append(Issue("W3006", f"{msg} drive through it", ("zones",), zid))
            else:
                classes.append(built.osrm_class)
        return sorted(classes), warnings

    def check_zones(self, zones: Sequence[AccessZone]) -> list[Issue]:
        """W3006 for each zone built into the network whose polygon has changed since (its old roads are avoided)."""
        out = []
        for z in zones:
            built = self.meta.zone(z.id)
            if built is not None and built.geometry_sha256 != geometry_sha256(z):
                msg = f"{z.id}: the zone's area changed after the road network {self.meta.folder} was built; trips"
                msg += " avoid its old area until the network is rebuilt with --zones"
                out.append(Issue("W3006", msg, ("zones",), z.id))
        return out

    def table(
        self,
        sources: Sequence[LatLng],
        destinations: Sequence[LatLng] | None = None,
        exclude: Sequence[str] = (),
    ) -> RoadTable:
        """Sources × destinations (all-pairs among ``sources`` when ``destinations`` is None), in row blocks, not
        using roads of the ``exclude`` classes."""
        square = destinations is None
        dests = list(sources) if destinations is None else list(destinations)
        coords = [lnglat(p) for p in sources] + ([] if square else [lnglat(p) for p in dests])
        dest_idx = list(range(len(dests))) if square else list(range(len(sources), len(coords)))
        if len(coords) == 1:
            coords = coords * 2  # OSRM's Table refuses a single coordinate
        n, m = len(sources), len(dests)
        dur, dist = np.full((n, m), np.nan), np.full((n, m), np.nan)
        src_snaps: list[Snap] = []
        dst_snaps: list[Snap] = []
        for block in blocks(n, m, self.max_cells):
            params = osrm.TableParameters(
                coordinates=coords,
                sources=list(block),
                destinations=dest_idx,
                annotations=["duration", "distance"],
                generate_hints=False,
                exclude=list(exclude),
            )
            res = self._call("Table", params)
            dur[block.start : block.stop] = rows_to_array(res["durations"], len(block), m)
            dist[block.start : block.stop] = rows_to_array(res["distances"], len(block), m)
            src_snaps.extend(waypoint_snap(sources[i], w) for i, w in zip(block, res["sources"], strict=True))
            if not dst_snaps:
                dst_snaps = [waypoint_snap(p, w) for p, w in zip(dests, res["destinations"], strict=True)]
        return RoadTable(dur, dist, src_snaps, dst_snaps)

    def _outside(self, snaps: list[Snap]) -> list[Snap]:
        """Points outside the network's area count as unsnapped, whatever road OSRM found for them."""
        return [s if self.meta.bbox.contains(s.point, 0.01) else Snap(s.point, None, float("inf")) for s in snaps]

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """Road durations and distances between all points (free-flow; see TrafficProvider for time of day), not
        through the access zones ``avoid`` names."""
        return self.matrix_with_snaps(points, profile, avoid=avoid)[0]

    def matrix_with_snaps(
        self, points: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = NO_AVOID
    ) -> tuple[Matrix, list[Snap]]:
        """The matrix and, per point, where it joined the connected road network (the snap the times start from)."""
        exclude, warnings = self.exclude(avoid)
        warnings[:0] = self.check_profile(profile)
        uniq, index = unique_points(points)
        if not uniq:
            empty = np.zeros((0, 0), dtype=np.int64)
            return Matrix(durations=empty, distances=empty, warnings=warnings), []
        table = self.table(uniq, exclude=exclude)
        table.sources = self._outside(table.sources)
        snaps = [table.sources[i] for i in index]
        m = square_matrix(table, self.snap_radius_m)
        del table  # the float tables: half of the peak memory of a large matrix
        if len(uniq) == len(points):  # no repeated place: the index is the identity, skip the copy
            return Matrix(durations=m.durations, distances=m.distances, warnings=warnings + m.warnings), snaps
        sub = np.ix_(index, index)
        return Matrix(durations=m.durations[sub], distances=m.distances[sub], warnings=warnings + m.warnings), snaps

    @property
    def cache_id(self) -> str:
        """Identifies this network's travel times in a matrix cache (a rebuild gives a new id)."""
        m = self.meta
        return f"osrm:{m.name}:{m.profile.value}:{m.source_sha256[:16]}:{m.built_at}:r{self.snap_radius_m:g}"

    def rect(
        self,
        sources: Sequence[LatLng],
        destinations: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> RectMatrix:
        """Sources × destinations road durations and distances (what a cache needs to fill in new rows)."""
        exclude, warnings = self.exclude(avoid)
        warnings[:0] = self.check_profile(profile)
        table = self.table(sources, destinations, exclude)
        table.sources, table.destinations = self._outside(table.sources), self._outside(table.destinations)
        m = road_matrix(table, self.snap_radius_m)
        m.warnings[:0] = warnings
        return m

    def snap(self, points: Sequence[LatLng]) -> list[Snap]:
        """The nearest road point of each point (OSRM Nearest) and how far away it is."""
        out = []
        for p in points:
            res = self._call("Nearest", osrm.NearestParameters(coordinates=[lnglat(p)], generate_hints=False))
            waypoints = res["waypoints"]
            out.append(waypoint_snap(p, waypoints[0] if len(waypoints) else None))
        return self._outside(out)

    def route_legs(
        self, stops: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = NO_AVOID
    ) -> list[Leg] | None:
        """Road path of each leg between consecutive stops (OSRM Route with steps), not through the zones ``avoid``
        names that the network was built with; None when there is none."""
        if len(stops) < 2:
            return []
        params = osrm.RouteParameters(
            coordinates=[lnglat(p) for p in stops],
            steps=True,
            geometries="geojson",
            overview="false",
            continue_straight=False,  # each leg on its own (a driver may turn at a stop), as in the matrix
            generate_hints=False,
            exclude=self.exclude(avoid)[0],
        )
        try:
            res = self._engine.Route(params)
        except RuntimeError:
            return None
        return legs_of(res["routes"][0])

    def match(
        self,
        trace: Sequence[LatLng],
        timestamps: Sequence[int] | None = None,
        radiuses: Sequence[float] | None = None,
    ) -> MatchedTrace:
        """Fit a GPS trace (fixes in time order; optional UNIX timestamps and GPS accuracies in metres) to the
        roads; E3012 when impossible."""
        if len(trace) < 2:
            raise DoorstepError([Issue("E3012", f"a trace needs at least 2 fixes, got {len(trace)}", ("trace",))])
        params = osrm.MatchParameters(
            coordinates=[lnglat(p) for p in trace],
            timestamps=list(timestamps or []),
            radiuses=list(radiuses or []),
            geometries="geojson",
            overview="full",
            generate_hints=False,
        )
        try:
            res = self._engine.Match(params)
        except RuntimeError as exc:
            raise DoorstepError([Issue("E3012", f"the trace cannot be matched: {exc}", ("trace",))]) from None
        return matched_trace(trace, res)
