"""A simulated city whose true times the static model does not know (the hidden world of ``doorstep simulate
--days``, docs/learning.md).

Four districts around a depot in Porto, each with its own truth:

- **travel**: a leg takes the straight-line model's free-flow time (road km = 1.3 × crow-fly km at the van's
  28 km/h) × the urban hour-of-week profile (the static model's own, ``routing.traffic``) × the district's
  multiplier (its streets, parking search; more at its peak hours) × a log-normal noise per leg;
- **service**: a customer's base time by building (a house ~100 s, a flat without a lift ~330 s, a business
  ~150 s) × the customer's own factor × the driver's factor × a noise per visit;
- **presence**: most customers are home; some are out at work on weekdays (9:00-17:00), businesses close outside
  office hours; a customer who is out fails the attempt (``not_home``).

Customers order again and again (a few are frequent), so their addresses can be learned. Everything is drawn
from seeded generators: the same seed gives the same world and the same day.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.straight_line import DEFAULT_CIRCUITY, DEFAULT_SPEEDS_KMH
from doorstep.routing.traffic import DEFAULT_URBAN

TIMEZONE = "Europe/Lisbon"
DEPOT = LatLng(41.1620, -8.6500)
PEAKS = ((7, 10), (16, 19))
BUILDING_BASE_S = {"house": 100.0, "flat": 330.0, "business": 150.0}


@dataclass(frozen=True, slots=True)
class District:
    """A part of the city: where, how its streets drive against the static model, who lives there."""

    name: str
    centre: LatLng
    radius_m: float
    travel: float  # multiplier on the static model's time off-peak
    peak: float  # extra multiplier in the peak hours
    buildings: tuple[tuple[str, float], ...]  # building kind -> share


DISTRICTS = (
    District("Baixa", LatLng(41.1466, -8.6110), 1300, 1.45, 1.25, (("flat", 0.7), ("business", 0.2), ("house", 0.1))),
    District("Boavista", LatLng(41.1600, -8.6400), 1500, 1.05, 1.1, (("flat", 0.5), ("business", 0.2), ("house", 0.3))),
    District("Foz", LatLng(41.1530, -8.6750), 1600, 0.85, 1.0, (("house", 0.7), ("flat", 0.3))),
    District("Paranhos", LatLng(41.1750, -8.6050), 1600, 1.2, 1.15, (("house", 0.6), ("flat", 0.4))),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Customer:
    """One address of the simulated city and how its deliveries truly go."""

    ref: str
    location: LatLng
    district: str
    building: str
    service_factor: float
    presence: str  # "home", "worker" (out 9-17 on weekdays) or "business" (open 9:00-17:30)
    weight: float  # how often this customer orders, relatively


@dataclass
class World:
    """The hidden truth of the simulated city (seeded)."""

    seed: int = 1
    customers_per_district: int = 400
    leg_noise: float = 0.12  # sigma of the log-normal noise of a leg
    visit_noise: float = 0.2  # sigma of the log-normal noise of a visit's service time
    driver_factors: Sequence[float] = (0.85, 1.0, 1.0, 1.15, 1.3)
    customers: dict[str, list[Customer]] = field(default_factory=dict)  # by district
    by_place: dict[LatLng, Customer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rng = random.Random(f"world:{self.seed}")
        for d in DISTRICTS:
            people = [self._customer(rng, d, i) for i in range(self.customers_per_district)]
            self.customers[d.name] = people
            self.by_place.update((c.location, c) for c in people)

    @staticmethod
    def _customer(rng: random.Random, d: District, i: int) -> Customer:
        r = d.radius_m * math.sqrt(rng.random())
        theta = rng.uniform(0, 2 * math.pi)
        lat = d.centre.lat + r * math.cos(theta) / 111_320
        lng = d.centre.lng + r * math.sin(theta) / (111_320 * math.cos(math.radians(d.centre.lat)))
        kinds, shares = zip(*d.buildings, strict=True)
        building = rng.choices(kinds, shares)[0]
        presence = "business" if building == "business" else ("worker" if rng.random() < 0.25 else "home")
        return Customer(
            ref=f"{d.name[:3].upper()}-{i:04d}", location=LatLng(round(lat, 6), round(lng, 6)), district=d.name,
            building=building, service_factor=rng.lognormvariate(0, 0.25), presence=presence,
            weight=1.0 / (i + 5) ** 0.8,
        )  # fmt: skip

    def district(self, name: str) -> District:
        """The district called ``name``."""
        return next(d for d in DISTRICTS if d.name == name)

    def district_at(self, point: LatLng) -> District:
        """The district whose centre is nearest (every point of the city belongs to one)."""
        return min(DISTRICTS, key=lambda d: haversine_m(point, d.centre) / d.radius_m)

    def pick(self, rng: random.Random, district: str, n: int) -> list[Customer]:
        """``n`` customers of the district who order that day (frequent ones more often; one order each)."""
        people = self.customers[district]
        chosen: dict[str, Customer] = {}
        while len(chosen) < min(n, len(people)):
            c = rng.choices(people, [c.weight for c in people])[0]
            chosen.setdefault(c.ref, c)
        return list(chosen.values())

    @staticmethod
    def free_flow_s(a: LatLng, b: LatLng) -> float:
        """The static model's free-flow time of a leg (the straight-line model of ``routing.straight_line``)."""
        return haversine_m(a, b) * DEFAULT_CIRCUITY / (DEFAULT_SPEEDS_KMH[SpeedProfile.VAN] / 3.6)

    def leg_s(self, rng: random.Random, a: LatLng, b: LatLng, depart: datetime) -> int:
        """How long the leg truly takes leaving at ``depart``."""
        local = depart.astimezone(ZoneInfo(TIMEZONE))
        d = self.district_at(b)
        peak = d.peak if any(lo <= local.hour < hi for lo, hi in PEAKS) and local.weekday() < 5 else 1.0
        static = self.free_flow_s(a, b) * DEFAULT_URBAN[local.weekday() * 24 + local.hour]
        return max(1, round(static * d.travel * peak * rng.lognormvariate(0, self.leg_noise)))

    def service_s(self, rng: random.Random, customer: Customer, driver: int) -> int:
        """How long the visit truly takes with driver number ``driver`` (their factor is the world's secret)."""
        factor = self.driver_factors[driver % len(self.driver_factors)]
        base = BUILDING_BASE_S[customer.building] * customer.service_factor * factor
        return max(20, round(base * rng.lognormvariate(0, self.visit_noise)))

    def at_home(self, rng: random.Random, customer: Customer, when: datetime) -> bool:
        """Whether the customer opens the door at ``when``."""
        local = when.astimezone(ZoneInfo(TIMEZONE))
        hour = local.hour + local.minute / 60
        away = 0.03
        if customer.presence == "worker" and local.weekday() < 5 and 9 <= hour < 17:
            away = 0.45
        elif customer.presence == "business" and not 9 <= hour < 17.5:
            away = 0.5
        return rng.random() >= away
