"""Pickup point request and response bodies."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from doorstep.api.schemas_common import Strict
from doorstep.api.schemas_fleet import Versioned

EXAMPLE_POINT: Any = {
    "name": "Papelaria Rossio",
    "kind": "counter",
    "lat": 38.7139,
    "lng": -9.1394,
    "address": "Praça Dom Pedro IV 20, Lisboa",
    "depot_id": "dep_01jbz8y3q5m2k7n4p6r8s0t2v4",
    "hours": {d: [["09:00", "13:00"], ["14:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [["10:00", "13:00"]]},
    "capacity_parcels": 40,
}


class PickupPointIn(Strict):
    """A shop counter or parcel locker. ``hours``: weekday (``mon``..``sun``) -> ``[[opens, closes], ...]`` local
    to the depot (a missing day is closed; a locker may be ``[["00:00", "24:00"]]``). Checked by the service so
    that every problem has its code (E1570 values, E1571 hours, E1302 depot)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_POINT]})

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field("counter", max_length=20, description="counter | locker")
    lat: float
    lng: float
    address: str = Field("", max_length=500)
    depot_id: str = Field(max_length=64, description="the depot whose vans serve the point")
    hours: dict[str, list[list[str]]] = Field(description="weekday -> [[opens, closes], ...], local HH:MM")
    capacity_parcels: int = Field(description="parcels the point takes per day (1..100,000)")
    handover_s: int = Field(300, description="time at the point once per visit, seconds")
    per_parcel_s: int = Field(10, description="and per parcel handed over, seconds")
    active: bool = True


class PickupPointOut(Versioned):
    """A stored pickup point."""

    name: str
    kind: str
    lat: float
    lng: float
    address: str
    depot_id: str
    hours: dict[str, list[list[str]]]
    capacity_parcels: int
    handover_s: int
    per_parcel_s: int
    active: bool
