"""Benchmark instances: read Solomon/Homberger and CVRPLIB X files, apply a cost convention, build a Problem.

Every solver in the harness sees the same *integer* matrix, produced here by the instance's convention:

* ``dimacs`` (VRPTW, DIMACS 2021 / PyVRP ``round_func="dimacs"``): ``d_ij = floor(10 * euclid)``; time windows
  and service times are scaled by 10 too, so a matrix-unit cost is divided by 10 to compare with references.
* ``round`` (CVRP X, TSPLIB ``EUC_2D`` / CVRPLIB): ``d_ij = round(euclid)``; scale 1.

``homberger-1000`` reads the VRPLIB copies of the 1,000-customer Gehring-Homberger files (``vrplib_1000/``): the
files behind the distance-only DIMACS BKS and PyVRP's published gaps, which PyVRP alone reads directly. Their data
equal the Solomon-format ``1000/*.txt`` (coordinates, demands, windows, service, capacity, fleet), and every BKS
route file in ``vrplib_1000/*.sol`` verifies with 0 issues at exactly its BKS cost under the DIMACS matrix here.

Travel times equal distances (the classic VRPTW assumption), so the same matrix serves as durations.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt
import vrplib

from doorstep.domain import (
    Depot,
    ExplicitMatrices,
    LatLng,
    Order,
    OrderKind,
    Problem,
    TimeWindow,
    Vehicle,
    VehicleType,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the VROOM-like clock: time t is EPOCH + t seconds
COORD_SCALE = 1e-4  # instance units -> degrees for the pseudo-coordinates
NUDGE_DEG = 1e-7  # shift applied to a pseudo-coordinate that coincides with an earlier node
DIMENSION = "demand"

IntMatrix = npt.NDArray[np.int64]
FloatMatrix = npt.NDArray[np.float64]


class Convention(StrEnum):
    """How a benchmark turns Euclidean distances into the integers that solvers and references use."""

    DIMACS = "dimacs"  # floor(10 * euclid), times x10; cost / 10
    ROUND = "round"  # round(euclid); cost as is

    @property
    def scale(self) -> int:
        """Matrix units per instance distance unit."""
        return 10 if self is Convention.DIMACS else 1

    def describe(self) -> str:
        """One line for tables and JSON."""
        if self is Convention.DIMACS:
            return "DIMACS: d_ij = floor(10*euclid), times and service x10, cost reported /10"
        return "TSPLIB/CVRPLIB: d_ij = round(euclid), cost as is"


@dataclass(frozen=True, slots=True, kw_only=True)
class Instance:
    """A solver-neutral benchmark instance. Node 0 is the depot; all times are already in matrix units."""

    name: str
    set_name: str  # solomon | homberger-200 | homberger-400 | homberger-1000 | x
    klass: str  # C1, R2, RC1, ... for VRPTW; a size band for X
    convention: Convention
    coords: FloatMatrix  # (n+1, 2) x, y in instance units
    demands: tuple[int, ...]
    capacity: int
    fleet_size: int
    time_windows: tuple[tuple[int, int], ...]  # per node, matrix units (scaled)
    service: tuple[int, ...]  # per node, matrix units (scaled)
    matrix: IntMatrix  # travel distance = travel time, matrix units
    source: Path | None = None  # the file it was read from (PyVRP alone re-reads VRPLIB files itself)

    @property
    def num_customers(self) -> int:
        """Customers, i.e. nodes without the depot."""
        return len(self.demands) - 1

    @property
    def horizon(self) -> tuple[int, int]:
        """The depot's window: when vehicles may leave and must be back."""
        return self.time_windows[0]

    def to_reported(self, matrix_cost: int) -> float:
        """A matrix-unit cost in the convention's reporting unit (DIMACS: divided by 10)."""
        return matrix_cost / self.convention.scale

    def euclid_cost(self, routes: list[list[int]]) -> float:
        """Total length of routes (customer node lists) in double precision, depot to depot."""
        total = 0.0
        for route in routes:
            path = [0, *route, 0]
            for a, b in itertools.pairwise(path):
                total += math.dist(self.coords[a], self.coords[b])
        return total


def euclidean(coords: FloatMatrix) -> FloatMatrix:
    """All-pairs Euclidean distances, computed like vrplib does (PyVRP's reader gives the same integers)."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def integer_matrix(coords: FloatMatrix, convention: Convention) -> IntMatrix:
    """The convention's integer matrix."""
    dist = euclidean(coords.astype(np.float64))
    if convention is Convention.DIMACS:
        return np.floor(10 * dist).astype(np.int64)
    return np.round(dist).astype(np.int64)


def vrptw_class(name: str) -> str:
    """C101 -> C1, RC208 -> RC2, c1_4_1 -> C1."""
    if "_" in name:
        return name.split("_")[0].upper()
    return re.sub(r"\d{2}$", "", name).upper()


def x_class(num_customers: int) -> str:
    """X instances are grouped by size band (the X paper groups by n; bands keep classes of equal weight)."""
    if num_customers <= 250:
        return "X-n100-250"
    if num_customers <= 500:
        return "X-n251-500"
    return "X-n501-1000"


def read_vrptw(path: Path, set_name: str) -> Instance:
    """A Solomon-format file (Solomon or Gehring-Homberger) under the DIMACS convention."""
    raw = vrplib.read_instance(str(path), instance_format="solomon")
    conv = Convention.DIMACS
    coords = np.asarray(raw["node_coord"], dtype=np.float64)
    windows = np.asarray(raw["time_window"], dtype=np.int64) * conv.scale
    service = np.asarray(raw["service_time"], dtype=np.int64) * conv.scale
    return Instance(
        name=str(raw["name"]).strip() or path.stem,
        set_name=set_name,
        klass=vrptw_class(path.stem),
        convention=conv,
        coords=coords,
        demands=tuple(int(d) for d in raw["demand"]),
        capacity=int(raw["capacity"]),
        fleet_size=int(raw["vehicles"]),
        time_windows=tuple((int(a), int(b)) for a, b in windows),
        service=tuple(int(s) for s in service),
        matrix=integer_matrix(coords, conv),
        source=path,
    )


def read_vrplib_vrptw(path: Path, set_name: str) -> Instance:
    """A VRPLIB-format VRPTW file (``TYPE: VRPTW``, depot node 1) under the DIMACS convention.

    Read like PyVRP's ``read``: a scalar ``SERVICE_TIME`` applies to customers only (the depot serves in 0).
    """
    raw = vrplib.read_instance(str(path), compute_edge_weights=False)
    conv = Convention.DIMACS
    depot = np.asarray(raw.get("depot", [0])).ravel()
    if depot.tolist() != [0]:
        raise ValueError(f"{path.name}: depot(s) {depot.tolist()}; the harness expects one depot at node 0")
    coords = np.asarray(raw["node_coord"], dtype=np.float64)
    service_raw = raw.get("service_time", 0)
    if np.isscalar(service_raw):
        service_raw = np.full(len(coords), service_raw)
        service_raw[0] = 0
    windows = np.asarray(raw["time_window"], dtype=np.int64) * conv.scale
    service = np.asarray(service_raw, dtype=np.int64) * conv.scale
    return Instance(
        name=str(raw["name"]).strip() or path.stem,
        set_name=set_name,
        klass=vrptw_class(path.stem),
        convention=conv,
        coords=coords,
        demands=tuple(int(d) for d in raw["demand"]),
        capacity=int(raw["capacity"]),
        fleet_size=int(raw["vehicles"]),
        time_windows=tuple((int(a), int(b)) for a, b in windows),
        service=tuple(int(s) for s in service),
        matrix=integer_matrix(coords, conv),
        source=path,
    )


def read_cvrp(path: Path) -> Instance:
    """A CVRPLIB X file under the rounding convention; the fleet is one vehicle per customer (unlimited)."""
    raw = vrplib.read_instance(str(path))
    conv = Convention.ROUND
    depot = int(np.asarray(raw["depot"]).ravel()[0])
    if depot != 0:
        raise ValueError(f"{path.name}: depot is node {depot}; the harness expects node 0")
    coords = np.asarray(raw["node_coord"], dtype=np.float64)
    matrix = integer_matrix(coords, conv)
    n = len(coords) - 1
    horizon = int(matrix.max()) * (n + 2) + 1  # longer than any route can be: no time constraint in effect
    return Instance(
        name=str(raw["name"]).strip() or path.stem,
        set_name="x",
        klass=x_class(n),
        convention=conv,
        coords=coords,
        demands=tuple(int(d) for d in raw["demand"]),
        capacity=int(raw["capacity"]),
        fleet_size=n,
        time_windows=tuple((0, horizon) for _ in range(n + 1)),
        service=tuple(0 for _ in range(n + 1)),
        matrix=matrix,
        source=path,
    )


# --- instance discovery ------------------------------------------------------------------------------------

SETS = ("solomon", "homberger-200", "homberger-400", "homberger-1000", "x")
VRPLIB_SETS = frozenset({"homberger-1000", "x"})  # sets read from VRPLIB files (*.vrp), which PyVRP reads too


def set_dir(set_name: str, root: Path = SHARED) -> Path:
    """Where a set's files live."""
    if set_name == "solomon":
        return root / "solomon"
    if set_name == "homberger-1000":
        return root / "homberger" / "vrplib_1000"
    if set_name.startswith("homberger-"):
        return root / "homberger" / set_name.split("-", 1)[1]
    if set_name == "x":
        return root / "x"
    raise ValueError(f"unknown set {set_name!r}; choose one of {', '.join(SETS)}")


def _natural_key(path: Path) -> list[int | str]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.stem)]


def instance_paths(set_name: str, root: Path = SHARED) -> list[Path]:
    """All instance files of a set in natural order (C101, C102, ..., c1_4_1, c1_4_2, ..., c1_4_10)."""
    pattern = "*.vrp" if set_name in VRPLIB_SETS else "*.txt"
    return sorted(set_dir(set_name, root).glob(pattern), key=_natural_key)


def read_instance(path: Path, set_name: str) -> Instance:
    """Dispatch on the set."""
    if set_name == "x":
        return read_cvrp(path)
    if set_name in VRPLIB_SETS:
        return read_vrplib_vrptw(path, set_name)
    return read_vrptw(path, set_name)


def class_of(path: Path, set_name: str) -> str:
    """The class of an instance file without parsing it (X: from the n in the name)."""
    if set_name != "x":
        return vrptw_class(path.stem)
    match = re.search(r"-n(\d+)-", path.stem)
    return x_class(int(match.group(1)) - 1) if match else "X"


# --- conversion to a Doorstep Problem ----------------------------------------------------------------------


def pseudo_points(coords: FloatMatrix) -> list[LatLng]:
    """LatLng(y*1e-4, x*1e-4), unique per node: the explicit-matrix provider looks rows up by point."""
    seen: set[LatLng] = set()
    points: list[LatLng] = []
    for x, y in coords:
        p = LatLng(lat=float(y) * COORD_SCALE, lng=float(x) * COORD_SCALE)
        k = 1
        while p in seen:
            p = LatLng(lat=float(y) * COORD_SCALE + k * NUDGE_DEG, lng=float(x) * COORD_SCALE)
            k += 1
        seen.add(p)
        points.append(p)
    return points


def at(t: int) -> datetime:
    """Matrix-unit time as a datetime on the VROOM-like clock."""
    return EPOCH + timedelta(seconds=t)


def order_id(node: int) -> str:
    """The order id of a customer node; ``node_of`` inverts it."""
    return f"ord_{node}"


def node_of(oid: str) -> int:
    """The customer node of an order id made by ``order_id``."""
    return int(oid.removeprefix("ord_"))


def to_problem(inst: Instance) -> Problem:
    """The instance as a Doorstep Problem with explicit matrices in node order (durations = distances)."""
    points = pseudo_points(inst.coords)
    depot = Depot(id="dep_0", name=f"{inst.name} depot", location=points[0], timezone="UTC")
    vtype = VehicleType(
        id="vty_bench", name="benchmark vehicle", capacity={DIMENSION: inst.capacity}, cost_per_km_cents=1
    )
    start, end = inst.horizon
    vehicles = tuple(
        Vehicle(id=f"veh_{k + 1}", type=vtype, start_depot_id=depot.id, shift_start=at(start), shift_end=at(end))
        for k in range(inst.fleet_size)
    )
    orders = tuple(
        Order(
            id=order_id(i),
            external_ref=str(i),
            kind=OrderKind.DELIVERY,
            location=points[i],
            time_windows=(TimeWindow(at(inst.time_windows[i][0]), at(inst.time_windows[i][1])),),
            service_s=inst.service[i],
            size={DIMENSION: inst.demands[i]},
        )
        for i in range(1, len(points))
    )
    rows = inst.matrix.tolist()
    matrices = ExplicitMatrices(points=tuple(points), durations={"*": rows}, distances={"*": rows})
    return Problem(depots=(depot,), vehicles=vehicles, orders=orders, matrices=matrices, name=inst.name)
