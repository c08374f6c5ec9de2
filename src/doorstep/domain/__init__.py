"""Pure domain model: dataclasses and enums, no I/O, stdlib only."""

from doorstep.domain.errors import CODES, DoorstepError, Issue, Severity
from doorstep.domain.fleet import Break, Depot, Driver, SpeedProfile, Vehicle, VehicleType
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.orders import Contact, Item, Order, OrderKind, PairedPickup, Place, Priority, TimeWindow
from doorstep.domain.plan import (
    Plan,
    PlanStats,
    Route,
    ScheduledStop,
    StopType,
    Unassigned,
    UnassignedReason,
    Violation,
)
from doorstep.domain.problem import ExplicitMatrices, Fleet, Problem
from doorstep.domain.validate import validate_problem

__all__ = [
    "CODES",
    "Break",
    "Contact",
    "Depot",
    "DoorstepError",
    "Driver",
    "ExplicitMatrices",
    "Fleet",
    "Issue",
    "Item",
    "LatLng",
    "Order",
    "OrderKind",
    "PairedPickup",
    "Place",
    "Plan",
    "PlanStats",
    "Priority",
    "Problem",
    "Route",
    "ScheduledStop",
    "Severity",
    "SpeedProfile",
    "StopType",
    "TimeWindow",
    "Unassigned",
    "UnassignedReason",
    "Vehicle",
    "VehicleType",
    "Violation",
    "haversine_m",
    "validate_problem",
]
