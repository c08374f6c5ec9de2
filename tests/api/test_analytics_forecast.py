"""GET /v1/analytics/forecast on a small fixed history made through the API: the forecast, its band and the
backtest figures worked out by hand, per zone, the short-history warning and bad input."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.forecast_history import FAR, NEAR, WEST, add_history, clock_at, set_zones, today_at

FIRST = date(2025, 6, 2)  # a Monday; three weeks of history up to Sunday 22 June
TODAY = date(2025, 6, 23)
SERIES = [10] * 7 + [12] * 7 + [11, 13, 9, 11, 11, 11, 11]  # the series of tests/services/analytics/test_backtest.py


def get(c: TestClient, t: Tenant, query: str, today: date = TODAY) -> Any:
    """The forecast's answer (status code, body) with the clock on ``today``."""
    with clock_at(c, today_at(today)):
        r = c.get(f"/v1/analytics/forecast?{query}", headers=t.h("read"))
    return r.status_code, r.json()


def test_forecast_and_backtest_of_three_weeks(client: TestClient, tenant: Tenant) -> None:
    """Three weeks (no trend below four): each day is the mean of its three weekdays; the band is
    ŷ ± 1.2816·r·ŷ·sqrt(1 + 1/3); the 7-day backtest has 7 origins, 28 points, MAE 10/28 against the naive's
    34/28 and MASE 10/46 and 34/46 (the hand count of test_backtest.py); a cancelled order is not counted."""
    ids = add_history(client, tenant, FIRST, SERIES)
    extra = add_history(client, tenant, FIRST, [1], tag="X")  # one more on the first Monday, cancelled
    assert client.post(f"/v1/orders/{extra[0]}/cancel", headers=tenant.h()).status_code == 200
    assert len(ids) == sum(SERIES)
    code, body = get(client, tenant, "days=7")
    assert code == 200, body
    assert (body["from"], body["to"], body["days"], body["group_by"]) == ("2025-06-23", "2025-06-29", 7, "day")
    assert (body["history_from"], body["history_to"], body["history_days"], body["warnings"]) == (
        "2025-06-02", "2025-06-22", 21, [])
    (series,) = body["series"]
    assert (series["key"], series["label"]) == ("all", "All orders")
    assert [h["orders"] for h in series["history"]] == SERIES
    means = [(11 + 12 + 10) / 3, (13 + 12 + 10) / 3, (9 + 12 + 10) / 3, 11, 11, 11, 11]
    assert [p["forecast"] for p in series["points"]] == [round(m, 1) for m in means]
    # r² pools every weekday: Mon, Thu..Sun 10/12/11 -> 2/121 each; Tue 10/12/13; Wed 10/12/9 (dof 2 each)
    sq = [2 / 121] * 5 + [((10 - 35 / 3) ** 2 + (12 - 35 / 3) ** 2 + (13 - 35 / 3) ** 2) / (35 / 3) ** 2,
                          ((10 - 31 / 3) ** 2 + (12 - 31 / 3) ** 2 + (9 - 31 / 3) ** 2) / (31 / 3) ** 2]  # fmt: skip
    r = math.sqrt(sum(sq) / 14)
    half = [1.2816 * r * m * math.sqrt(1 + 1 / 3) for m in means]
    assert [p["low"] for p in series["points"]] == [round(m - h, 1) for m, h in zip(means, half, strict=True)]
    assert [p["high"] for p in series["points"]] == [round(m + h, 1) for m, h in zip(means, half, strict=True)]
    assert all(p["booked"] == 0 for p in series["points"])
    assert series["backtest"] == {
        "origins": 7, "points": 28, "scale": round(23 / 14, 2),
        "baseline": {"mae": round(10 / 28, 2), "mase": round(10 / 46, 3)},
        "naive": {"mae": round(34 / 28, 2), "mase": round(34 / 46, 3)},
        "mae_ratio": round(10 / 34, 3), "coverage": 1.0,
    }  # fmt: skip


def test_forecast_per_zone_and_days_without_orders(client: TestClient, tenant: Tenant) -> None:
    """Per zone (the slot policy's, in its order, then the orders in no zone): each zone forecast from its own
    weekdays; a day with no order is a 0 in the history, not a gap; booked orders of a forecast day show."""
    set_zones(client, tenant)
    near = [2, 2, 2, 2, 2, 0, 0] * 2 + [4, 4, 4, 4, 4, 0, 0]
    add_history(client, tenant, FIRST, near, NEAR)
    add_history(client, tenant, FIRST, [1, 0, 0, 0, 0, 0, 0] * 3, WEST)
    add_history(client, tenant, FIRST, [0] * 20 + [3], FAR)  # only on the last day (a Sunday)
    add_history(client, tenant, TODAY, [2], NEAR, tag="B")  # already booked for today
    code, body = get(client, tenant, "days=2&group_by=zone")
    assert code == 200, body
    assert [(s["key"], s["label"]) for s in body["series"]] == [
        ("near", "Near the hub"), ("west", "West"), (None, "(no zone)")]
    by = {s["key"]: s for s in body["series"]}
    assert [h["orders"] for h in by["near"]["history"]] == near
    assert [p["forecast"] for p in by["near"]["points"]] == [round(8 / 3, 1), round(8 / 3, 1)]
    assert [p["booked"] for p in by["near"]["points"]] == [2, 0]
    assert [p["forecast"] for p in by["west"]["points"]] == [1.0, 0.0]
    assert [h["orders"] for h in by[None]["history"]] == [0] * 20 + [3]
    assert [p["forecast"] for p in by[None]["points"]] == [0.0, 0.0]  # Monday and Tuesday had none


def test_too_little_history_warns_and_falls_back(client: TestClient, tenant: Tenant) -> None:
    """Five days of history: W1490 in the answer (not an error), the forecast repeats the last same weekday or
    takes the mean of the days seen, and nothing is backtested; no history at all forecasts zeros."""
    code, body = get(client, tenant, "days=3")
    assert code == 200 and body["history_days"] == 0 and body["history_from"] is None
    assert [w["code"] for w in body["warnings"]] == ["W1490"]
    assert [p["forecast"] for p in body["series"][0]["points"]] == [0.0, 0.0, 0.0]
    add_history(client, tenant, date(2025, 6, 18), [4, 6, 8, 0, 2])  # Wednesday .. Sunday
    code, body = get(client, tenant, "days=8")
    assert code == 200, body
    (warning,) = body["warnings"]
    assert warning["code"] == "W1490" and warning["message"].startswith("5 days of order history (since 2025-06-18)")
    points = body["series"][0]["points"]
    assert [p["forecast"] for p in points] == [4.0, 4.0, 4.0, 6.0, 8.0, 0.0, 2.0, 4.0]  # Mon, Tue unseen: mean 4
    assert body["series"][0]["backtest"]["origins"] == 0
    assert body["series"][0]["backtest"]["baseline"] == {"mae": None, "mase": None}


def test_the_forecast_is_at_least_what_is_already_booked(client: TestClient, tenant: Tenant) -> None:
    """A new organization (no history) with 3 orders booked for today and 1 for the day after tomorrow: the
    forecast and both ends of its band are at least those counts on those days (orders booked will be there),
    and 0 on the day between."""
    add_history(client, tenant, TODAY, [3, 0, 1], NEAR)
    code, body = get(client, tenant, "days=3")
    assert code == 200, body
    points = body["series"][0]["points"]
    assert [p["booked"] for p in points] == [3, 0, 1]
    assert [(p["forecast"], p["low"], p["high"]) for p in points] == [(3.0, 3.0, 3.0), (0.0, 0.0, 0.0),
                                                                      (1.0, 1.0, 1.0)]  # fmt: skip


def test_bad_input_is_reported_at_once(client: TestClient, tenant: Tenant) -> None:
    """days outside 1-28 or not a number is E1490, an unknown grouping E1491; both together in one E1000."""
    code, body = get(client, tenant, "days=0&group_by=week")
    assert code == 422
    assert body["error"]["code"] == "E1000"
    assert [(d["code"], d["loc"]) for d in body["error"]["details"]] == [
        ("E1490", ["query", "days"]), ("E1491", ["query", "group_by"])]
    for days in ("29", "abc", "1.5"):
        code, body = get(client, tenant, f"days={days}")
        assert (code, body["error"]["code"]) == (422, "E1490"), days
    code, _ = get(client, tenant, "days=28&group_by=zone")
    assert code == 200


def test_the_zone_of_an_order_is_the_slot_policys(client: TestClient, tenant: Tenant) -> None:
    """The forecast's zone lookup (depots read once) gives the zone slot offers' zone_of gives, for each place."""
    from doorstep.domain.geo import LatLng
    from doorstep.services.analytics.forecast_history import zone_finder
    from doorstep.services.slots.slot_offers import zone_of
    from doorstep.services.slots.slot_policy import current_policy
    from tests.api.conftest import platform_of

    set_zones(client, tenant)
    with platform_of(client).uow(tenant.org_id) as uow:
        names, find = zone_finder(uow)
        policy, _ = current_policy(uow)
        assert names == {"near": "Near the hub", "west": "West"}
        for where, expected in ((NEAR, "near"), (WEST, "west"), (FAR, None)):
            point = LatLng(where["lat"], where["lng"])
            found = zone_of(uow, policy, point)
            assert find(point) == (found[0].id if found else None) == expected
