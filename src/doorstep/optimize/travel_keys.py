"""Which travel matrix a vehicle drives on: its speed profile, and the access zones its type may not drive
through (domain.zones.barred_zones). Vehicles of one profile barred from the same zones share a matrix.

The key is the profile's name (``"van"``) when the vehicle is barred from no zone, so a problem without zones keys
its matrices exactly as before; otherwise ``"van~avoid:z1,z2"`` (zone ids sorted).
"""

from __future__ import annotations

from doorstep.domain.fleet import SpeedProfile, Vehicle
from doorstep.domain.problem import Problem
from doorstep.domain.zones import barred_zones

AVOID_MARK = "~avoid:"


def key_of(profile: SpeedProfile, avoid: frozenset[str]) -> str:
    """The matrix key of a profile driven around ``avoid``."""
    return f"{profile.value}{AVOID_MARK}{','.join(sorted(avoid))}" if avoid else profile.value


def vehicle_avoid(problem: Problem, vehicle: Vehicle) -> frozenset[str]:
    """The zones of the problem the vehicle's type may not drive through."""
    return barred_zones(problem.zones, vehicle.type.id) if problem.zones else frozenset()


def travel_key(problem: Problem, vehicle: Vehicle) -> str:
    """The key of the matrix this vehicle's travel is read from (``Geometry.durations``, the solver's ``speed``)."""
    return key_of(vehicle.type.profile, vehicle_avoid(problem, vehicle))


def travel_kinds(problem: Problem) -> dict[str, tuple[SpeedProfile, frozenset[str]]]:
    """Every distinct matrix the fleet needs, in fleet order: key -> (profile, zones to avoid)."""
    out: dict[str, tuple[SpeedProfile, frozenset[str]]] = {}
    for v in problem.vehicles:
        avoid = vehicle_avoid(problem, v)
        out.setdefault(key_of(v.type.profile, avoid), (v.type.profile, avoid))
    return out
