"""Wave release times: when picking must be finished for each departure of a van, and the departures grouped
into waves so the warehouse can staff for them.

A trip's release time is its departure minus the time to load it (a fixed time per parcel) minus a fixed time
at the dock (bringing the van in, paperwork). Trips whose release times fall into the same interval of the day
(``wave_s``, counted from local midnight) form a wave; the wave must be picked by its earliest release.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.loading import LoadPlan

MAX_PER_PARCEL_S = 3_600
MAX_DOCK_S = 86_400


@dataclass(frozen=True, slots=True)
class LoadingTimes:
    """How long loading takes: seconds per parcel, a fixed dock time per departure, and the wave interval."""

    per_parcel_s: int = 30
    dock_s: int = 600
    wave_s: int = 1_800

    def validate(self) -> None:
        """Every problem at once (E1603): whole seconds within their ranges."""
        issues = []
        for name, value, top in (("per_parcel_s", self.per_parcel_s, MAX_PER_PARCEL_S),
                                 ("dock_s", self.dock_s, MAX_DOCK_S), ("wave_s", self.wave_s, MAX_DOCK_S)):  # fmt: skip
            low = 1 if name == "wave_s" else 0
            if not low <= value <= top:
                msg = f"loading time {name} is {value} s (allowed {low}..{top})"
                issues.append(Issue("E1603", msg, (name,)))
        if issues:
            raise DoorstepError(issues)

    def release(self, departure: datetime, parcels: int) -> datetime:
        """When picking must be finished for a departure with ``parcels`` boxes to load."""
        return departure - timedelta(seconds=parcels * self.per_parcel_s + self.dock_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """One departure of one route and when its picking must be done."""

    route_id: str
    vehicle: str
    trip: int
    departure: datetime
    parcels: int
    release_at: datetime
    dock: int | None = None  # the loading dock of the departure (a depot with docks)


@dataclass(frozen=True, slots=True, kw_only=True)
class Wave:
    """Departures picked together: the earliest release among them is the wave's deadline."""

    number: int
    release_at: datetime
    releases: tuple[Release, ...]

    @property
    def parcels(self) -> int:
        """Boxes to pick for the wave."""
        return sum(r.parcels for r in self.releases)


def group_waves(releases: Iterable[Release], wave_s: int, tz: tzinfo) -> list[Wave]:
    """Releases grouped by the interval of the local day they fall in, earliest first; inside a wave by release,
    then route id (a stable order)."""
    buckets: dict[tuple[object, int], list[Release]] = {}
    for r in releases:
        local = r.release_at.astimezone(tz)
        since_midnight = local.hour * 3600 + local.minute * 60 + local.second
        buckets.setdefault((local.date(), since_midnight // wave_s), []).append(r)
    waves = []
    for k, key in enumerate(sorted(buckets), start=1):
        members = sorted(buckets[key], key=lambda r: (r.release_at, r.route_id, r.trip))
        waves.append(Wave(number=k, release_at=members[0].release_at, releases=tuple(members)))
    return waves


def route_releases(plan: LoadPlan, times: LoadingTimes) -> list[Release]:
    """The release of every trip of a route that loads something at a known departure."""
    return [
        Release(
            route_id=plan.route_id,
            vehicle=plan.vehicle,
            trip=t.number,
            departure=t.departure,
            parcels=t.parcel_count,
            release_at=times.release(t.departure, t.parcel_count),
            dock=t.dock,
        )
        for t in plan.trips
        if t.departure is not None and t.parcels
    ]
