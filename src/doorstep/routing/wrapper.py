"""What every provider that wraps another shares: its data credit and its road geometry are the inner one's
(time-of-day traffic and learned factors change durations, never where the roads go)."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.route_geometry import Leg


class Wrapper:
    """A provider around ``inner`` (set by the subclass)."""

    inner: TravelTimeProvider

    @property
    def attribution(self) -> str:
        """The inner provider's data credit."""
        return str(getattr(self.inner, "attribution", ""))

    def route_legs(self, stops: Sequence[LatLng], profile: SpeedProfile) -> list[Leg] | None:
        """The inner provider's legs (None when it has none)."""
        legs = getattr(self.inner, "route_legs", None)
        return None if legs is None else legs(stops, profile)
