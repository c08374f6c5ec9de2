"""GET /v1/analytics/kpis, kpis.csv and heatmap against a small fixed day (tests/api/kpi_day.py): every KPI is
computed here by hand from the day's record and compared with the API's answer, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from doorstep.store.models import OrderRow, StopRow, kpi_daily
from tests.api.conftest import platform_of
from tests.api.kpi_day import COSTS, STEP_M, KpiDay, act, add_messages, add_ratings, make_kpi_day, work_the_day

RANGE = "from=2025-06-17&to=2025-06-17"
DIESEL_G_KM = 2510 * 0.090  # 225.9 g/km
ELECTRIC_G_KM = (212 + 17) * 0.25  # 57.25 g/km
TRAIL_S = 3 * 3600 + 40 * 60  # 09:00 -> 12:40
TRAIL_M = 2 * 6_371_008.8 * math.radians(STEP_M / 111_195)  # two legs due north (equirectangular = exact here)


@pytest.fixture
def day(client: TestClient) -> KpiDay:
    """The fixed day, worked, with customer messages (2 sent, 1 failed, 1 bounced, 1 still queued) and ratings."""
    d = make_kpi_day(client)
    work_the_day(client, d)
    add_messages(client, d, ["sent", "sent", "failed", "bounced", "queued"])
    add_ratings(client, d)
    return d


def kpis(client: TestClient, day: KpiDay, by: str = "day", rng: str = RANGE) -> dict[str, Any]:
    """The KPI answer (must be 200)."""
    r = client.get(f"/v1/analytics/kpis?{rng}&group_by={by}", headers=day.t.h("read"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _route(day: KpiDay, k: int) -> tuple[int, int, int]:
    """Planned distance (m), duration (s) and load leaving the depot (parcels) of van k's route."""
    data = day.routes[k]["data"]
    return data["distance_m"], data["duration_s"], data["stops"][0]["load_after"]["parcels"]


def _cost(km: float, hours: float) -> float:
    return COSTS["fixed_cost_cents"] + COSTS["cost_per_km_cents"] * km + COSTS["cost_per_hour_cents"] * hours


def test_every_kpi_of_the_day_matches_the_hand_count(client: TestClient, day: KpiDay) -> None:
    """Van 0 (diesel, GPS trail): 09:30 delivered with proof, 10:00 failed not_home, 12:30 delivered late. Van 1
    (electric, no trail, so its planned figures count): its third stop first at 10:00 with proof, 10:15 delivered,
    10:40 failed no_access. Promised window 09:00-12:00 for all."""
    body = kpis(client, day)
    d0, t0, load0 = _route(day, 0)
    d1, t1, load1 = _route(day, 1)
    km0, h0 = TRAIL_M / 1000, TRAIL_S / 3600  # driven
    km1, h1 = d1 / 1000, t1 / 3600  # planned
    cost = _cost(km0, h0) + _cost(km1, h1)
    co2 = km0 * DIESEL_G_KM + km1 * ELECTRIC_G_KM
    expected = {
        "deliveries": 4, "attempts": 6, "failed_attempts": 2, "failed_by_reason": {"no_access": 1, "not_home": 1},
        "on_time_rate": 0.75,  # 09:30, 10:00, 10:15 inside 09:00-12:00; 12:30 not
        "late_deliveries": 1,  # 12:30, after the window's end
        "first_attempt_rate": round(4 / 6, 4),  # every order is on its first attempt; 4 of 6 delivered
        "proof_rate": 0.5,  # 2 of 4 deliveries came with a proof
        "routes": 2, "cost_cents": round(cost), "cost_per_delivery_cents": round(cost / 4),
        "cost_basis": {"driven_routes": 1, "planned_routes": 1},
        "distance_m": round((km0 + km1) * 1000), "km_per_stop": round((km0 + km1) / 6, 3),
        "minutes_per_stop": round((h0 + h1) * 60 / 6, 2), "stops_per_hour": round(6 / (h0 + h1), 2),
        "utilisation": {"capacity": round((load0 / 3 + load1 / 3) / 2, 4), "shift_time": round((h0 + h1) / 20, 4)},
        "planned_vs_actual": {
            "routes_compared": 1, "planned_distance_m": d0, "actual_distance_m": round(TRAIL_M),
            "distance_ratio": round(TRAIL_M / d0, 4), "planned_duration_s": t0, "actual_duration_s": TRAIL_S,
            "duration_ratio": round(TRAIL_S / t0, 4),
            "sequence_followed_rate": round(5 / 6, 4),  # one stop of six taken ahead of the planned order
        },
        "messages_sent": 2, "messages_failed": 2,  # failed + bounced; the queued one is neither
        "co2_g": round(co2), "co2_g_per_delivery": round(co2 / 4, 1),
        "ratings": 3, "rating_mean": round((4 + 2 + 4) / 3, 2),  # the replaced 5 does not count
        "rating_distribution": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0},
    }  # fmt: skip
    assert [(g["key"], g["label"]) for g in body["series"]] == [("2025-06-17", "2025-06-17")]
    assert body["series"][0]["kpis"] == expected
    assert body["total"] == expected
    assert body["from"] == body["to"] == "2025-06-17" and "Conversion Factors" in body["co2_source"]


def test_kpis_per_driver_vehicle_depot_and_week(client: TestClient, day: KpiDay) -> None:
    """Each driver's and vehicle's group holds only its own route's stops; the depot and the ISO week hold all."""
    by_driver = {g["key"]: g for g in kpis(client, day, "driver")["series"]}
    assert set(by_driver) == set(day.drivers)
    k0, k1 = by_driver[day.drivers[0]]["kpis"], by_driver[day.drivers[1]]["kpis"]
    assert (k0["deliveries"], k0["attempts"], k0["on_time_rate"], k0["proof_rate"]) == (2, 3, 0.5, 0.5)
    assert (k1["deliveries"], k1["attempts"], k1["on_time_rate"], k1["proof_rate"]) == (2, 3, 1.0, 0.5)
    assert k0["failed_by_reason"] == {"not_home": 1} and k1["failed_by_reason"] == {"no_access": 1}
    assert k0["planned_vs_actual"]["sequence_followed_rate"] == 1.0
    assert k1["planned_vs_actual"]["sequence_followed_rate"] == round(2 / 3, 4)
    assert (k0["messages_sent"], k0["messages_failed"], k1["messages_sent"]) == (2, 2, 0)  # van 0's orders
    assert (k0["ratings"], k0["rating_mean"], k1["ratings"], k1["rating_mean"]) == (2, 3.0, 1, 4.0)
    assert k0["rating_distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    assert k0["cost_basis"] == {"driven_routes": 1, "planned_routes": 0}
    assert k0["co2_g_per_delivery"] == round(TRAIL_M / 1000 * DIESEL_G_KM / 2, 1)
    d1, t1, _ = _route(day, 1)
    assert k1["cost_per_delivery_cents"] == round(_cost(d1 / 1000, t1 / 3600) / 2)
    assert by_driver[day.drivers[0]]["label"].startswith("Driver of ")
    by_vehicle = {g["key"]: g["kpis"] for g in kpis(client, day, "vehicle")["series"]}
    assert by_vehicle == {day.routes[0]["vehicle_id"]: k0, day.routes[1]["vehicle_id"]: k1}
    depots = kpis(client, day, "depot")
    assert [(g["key"], g["label"]) for g in depots["series"]] == [(day.t.ids["depot"], "Hub")]
    weeks = kpis(client, day, "week", "from=2025-06-01&to=2025-06-30")
    assert [(g["key"], g["label"]) for g in weeks["series"]] == [("2025-06-16", "2025-W25")]
    assert weeks["series"][0]["kpis"] == depots["series"][0]["kpis"] == kpis(client, day)["total"]


def _flat(k: dict[str, Any]) -> dict[str, str]:
    """The JSON figures as the CSV columns name them (nested names joined by '_', nulls empty)."""
    out: dict[str, str] = {}
    for name, value in k.items():
        if name == "failed_by_reason":
            out |= {f"failed_{r}": str(n) for r, n in value.items()}
        elif isinstance(value, dict):
            out |= {f"{name}_{sub}": "" if v is None else str(v) for sub, v in value.items()}
        else:
            out[name] = "" if value is None else str(value)
    return out


@pytest.mark.parametrize("by", ["day", "driver", "vehicle"])
def test_csv_export_has_the_same_numbers(client: TestClient, day: KpiDay, by: str) -> None:
    """Every group row and the total row of the CSV carry the API's numbers, column for column."""
    body = kpis(client, day, by)
    r = client.get(f"/v1/analytics/kpis.csv?{RANGE}&group_by={by}", headers=day.t.h("read"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["key"] for row in rows] == [g["key"] for g in body["series"]] + ["total"]
    for row, k in zip(rows, [g["kpis"] for g in body["series"]] + [body["total"]], strict=True):
        expected = _flat(k)
        assert {c: row[c] for c in expected} == expected
        assert row["failed_refused"] == "0"  # every reason of the catalogue has a column


def test_heatmap_counts_by_local_hour_and_weekday(client: TestClient, day: KpiDay) -> None:
    """2025-06-17 is a Tuesday (weekday 1): 09:30 one attempt; 10:00-10:59 four, two failed; 12:30 one, late."""
    r = client.get(f"/v1/analytics/heatmap?{RANGE}", headers=day.t.h("read"))
    assert r.status_code == 200, r.text
    assert r.json()["cells"] == [
        {"weekday": 1, "hour": 9, "attempts": 1, "failed": 0, "late": 0},
        {"weekday": 1, "hour": 10, "attempts": 4, "failed": 2, "late": 0},
        {"weekday": 1, "hour": 12, "attempts": 1, "failed": 0, "late": 1},
    ]


def test_promised_windows_and_attempt_numbers_are_stored(client: TestClient, day: KpiDay) -> None:
    """Each order stop keeps the window it promised (09:00-12:00 +01:00); the re-attempt the failure policy made
    of a failed order is attempt 2 (the first-attempt rate leaves it out)."""
    p = platform_of(client)
    with p.uow(day.t.org_id) as uow:
        stop = uow.session.scalars(select(StopRow).where(StopRow.id == day.stops[0][0]["id"])).one()
        retries = uow.session.scalars(select(OrderRow).where(OrderRow.org_id == day.t.org_id,
                                                             OrderRow.attempt > 1)).all()  # fmt: skip
    assert stop.promised_start is not None and stop.promised_end is not None
    assert (stop.promised_start.isoformat(), stop.promised_end.isoformat()) == (
        "2025-06-17T08:00:00+00:00", "2025-06-17T11:00:00+00:00")  # fmt: skip
    assert sorted(o.attempt for o in retries) == [2, 2]
    assert {o.external_ref.split("#")[0] for o in retries} == {
        client.get(f"/v1/orders/{s['order_id']}", headers=day.t.h()).json()["external_ref"]
        for s in (day.stops[0][1], day.stops[1][1])
    }


def test_a_range_without_data_is_an_empty_series(client: TestClient, day: KpiDay) -> None:
    """No delivery in January 2024: an empty series, a total of zeros and nulls, and a CSV with the total only."""
    body = kpis(client, day, "day", "from=2024-01-01&to=2024-01-31")
    assert body["series"] == []
    assert (body["total"]["deliveries"], body["total"]["on_time_rate"], body["total"]["cost_cents"]) == (0, None, 0)
    r = client.get("/v1/analytics/kpis.csv?from=2024-01-01&to=2024-01-31", headers=day.t.h("read"))
    assert [row["key"] for row in csv.DictReader(io.StringIO(r.text))] == ["total"]
    heat = client.get("/v1/analytics/heatmap?from=2024-01-01&to=2024-01-31", headers=day.t.h("read"))
    assert heat.json()["cells"] == []


def test_bad_requests_are_refused_with_every_problem(client: TestClient, day: KpiDay) -> None:
    """Unparsable dates and an unknown grouping are reported together; a reversed range is E1480; more than 366
    days is E1481 (on the CSV too); another organization's key sees none of this day."""
    r = client.get("/v1/analytics/kpis?from=2025-13-01&to=soon&group_by=planet", headers=day.t.h("read"))
    assert r.status_code == 422
    assert [(d["code"], d["loc"]) for d in r.json()["error"]["details"]] == [
        ("E1480", ["query", "from"]), ("E1480", ["query", "to"]), ("E1111", ["query", "group_by"])]  # fmt: skip
    rev = client.get("/v1/analytics/kpis?from=2025-06-18&to=2025-06-17", headers=day.t.h("read"))
    assert rev.status_code == 422 and rev.json()["error"]["code"] == "E1480"
    for path in ("kpis", "kpis.csv", "heatmap"):
        long = client.get(f"/v1/analytics/{path}?from=2024-06-16&to=2025-06-17", headers=day.t.h("read"))
        assert long.status_code == 422 and long.json()["error"]["code"] == "E1481", path
    year = client.get("/v1/analytics/kpis?from=2024-06-17&to=2025-06-17", headers=day.t.h("read"))  # 366 days
    assert year.status_code == 200 and year.json()["total"]["deliveries"] == 4
    other = make_kpi_day(client)
    assert kpis(client, other)["series"] == []
    assert client.get(f"/v1/analytics/kpis?{RANGE}").status_code == 401


def test_the_rollup_of_closed_days_answers_as_the_record_does(client: TestClient, day: KpiDay) -> None:
    """2025-06-17 is closed: its answer comes from the rollup (kpi_daily, kpi_heat). With the clock on that day
    (open, so computed from the record) every grouping and the heatmap answer the same numbers."""
    p = platform_of(client)
    by_groups = ("day", "week", "depot", "driver", "vehicle")
    heatmap = f"/v1/analytics/heatmap?{RANGE}"
    rolled = {by: kpis(client, day, by) for by in by_groups}
    rolled_heat = client.get(heatmap, headers=day.t.h("read")).json()
    with p.uow(day.t.org_id) as uow:
        assert uow.session.scalar(select(func.count()).select_from(kpi_daily).where(
            kpi_daily.c.org_id == day.t.org_id)) == 2  # fmt: skip  (one row per driver and van of the day)
    clock, p.clock = p.clock, lambda: datetime.fromisoformat("2025-06-17T20:00:00+00:00")
    try:
        live = {by: kpis(client, day, by) for by in by_groups}
        live_heat = client.get(heatmap, headers=day.t.h("read")).json()
    finally:
        p.clock = clock
    assert live == rolled
    assert live_heat == rolled_heat and len(rolled_heat["cells"]) == 3


def test_a_late_action_reopens_its_rolled_up_day(client: TestClient) -> None:
    """A stop worked after the day was rolled up (an offline phone syncing late) counts at the next request: its
    stop event drops the day's rollup (analytics.rollup), which is then made again."""
    d = make_kpi_day(client)
    act(client, d.stops[0][0], "completed", "09:30")
    assert kpis(client, d)["total"]["attempts"] == 1
    act(client, d.stops[0][1], "failed", "10:00", reason="refused")
    total = kpis(client, d)["total"]
    assert (total["attempts"], total["deliveries"], total["failed_by_reason"]) == (2, 1, {"refused": 1})


def test_a_late_rating_reopens_its_rolled_up_day(client: TestClient) -> None:
    """A customer rating a delivery after its day was rolled up counts at the next request (feedback.received
    drops the day's rollup)."""
    d = make_kpi_day(client)
    work_the_day(client, d)
    before = kpis(client, d)["total"]
    assert (before["ratings"], before["rating_mean"]) == (0, None)
    add_ratings(client, d)
    after = kpis(client, d)["total"]
    assert (after["ratings"], after["rating_mean"], after["rating_distribution"]["4"]) == (3, 3.33, 2)
