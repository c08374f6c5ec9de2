"""What every provider that wraps another shares: its data credit and its road geometry are the inner one's
(time-of-day traffic and learned factors change durations, never where the roads go)."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import NO_AVOID, TravelTimeProvider
from doorstep.routing.route_geometry import Leg, inner_legs


class Wrapper:
    """A provider around ``inner`` (set by the subclass)."""

    inner: TravelTimeProvider

    @property
    def attribution(self) -> str:
        """The inner provider's data credit."""
        return str(getattr(self.inner, "attribution", ""))

    def route_legs(
        self, stops: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = NO_AVOID
    ) -> list[Leg] | None:
        """The inner provider's legs (None when it has none), around the zones ``avoid`` names."""
        return inner_legs(self.inner, stops, profile, avoid)
