"""Reference values per set, each in the convention it is measured in (never mix them: see the shared README).

* Solomon: distance-only DIMACS values from ``reference_dimacs.csv``: the literature optimum where one is
  known, else PyVRP's own best (a reference, not a BKS); plus the hierarchical SINTEF BKS (vehicles).
* Gehring-Homberger 200/400: only *hierarchical* BKS exist here (fewest vehicles first, then double-precision
  distance). The harness re-evaluates found routes in double precision and compares distances; a distance-only
  solution may use more vehicles and go *below* the hierarchical distance, so gaps can be negative.
* Gehring-Homberger 1000: the distance-only DIMACS BKS (CVRPLIB, via PyVRP/Instances): compared with the DIMACS
  cost (matrix cost / 10), never with a double-precision distance.
* X: CVRPLIB BKS, rounded-integer convention.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from instances import SHARED


@dataclass(frozen=True, slots=True)
class Reference:
    """A value to compute a gap against, in the unit the harness reports for the set, and its origin."""

    value: float
    kind: str  # lit_dimacs_optimum | pyvrp_best_dimacs | hierarchical_bks_double | dimacs_bks | cvrplib_bks_round
    vehicles: int | None = None  # vehicles of the reference solution, when known
    hier_vehicles: int | None = None  # Solomon: vehicles of the hierarchical BKS (information only)
    hier_distance: float | None = None  # Solomon: distance of the hierarchical BKS (double precision)


GAP_BASIS = {
    "solomon": "DIMACS distance (cost/10) vs distance-only DIMACS reference",
    "homberger-200": "double-precision distance vs HIERARCHICAL BKS distance (gaps may be negative)",
    "homberger-400": "double-precision distance vs HIERARCHICAL BKS distance (gaps may be negative)",
    "homberger-1000": "DIMACS distance (cost/10) vs distance-only DIMACS BKS (CVRPLIB)",
    "x": "rounded-integer distance vs CVRPLIB BKS (round convention)",
}

CAVEATS = {
    "solomon": (
        "Reference = literature DIMACS optimum where known (C1, R1, RC1, RC2), else PyVRP 0.14.1's best "
        "DIMACS value from our own runs (C2, R2: a reference, not a BKS). Vehicles are compared with the "
        "hierarchical SINTEF BKS for information only: a distance-only objective may use more vehicles."
    ),
    "homberger": (
        "No distance-only BKS is available for 200-800 customers. Found routes are re-evaluated in double "
        "precision and compared with the HIERARCHICAL BKS distance (fewest vehicles first). A distance-only "
        "solution may use more vehicles and be shorter than that, so gaps can be negative; they are not "
        "comparable with published distance-only gaps."
    ),
    "homberger-1000": (
        "Reference = distance-only DIMACS BKS from CVRPLIB (bks_distance_dimacs_1000.csv, the Cost line of each "
        ".sol; every BKS route file verifies at exactly that cost here). Distances and durations are truncated to "
        "one decimal (floor(10*euclid)/10), as in PyVRP's round_func='dimacs'; the gap uses that cost, not a "
        "double-precision one. BKS come from hours of search: a gap at 60 s is expected to be positive."
    ),
    "x": "BKS from CVRPLIB, distances rounded to the nearest integer (TSPLIB EUC_2D).",
}


def caveat(set_name: str) -> str:
    """The caveat printed under a set's table."""
    if set_name in CAVEATS:
        return CAVEATS[set_name]
    return CAVEATS["homberger" if set_name.startswith("homberger") else set_name]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _opt_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _solomon(root: Path) -> dict[str, Reference]:
    hier = {r["instance"]: r for r in _rows(root / "solomon" / "bks_hierarchical.csv")}
    refs: dict[str, Reference] = {}
    for r in _rows(root / "solomon" / "reference_dimacs.csv"):
        h = hier.get(r["instance"])
        lit = r["lit_dimacs_optimum"].strip()
        refs[r["instance"]] = Reference(
            value=float(lit or r["pyvrp_best_dimacs"]),
            kind="lit_dimacs_optimum" if lit else "pyvrp_best_dimacs",
            vehicles=None if lit else _opt_int(r["pyvrp_vehicles"]),
            hier_vehicles=int(h["bks_vehicles"]) if h else None,
            hier_distance=float(h["bks_distance"]) if h else None,
        )
    return refs


def _homberger(root: Path, customers: int) -> dict[str, Reference]:
    return {
        r["instance"]: Reference(float(r["bks_distance"]), "hierarchical_bks_double", int(r["bks_vehicles"]))
        for r in _rows(root / "homberger" / "bks.csv")
        if int(r["customers"]) == customers
    }


def _homberger_dimacs(root: Path) -> dict[str, Reference]:
    """The 1,000-customer distance-only DIMACS BKS, keyed like the VRPLIB names (R1_10_3)."""
    return {
        r["instance"]: Reference(float(r["bks_distance"]), "dimacs_bks", int(r["bks_vehicles"]))
        for r in _rows(root / "homberger" / "bks_distance_dimacs_1000.csv")
    }


def _x(root: Path) -> dict[str, Reference]:
    return {
        r["instance"]: Reference(float(r["bks_distance"]), "cvrplib_bks_round", int(r["bks_vehicles"]))
        for r in _rows(root / "x" / "bks.csv")
    }


def load_references(set_name: str, root: Path = SHARED) -> dict[str, Reference]:
    """Instance name -> reference for one set (Homberger 200/400: c1_4_1; Homberger 1000: C1_10_1; Solomon: C101)."""
    if set_name == "solomon":
        return _solomon(root)
    if set_name == "homberger-1000":
        return _homberger_dimacs(root)
    if set_name.startswith("homberger-"):
        return _homberger(root, int(set_name.split("-", 1)[1]))
    if set_name == "x":
        return _x(root)
    raise ValueError(f"no references for set {set_name!r}")


def uses_double_precision(set_name: str) -> bool:
    """Homberger 200/400 gaps are computed on double-precision distances (the hierarchical BKS are double);
    Homberger 1000 has a distance-only DIMACS BKS and is compared in the DIMACS convention."""
    return set_name.startswith("homberger") and set_name != "homberger-1000"
