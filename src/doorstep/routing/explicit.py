"""Matrices supplied with the input (VROOM ``matrices``, benchmark instances), looked up by point."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.problem import ExplicitMatrices
from doorstep.routing.provider import NO_AVOID, Matrix, not_avoided


class ExplicitMatrixProvider:
    """Serves sub-matrices of client-given matrices; a point not among them is a coded error."""

    def __init__(self, matrices: ExplicitMatrices) -> None:
        self._m = matrices
        self._index: dict[LatLng, int] = {}
        for i, p in enumerate(matrices.points):
            self._index.setdefault(p, i)
        self._dur = {k: np.asarray(v, dtype=np.int64) for k, v in matrices.durations.items()}
        self._dist = {k: np.asarray(v, dtype=np.int64) for k, v in matrices.distances.items()}
        n = len(matrices.points)
        for name, arr in (*self._dur.items(), *self._dist.items()):
            if arr.shape != (n, n):
                msg = f"matrix for profile {name!r} is {arr.shape}, expected ({n}, {n})"
                raise DoorstepError([Issue("E1116", msg, ("matrices", name))])

    @property
    def name(self) -> str:
        """Provider label for plan stats."""
        return "explicit-matrix"

    def _pick(self, table: dict[str, np.ndarray], profile: SpeedProfile) -> np.ndarray | None:
        return table.get(profile.value, table.get("*"))

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """Rows and columns of the given matrices for these points; distances default to zero when absent
        (``avoid`` gives W3006: given matrices are per profile only)."""
        missing = [p for p in points if p not in self._index]
        if missing:
            msg = f"{len(missing)} location(s) are not in the given matrices, e.g. {missing[0]}"
            raise DoorstepError([Issue("E1116", msg, ("matrices",))])
        idx = np.array([self._index[p] for p in points], dtype=np.int64)
        dur = self._pick(self._dur, profile)
        if dur is None:
            msg = f"no duration matrix for profile {profile.value!r}"
            raise DoorstepError([Issue("E1116", msg, ("matrices", profile.value))])
        dist = self._pick(self._dist, profile)
        sub_dur = dur[np.ix_(idx, idx)]
        sub_dist = dist[np.ix_(idx, idx)] if dist is not None else np.zeros_like(sub_dur)
        warnings = not_avoided(avoid, self.name)
        return Matrix(durations=sub_dur.astype(np.int64), distances=sub_dist.astype(np.int64), warnings=warnings)
