"""A remote provider with a safety net: when the server is down or talks nonsense, plan on straight lines and
say so (W3003 on the plan) instead of failing the whole plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.http_client import REMOTE_FAILURES
from doorstep.routing.provider import NO_AVOID, Matrix, TravelTimeProvider, ask_matrix
from doorstep.routing.route_geometry import Leg, inner_legs


class FallbackProvider:
    """``primary`` unless it fails with E3009/E3010; then ``fallback`` for that matrix, with a W3003 warning."""

    def __init__(self, primary: TravelTimeProvider, fallback: TravelTimeProvider) -> None:
        self.primary, self.fallback = primary, fallback
        self.fell_back = False

    @property
    def name(self) -> str:
        """The primary's label, or both when the fallback was used."""
        return f"{self.fallback.name} (fallback from {self.primary.name})" if self.fell_back else self.primary.name

    @property
    def attribution(self) -> str:
        """The primary's data credit."""
        return str(getattr(self.primary, "attribution", ""))

    def route_legs(
        self, stops: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = NO_AVOID
    ) -> list[Leg] | None:
        """Road geometry from the primary when it can give it; None (straight lines) otherwise."""
        if self.fell_back:
            return None
        try:
            return inner_legs(self.primary, stops, profile, avoid)
        except DoorstepError:
            return None

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """The primary's matrix, or the fallback's with W3003 naming what went wrong."""
        try:
            return ask_matrix(self.primary, points, profile, depart_at, avoid)
        except DoorstepError as exc:
            if exc.code not in REMOTE_FAILURES:
                raise
            self.fell_back = True
            m = ask_matrix(self.fallback, points, profile, depart_at, avoid)
            why = exc.issues[0].message
            m.warnings.append(Issue("W3003", f"{self.primary.name} failed ({why}); used {self.fallback.name}"))
            return m
