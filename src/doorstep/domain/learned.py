"""Times learned from the days driven: service times per address, building, neighbourhood and driver, and travel
factors per neighbourhood and hour of the week (docs/learning.md); and when customers are reached
(``domain.reach``, kept in the same model as ``reach``).

Every estimate is a mean of logarithms **shrunk towards its group**: an address seen ``n`` times gets
``(n × its mean + k × its building's estimate) / (n + k)``, a building shrinks towards its neighbourhood, a
neighbourhood towards the organization. So one slow visit moves an address a little and ten move it most of the
way; an address never seen takes its building's or neighbourhood's value. Geometric means (means of logarithms)
because times are skewed: one 40-minute visit must not make an address look like a 10-minute one.

Travel factors multiply the **static model** (the road or straight-line times with the hour-of-week traffic
profile): log factor = organization + hour of the week + neighbourhood + neighbourhood × period of the day, each
term a shrunk mean of what the terms before it left unexplained. Pure: the record is read and the model is stored
elsewhere (services/analytics/learning.py, services/kernel/learned_times.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doorstep.domain.cells import address_of, building_of, neighbourhood_of
from doorstep.domain.cells import cell_centre as cell_centre
from doorstep.domain.geo import LatLng
from doorstep.domain.reach import Reach

# prior strength (observations) of each level's parent
K_ADDRESS, K_BUILDING, K_CELL, K_DRIVER = 3.0, 5.0, 5.0, 10.0
K_HOUR, K_ZONE, K_ZONE_PERIOD = 10.0, 10.0, 15.0
MIN_OBSERVATIONS = 20  # fewer service or leg observations in all: nothing learned (the defaults stand)
PERIODS = ((0, 7, "night"), (7, 10, "morning peak"), (10, 16, "day"), (16, 19, "evening peak"), (19, 24, "evening"))
FACTOR_RANGE = (0.33, 3.0)  # a learned travel factor is kept within these bounds
SERVICE_RANGE_S = (10, 4 * 3600)


def period_of(hour: int) -> str:
    """The period of the day an hour (0-23, local) falls in."""
    return next(name for lo, hi, name in PERIODS if lo <= hour < hi)


@dataclass
class _Mean:
    """A running sum of log values and their count."""

    total: float = 0.0
    n: int = 0

    def add(self, x: float) -> None:
        self.total += x
        self.n += 1

    def shrunk(self, parent: float, k: float) -> float:
        return (self.total + k * parent) / (self.n + k)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A learned value, the observations behind it and the level it comes from (``address``, ``building``,
    ``neighbourhood``, ``organization``, ``default``)."""

    value: float
    n: int
    level: str


@dataclass(frozen=True, slots=True)
class ServiceObservation:
    """One visit: where, by whom, and how long the service took (seconds)."""

    location: LatLng
    driver_id: str | None
    seconds: float


@dataclass(frozen=True, slots=True)
class LegObservation:
    """One leg driven: its destination, its local departure hour of the week, the static model's seconds and the
    seconds it took."""

    destination: LatLng
    hour_of_week: int
    predicted_s: float
    actual_s: float


@dataclass
class LearnedTimes:
    """An organization's learned model (see the module docstring); ``empty`` when too little was observed."""

    learned_at: datetime | None = None
    days: int = 0
    service_n: int = 0
    leg_n: int = 0
    service_log: float = 0.0  # organization: mean log seconds
    cells: dict[str, tuple[float, int]] = field(default_factory=dict)  # neighbourhood -> (log, n)
    buildings: dict[str, tuple[float, int]] = field(default_factory=dict)
    addresses: dict[str, tuple[float, int]] = field(default_factory=dict)
    drivers: dict[str, tuple[float, int]] = field(default_factory=dict)  # driver -> (log factor, n)
    travel_log: float = 0.0
    hours: dict[int, tuple[float, int]] = field(default_factory=dict)  # hour of week -> (log factor, n)
    zones: dict[str, tuple[float, int]] = field(default_factory=dict)  # neighbourhood -> (log factor, n)
    zone_periods: dict[str, tuple[float, int]] = field(default_factory=dict)  # "cell|period" -> (log factor, n)
    reach: Reach = field(default_factory=Reach)  # delivery attempts by address and band (domain.reach)

    @property
    def has_service(self) -> bool:
        """Enough visits were observed to use learned service times."""
        return self.service_n >= MIN_OBSERVATIONS

    @property
    def has_travel(self) -> bool:
        """Enough legs were observed to use learned travel factors."""
        return self.leg_n >= MIN_OBSERVATIONS

    def service_s(self, point: LatLng, driver_id: str | None = None) -> Estimate | None:
        """The learned service time at ``point`` (by ``driver_id`` when given); None when nothing is learned."""
        if not self.has_service:
            return None
        log, n, level = self.service_log, self.service_n, "organization"
        for key, table in ((neighbourhood_of(point), self.cells), (building_of(point), self.buildings),
                           (address_of(point), self.addresses)):  # fmt: skip
            if key in table:
                log, n = table[key]
                level = {"n": "neighbourhood", "b": "building", "a": "address"}[key[0]]
        if driver_id is not None and driver_id in self.drivers:
            log += self.drivers[driver_id][0]
        lo, hi = SERVICE_RANGE_S
        return Estimate(min(hi, max(lo, math.exp(log))), n, level)

    def driver_factor(self, driver_id: str) -> float:
        """How much longer (> 1) than the address times a driver's visits take (1 when nothing is learned)."""
        if not self.has_service or driver_id not in self.drivers:
            return 1.0
        return math.exp(self.drivers[driver_id][0])

    def travel_factor(self, destination: LatLng, hour_of_week: int) -> float:
        """How much longer (> 1) or shorter than the static model a leg into ``destination`` takes when driven in
        that hour of the week (1 when nothing is learned)."""
        if not self.has_travel:
            return 1.0
        log = self.travel_log + self.hours.get(hour_of_week, (0.0, 0))[0]
        cell = neighbourhood_of(destination)
        log += self.zones.get(cell, (0.0, 0))[0]
        log += self.zone_periods.get(f"{cell}|{period_of(hour_of_week % 24)}", (0.0, 0))[0]
        lo, hi = FACTOR_RANGE
        return min(hi, max(lo, math.exp(log)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able document stored per organization."""
        return {
            "learned_at": self.learned_at.isoformat() if self.learned_at else None, "days": self.days,
            "service_n": self.service_n, "leg_n": self.leg_n, "service_log": self.service_log,
            "cells": self.cells, "buildings": self.buildings, "addresses": self.addresses, "drivers": self.drivers,
            "travel_log": self.travel_log, "hours": {str(h): v for h, v in self.hours.items()},
            "zones": self.zones, "zone_periods": self.zone_periods, "reach": self.reach.to_dict(),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> LearnedTimes:
        """The model from its stored document."""

        def table(name: str) -> dict[str, tuple[float, int]]:
            return {k: (float(v[0]), int(v[1])) for k, v in doc.get(name, {}).items()}

        at = doc.get("learned_at")
        return cls(
            learned_at=datetime.fromisoformat(at) if at else None, days=int(doc.get("days", 0)),
            service_n=int(doc.get("service_n", 0)), leg_n=int(doc.get("leg_n", 0)),
            service_log=float(doc.get("service_log", 0.0)), cells=table("cells"), buildings=table("buildings"),
            addresses=table("addresses"), drivers=table("drivers"), travel_log=float(doc.get("travel_log", 0.0)),
            hours={int(h): (float(v[0]), int(v[1])) for h, v in doc.get("hours", {}).items()},
            zones=table("zones"), zone_periods=table("zone_periods"), reach=Reach.from_dict(doc.get("reach") or {}),
        )  # fmt: skip


def _group(items: Iterable[tuple[str, float]]) -> dict[str, _Mean]:
    out: dict[str, _Mean] = defaultdict(_Mean)
    for key, x in items:
        out[key].add(x)
    return out


def learn_service(model: LearnedTimes, visits: list[ServiceObservation]) -> None:
    """Fill the model's service-time tables from the visits (the hierarchy of the module docstring)."""
    obs = [(v, math.log(max(1.0, v.seconds))) for v in visits if v.seconds > 0]
    model.service_n = len(obs)
    if not obs:
        return
    g = sum(x for _, x in obs) / len(obs)
    model.service_log = g
    cells = _group((neighbourhood_of(v.location), x) for v, x in obs)
    model.cells = {k: (m.shrunk(g, K_CELL), m.n) for k, m in cells.items()}
    builds = _group((building_of(v.location), x) for v, x in obs)
    parent_b = {building_of(v.location): model.cells[neighbourhood_of(v.location)][0] for v, _ in obs}
    model.buildings = {k: (m.shrunk(parent_b[k], K_BUILDING), m.n) for k, m in builds.items()}
    addrs = _group((address_of(v.location), x) for v, x in obs)
    parent_a = {address_of(v.location): model.buildings[building_of(v.location)][0] for v, _ in obs}
    model.addresses = {k: (m.shrunk(parent_a[k], K_ADDRESS), m.n) for k, m in addrs.items()}
    # a driver's factor: what is left once the address is known, shrunk towards none (log 0)
    resid = _group((v.driver_id, x - model.addresses[address_of(v.location)][0]) for v, x in obs if v.driver_id)
    model.drivers = {k: (m.shrunk(0.0, K_DRIVER), m.n) for k, m in resid.items()}


def learn_travel(model: LearnedTimes, legs: list[LegObservation]) -> None:
    """Fill the model's travel factors from the legs: organization, hour of week, neighbourhood, and neighbourhood
    by period of the day, each a shrunk mean of the log ratio the terms before it leave."""
    obs = [(leg, math.log(leg.actual_s / leg.predicted_s)) for leg in legs if leg.predicted_s > 0 and leg.actual_s > 0]
    model.leg_n = len(obs)
    if not obs:
        return
    g = sum(r for _, r in obs) / len(obs)
    model.travel_log = g
    hours = _group((str(leg.hour_of_week), r - g) for leg, r in obs)
    model.hours = {int(k): (m.shrunk(0.0, K_HOUR), m.n) for k, m in hours.items()}
    left = [(leg, r - g - model.hours[leg.hour_of_week][0]) for leg, r in obs]
    zones = _group((neighbourhood_of(leg.destination), r) for leg, r in left)
    model.zones = {k: (m.shrunk(0.0, K_ZONE), m.n) for k, m in zones.items()}
    left = [(leg, r - model.zones[neighbourhood_of(leg.destination)][0]) for leg, r in left]
    zp = _group((f"{neighbourhood_of(leg.destination)}|{period_of(leg.hour_of_week % 24)}", r) for leg, r in left)
    model.zone_periods = {k: (m.shrunk(0.0, K_ZONE_PERIOD), m.n) for k, m in zp.items()}
