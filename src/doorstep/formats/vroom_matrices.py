"""VROOM ``matrices`` (per profile) and legacy ``matrix`` -> ExplicitMatrices, checked against the indices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from doorstep.domain.fleet import Vehicle
from doorstep.domain.problem import ExplicitMatrices
from doorstep.formats.vroom_parse import VroomReader, Where, is_int, placeholder


def _square(rd: VroomReader, value: Any, path: Where) -> list[list[int]] | None:
    """A square matrix of non-negative integers, or None (E1007/E1116 recorded)."""
    if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
        rd.bad("E1007", path, "matrices", "must be an array of rows")
        return None
    n = len(value)
    if any(len(r) != n for r in value):
        rd.bad("E1116", path, "matrices", f"is not square: {n} rows of lengths {sorted({len(r) for r in value})}")
        return None
    if not all(is_int(x) and x >= 0 for r in value for x in r):
        rd.bad("E1007", path, "matrices", "must hold non-negative integers only")
        return None
    return [list(r) for r in value]


def _tables(rd: VroomReader, data: Mapping[str, Any]) -> tuple[dict[str, list[list[int]]], dict[str, list[list[int]]]]:
    durations: dict[str, list[list[int]]] = {}
    distances: dict[str, list[list[int]]] = {}
    if data.get("matrix") is not None:  # legacy: one duration matrix for every profile
        legacy = _square(rd, data["matrix"], ("matrix",))
        if legacy is not None:
            durations["*"] = legacy
    given = data.get("matrices") or {}
    if not isinstance(given, dict):
        rd.bad("E1007", ("matrices",), "matrices", "must be an object keyed by profile")
        return durations, distances
    for name, entry in given.items():
        path: Where = ("matrices", name)
        profile = rd.profile(name, path, "matrices")
        if profile is None:
            continue
        if not isinstance(entry, dict):
            rd.bad("E1007", path, "matrices", "must be an object {durations, distances}")
            continue
        for key in set(entry) - {"durations", "distances"}:
            rd.warn(
                (*path, key),
                "matrices",
                "is not supported and was ignored (Doorstep optimises its own costs)",
            )
        for key, table in (("durations", durations), ("distances", distances)):
            if key in entry and (m := _square(rd, entry[key], (*path, key))) is not None:
                table[profile.value] = m
    return durations, distances


def _check_size(rd: VroomReader, durations: dict[str, Any], distances: dict[str, Any]) -> int | None:
    sizes = {len(m) for m in (*durations.values(), *distances.values())}
    if len(sizes) > 1:
        rd.bad("E1116", ("matrices",), "matrices", f"have different sizes {sorted(sizes)}")
        return None
    return sizes.pop() if sizes else None


def read_matrices(rd: VroomReader, data: Mapping[str, Any], vehicles: list[Vehicle]) -> ExplicitMatrices | None:
    """Matrices with one point per index (coordinates where given, else placeholders); indices in range."""
    durations, distances = _tables(rd, data)
    n = _check_size(rd, durations, distances)
    if not durations and not distances:
        for index, (who, path) in sorted(rd.used_index.items()):
            rd.bad("E1007", path, who, f"uses location_index {index} but the problem has no matrices")
        return None
    for index, (who, path) in sorted(rd.used_index.items()):
        if n is not None and index >= n:
            rd.bad("E1116", path, who, f"location_index {index} is outside the {n}x{n} matrices")
    for who, path in rd.coords_only:
        rd.bad("E1007", path, who, "needs a location_index: the problem gives matrices")
    for profile in sorted({v.type.profile.value for v in vehicles}):
        if profile not in durations and "*" not in durations:
            rd.bad("E1116", ("matrices",), "matrices", f"have no durations for profile {profile!r}")
    if n is None:
        return None
    points = tuple(rd.coords.get(i) or placeholder(i) for i in range(n))
    synthetic = any(i not in rd.coords for i in range(n))
    return ExplicitMatrices(points=points, durations=durations, distances=distances, synthetic_points=synthetic)
