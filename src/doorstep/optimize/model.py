"""The solver-neutral numeric model: integer indices, seconds from the plan origin, scaled costs.

``build.py`` fills it from the domain; ``pyvrp_adapter.py`` turns it into PyVRP data; ``result.py`` and
``schedule.py`` read it back. Nothing here imports PyVRP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from doorstep.domain.geo import LatLng

IntMatrix = npt.NDArray[np.int64]


class Visit(StrEnum):
    """What a solver client stands for."""

    ORDER = "order"
    BREAK = "break"


@dataclass(slots=True)
class MClient:
    """One solver client: an order at one place in one window, or a vehicle's break."""

    kind: Visit
    loc: int
    delivery: list[int]
    pickup: list[int]
    service: int
    tw_early: int
    tw_late: int
    release: int = 0
    prize: int = 0
    required: bool = True
    group: int | None = None
    order: int = -1  # index into problem.orders
    place: int = 0  # 0: the order's own location; k: alternatives[k-1]
    window: int = -1  # index into the place's windows (-1: none)
    vehicle: int = -1  # for breaks: a vehicle holding this break class (index into problem.vehicles)
    brk: int = -1  # for breaks: index into that vehicle's breaks
    brk_class: int = -1  # for breaks: the break class (optimize/breaks.py)
    alt_prize: int = 0  # for orders: the prize in the prize model (build.with_prizes), whatever this model has


@dataclass(slots=True)
class MShipment:
    """A paired order: pick up at one location, deliver at another, same route."""

    order: int
    p_loc: int
    d_loc: int
    p_tw: tuple[int, int]
    d_tw: tuple[int, int]
    p_service: int
    d_service: int
    amount: list[int]
    prize: int
    required: bool
    alt_prize: int = 0  # the prize in the prize model (build.with_prizes)


@dataclass(slots=True)
class MDepot:
    """A depot (or the virtual end of open routes, ``depot_id`` None)."""

    depot_id: str | None
    loc: int
    tw_early: int
    tw_late: int
    service: int
    charge_s: int = 0  # a charging copy of the depot (optimize/charging.py): service is loading plus charging


@dataclass(slots=True)
class MGroup:
    """Mutually exclusive alternatives (several windows or places of one order)."""

    clients: list[int]
    required: bool


@dataclass(slots=True)
class MVehicleType:
    """Identical vehicles pooled for the solver; ``vehicles`` are indices into problem.vehicles."""

    vehicles: list[int]
    capacity: list[int]
    start_depot: int
    end_depot: int
    tw_early: int
    tw_late: int
    shift_duration: int
    max_distance: int
    fixed_cost: int
    unit_distance_cost: int
    unit_duration_cost: int
    profile: int
    speed: str  # travel key (optimize/travel_keys.py): speed profile and zones avoided
    reload_depots: list[int] = field(default_factory=list)
    max_reloads: int | None = None
    # the prizes of the type's breaks, added to fixed_cost (optimize/breaks.py); the progress reports take it off
    # each route's cost. Negative on a breakless model (break_fit.py): the breaks' time, added back
    break_fixed: int = 0
    trip_limit: int | None = None  # electric: metres per trip between charges (range less reserve)
    charge_depot: int | None = None  # electric: where it charges between trips (its start depot's charging copy)


@dataclass(slots=True)
class MProfile:
    """Solver matrices of one profile: a speed profile with the arcs a vehicle group may not use forbidden."""

    speed: str  # travel key (optimize/travel_keys.py): speed profile and zones avoided
    durations: IntMatrix
    distances: IntMatrix  # the objective's distance (real metres, or durations for a travel-time objective)


@dataclass(slots=True)
class SolverModel:
    """Everything the solver needs, plus what is needed to read its answer back."""

    t0: datetime
    points: list[LatLng | None]  # per location; None for virtual locations (breaks, open ends)
    dims: list[str]  # capacity dimensions (the last may be the internal "stops" counter)
    depots: list[MDepot]
    clients: list[MClient]
    groups: list[MGroup]
    shipments: list[MShipment]
    vehicle_types: list[MVehicleType]
    profiles: list[MProfile]
    real_durations: dict[str, IntMatrix]  # by travel key (optimize/travel_keys.py), per location
    real_distances: dict[str, IntMatrix]
    excluded: dict[int, str] = field(default_factory=dict)  # order index -> why it was kept out of the solver
    stops_dim: int | None = None  # index of the internal stop counter dimension, if any
    prize_normal: int = 0  # a normal order's prize: the scale for the solver's penalties
    break_dims: list[int] = field(default_factory=list)  # break class -> its load dimension ("__brk<k>")
    break_class_of: dict[tuple[int, int], int] = field(default_factory=dict)  # (vehicle, break) -> class
