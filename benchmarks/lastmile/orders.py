"""The order mix of a delivery day: kinds, windows, amounts, skills and priorities, as VROOM job/shipment dicts.

Proportions are exact counts (rounded), shuffled with the day's seeded RNG, so every (city, size, seed) is
reproducible and the reported mix is the real one. Times are VROOM integer seconds since midnight.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

H = 3600
SHARE_NO_WINDOW, SHARE_TWO_WINDOWS = 0.35, 0.15  # the rest (50 %) has one window
SHARE_RETURNS, SHARE_SHIPMENTS = 0.08, 0.05
SHARE_COLD, SHARE_URGENT = 0.08, 0.10
URGENT_PRIORITY = 100
COLD_SKILL = 1  # refrigerated
ONE_WINDOW = [(8, 10), (10, 12), (12, 14), (14, 16), (16, 18), (9, 12), (13, 17)]
TWO_WINDOWS = [((9, 11), (16, 18)), ((8, 10), (15, 17)), ((10, 12), (16, 18)), ((8, 10), (13, 15))]
# store-to-door parcels are collected during the day, so they reach the customer from noon on
ONE_WINDOW_PM = [(12, 14), (14, 16), (16, 18), (13, 17)]
TWO_WINDOWS_PM = [((12, 14), (16, 18)), ((13, 15), (17, 18))]
SHOP_HOURS = (9 * H, 17 * H)


@dataclass(slots=True)
class Mix:
    """How many orders of each kind a day has (reported with the day)."""

    deliveries: int = 0
    returns: int = 0
    shipments: int = 0
    urgent: int = 0
    refrigerated: int = 0
    windows: dict[str, int] = field(default_factory=lambda: {"none": 0, "one": 0, "two": 0})


def _hours(pairs: list[tuple[int, int]]) -> list[list[int]]:
    return [[a * H, b * H] for a, b in pairs]


def _windows(rng: random.Random, klass: str, afternoon: bool) -> list[list[int]]:
    if klass == "none":
        return []
    if klass == "one":
        return _hours([rng.choice(ONE_WINDOW_PM if afternoon else ONE_WINDOW)])
    return _hours(list(rng.choice(TWO_WINDOWS_PM if afternoon else TWO_WINDOWS)))


def _parcel_load(rng: random.Random) -> tuple[int, int]:
    """(kg, parcels) of one delivery: mostly small parcels, now and then a heavy one (drinks, furniture)."""
    parcels = rng.choices([1, 2, 3, 4, 5, 6, 8], weights=[40, 25, 12, 8, 7, 5, 3])[0]
    kg = max(1, round(parcels * rng.uniform(0.5, 6.0)))
    if rng.random() < 0.03:
        kg += rng.randint(30, 120)
    return kg, parcels


def _quota(rng: random.Random, n: int, share: float) -> set[int]:
    return set(rng.sample(range(n), round(n * share)))


def _classes(rng: random.Random, n: int) -> list[str]:
    none, two = round(n * SHARE_NO_WINDOW), round(n * SHARE_TWO_WINDOWS)
    out = ["none"] * none + ["two"] * two + ["one"] * (n - none - two)
    rng.shuffle(out)
    return out


def make_orders(
    rng: random.Random, customers: list[int], shops: list[int], coords: list[list[float]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Mix]:
    """VROOM jobs and shipments, one order per customer place (location indices into the matrix)."""
    n = len(customers)
    kinds = ["shipment"] * round(n * SHARE_SHIPMENTS) + ["return"] * round(n * SHARE_RETURNS)
    kinds += ["delivery"] * (n - len(kinds))
    rng.shuffle(kinds)
    classes, urgent = _classes(rng, n), _quota(rng, n, SHARE_URGENT)
    cold_pool = [i for i, k in enumerate(kinds) if k != "return"]  # returns travel at ambient temperature
    cold = set(rng.sample(cold_pool, round(n * SHARE_COLD)))
    shop_weights = [1 / (k + 1) for k in range(len(shops))]  # a few busy stores, a tail of quiet ones
    jobs: list[dict[str, Any]] = []
    shipments: list[dict[str, Any]] = []
    mix = Mix()
    for i, (kind, loc) in enumerate(zip(kinds, customers, strict=True)):
        task: dict[str, Any] = {"id": i + 1, "location_index": loc, "location": coords[loc]}
        task["service"] = rng.randint(120, 360)
        windows = _windows(rng, classes[i], afternoon=kind == "shipment")
        if windows:
            task["time_windows"] = windows
        mix.windows[classes[i]] += 1
        extra: dict[str, Any] = {}
        if i in urgent:
            extra["priority"] = URGENT_PRIORITY
            mix.urgent += 1
        if i in cold:
            extra["skills"] = [COLD_SKILL]
            mix.refrigerated += 1
        if kind == "shipment":
            shop = rng.choices(shops, weights=shop_weights)[0]
            pickup = {"id": i + 1, "location_index": shop, "location": coords[shop], "service": rng.randint(120, 300)}
            pickup["time_windows"] = [list(SHOP_HOURS)]
            kg, parcels = _parcel_load(rng)
            task["description"] = f"store-to-door {i + 1}"
            shipments.append({"pickup": pickup, "delivery": task, "amount": [kg, min(parcels, 3)], **extra})
            mix.shipments += 1
            continue
        kg, parcels = _parcel_load(rng)
        if kind == "return":
            task.update(description=f"return {i + 1}", pickup=[min(kg, 15), min(parcels, 2)])
            mix.returns += 1
        else:
            task.update(description=f"delivery {i + 1}", delivery=[kg, parcels])
            mix.deliveries += 1
        jobs.append({**task, **extra})
    return jobs, shipments, mix
