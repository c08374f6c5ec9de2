"""The fleet of a delivery day: vans and a few small trucks, some refrigerated, each with a lunch break.

Sized a bit above need: vehicles are added (a truck first, then vans, every eighth a truck) until they carry
110 % of the day's parcels and kilograms, then one spare van. A van carries 80 parcels and 600 kg (about
36 stops at 2.2 parcels a stop), a small truck 120 parcels and 1,200 kg.
Costs are in cents, VROOM's model: fixed per vehicle used + per hour of driving + per km.
"""

from __future__ import annotations

import random
from typing import Any

from orders import COLD_SKILL

H = 3600
SHIFT = (8 * H, 18 * H)
LUNCH_START = (11 * H + 30 * 60, 13 * H + 30 * 60)  # the 30-minute break starts 11:30-13:30, ends by 14:00
LUNCH_S = 30 * 60
SLACK = 1.10
VAN = {"capacity": [600, 80], "costs": {"fixed": 5000, "per_hour": 3600, "per_km": 20}}  # kg, parcels
TRUCK = {"capacity": [1200, 120], "costs": {"fixed": 8000, "per_hour": 4500, "per_km": 35}}


def fleet_kinds(demand: list[int]) -> list[bool]:
    """Per vehicle, whether it is a truck: enough for 110 % of ``demand`` (kg, parcels) on both, plus a spare."""
    kinds: list[bool] = []
    cap = [0, 0]
    while any(c < SLACK * d for c, d in zip(cap, demand, strict=True)):
        truck = len(kinds) % 8 == 0
        kinds.append(truck)
        cap = [c + x for c, x in zip(cap, (TRUCK if truck else VAN)["capacity"], strict=True)]
    return [*kinds, False]


def make_fleet(
    rng: random.Random, demand: list[int], depots: list[int], coords: list[list[float]]
) -> list[dict[str, Any]]:
    """VROOM vehicles, spread over the depots in turn (shuffled); a quarter of them refrigerated."""
    kinds = fleet_kinds(demand)
    rng.shuffle(kinds)
    n = len(kinds)
    cold = set(rng.sample(range(n), max(1, round(n / 4))))
    vehicles: list[dict[str, Any]] = []
    for k, truck in enumerate(kinds):
        kind = TRUCK if truck else VAN
        depot = depots[k % len(depots)]
        label = ("truck" if truck else "van") + (" (refrigerated)" if k in cold else "")
        vehicle: dict[str, Any] = {
            "id": k + 1,
            "description": f"{label} {k + 1}",
            "profile": "car",
            "start_index": depot,
            "start": coords[depot],
            "end_index": depot,
            "end": coords[depot],
            "capacity": list(kind["capacity"]),
            "costs": dict(kind["costs"]),
            "time_window": list(SHIFT),
            "breaks": [{"id": 1, "description": "lunch", "time_windows": [list(LUNCH_START)], "service": LUNCH_S}],
        }
        if k in cold:
            vehicle["skills"] = [COLD_SKILL]
        vehicles.append(vehicle)
    return vehicles
