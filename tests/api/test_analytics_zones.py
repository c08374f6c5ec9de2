"""KPIs, heatmap and ETA accuracy by delivery zone against the small fixed day of tests/api/kpi_day.py with a slot
policy of two zones (a polygon west of the depot, a 3 km circle around it) and an order outside both: every figure
is counted here by hand from the day's record and compared with the API's answer and the CSV, on SQLite and
PostgreSQL; the closed-day rollup answers as the record does, and zones follow the policy and the order's place."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from doorstep.store.models import KpiDayRow, OrderRow, StopRow, kpi_daily, kpi_zone_daily
from tests.api.conftest import platform_of
from tests.api.kpi_day import KpiDay, add_messages, add_ratings, at, make_kpi_day, work_the_day
from tests.api.test_analytics_kpis import DIESEL_G_KM, ELECTRIC_G_KM, TRAIL_M, TRAIL_S, _cost, _flat, _route

RANGE = "from=2025-06-17&to=2025-06-17"
DEPOT = (38.7372, -9.1034)
WEST = [(38.70, -9.17), (38.76, -9.17), (38.76, -9.142), (38.70, -9.142)]  # a box west of lng -9.142
EAST_M = 3000
NAMES = {"west": "West bank", "east": "East hub", None: "outside every zone"}
# the worked day (kpi_day.work_the_day): per van, per stop in planned order: status, local time, reason, proof
OUTCOMES = [
    [("completed", "09:30", None, True), ("failed", "10:00", "not_home", False), ("completed", "12:30", None, False)],
    [("completed", "10:15", None, False), ("failed", "10:40", "no_access", False), ("completed", "10:00", None, True)],
]
OUT_OF_TURN = {(1, 2)}  # van 1's last stop, worked first
MESSAGES = {0: (1, 1), 1: (1, 0), 2: (0, 1)}  # van 0's stop k: (sent, failed or bounced) of add_messages
RATINGS = {(0, 0): 4, (0, 2): 2, (1, 2): 4}  # the latest rating of a stop's order (add_ratings)


def policy(depot: str, zones: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The slot policy: the west polygon then the east circle (a template each: a policy needs one)."""
    zones = zones or [
        {"id": "west", "name": "West bank", "depot_id": depot, "polygon": [{"lat": a, "lng": b} for a, b in WEST]},
        {"id": "east", "name": "East hub", "depot_id": depot, "radius_m": EAST_M},
    ]
    templates = [{"id": f"t-{z['id']}", "zone_id": z["id"], "start": "08:00", "end": "20:00", "length_min": 120,
                  "max_orders": 5} for z in zones]  # fmt: skip
    return {"zones": zones, "templates": templates}


def put_policy(c: TestClient, day: KpiDay, doc: dict[str, Any]) -> None:
    """Store (or replace) the tenant's slot policy."""
    cur = c.get("/v1/slots/policy", headers=day.t.h())
    url = "/v1/slots/policy" + (f"?version={cur.json()['version']}" if cur.status_code == 200 else "")
    r = c.put(url, json=doc, headers=day.t.h())
    assert r.status_code == 200, r.text


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2, dl = math.radians(a[0]), math.radians(b[0]), math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def zone_by_hand(stop: dict[str, Any]) -> str | None:
    """West when inside the box, else east within 3 km of the depot, else none (the policy's order)."""
    lat, lng = stop["location"]["lat"], stop["location"]["lng"]
    if 38.70 < lat < 38.76 and -9.17 < lng < -9.142:
        return "west"
    return "east" if metres((lat, lng), DEPOT) <= EAST_M else None


@pytest.fixture
def day(client: TestClient) -> KpiDay:
    """The fixed day with its orders zoned by a policy stored after they were made, then worked, with messages
    and ratings."""
    d = make_kpi_day(client)
    put_policy(client, d, policy(d.t.ids["depot"]))
    work_the_day(client, d)
    add_messages(client, d, ["sent", "sent", "failed", "bounced", "queued"])
    add_ratings(client, d)
    return d


def get(client: TestClient, day: KpiDay, path: str) -> dict[str, Any]:
    """A 200 answer of the analytics API."""
    r = client.get(f"/v1/analytics/{path}", headers=day.t.h("read"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _stops(day: KpiDay) -> list[tuple[int, int, dict[str, Any]]]:
    return [(k, i, s) for k in (0, 1) for i, s in enumerate(day.stops[k])]


def _routes_by_zone(day: KpiDay) -> dict[str | None, list[int]]:
    """Each van's route in the zone of most of its attempts (ties: a zone before none, then the smaller id)."""
    out: dict[str | None, list[int]] = {}
    for k in (0, 1):
        n: dict[str | None, int] = {}
        for stop in day.stops[k]:
            n[zone_by_hand(stop)] = n.get(zone_by_hand(stop), 0) + 1
        main = sorted(n, key=lambda z: (-n[z], z is None, z or ""))[0]
        out.setdefault(main, []).append(k)
    return out


def expected_by_zone(day: KpiDay) -> dict[str | None, dict[str, Any]]:
    """The KPIs of each zone counted from OUTCOMES and the zones of the stops' locations."""
    rows: dict[str | None, dict[str, Any]] = {}
    for k, i, stop in _stops(day):
        status, hhmm, reason, proof = OUTCOMES[k][i]
        g = rows.setdefault(zone_by_hand(stop), {"att": 0, "ok": 0, "on": 0, "late": 0, "proof": 0, "reasons": {},
                                                 "turn": 0, "sent": 0, "failed": 0, "ratings": []})  # fmt: skip
        g["att"] += 1
        g["turn"] += (k, i) in OUT_OF_TURN
        if status == "completed":
            g["ok"] += 1
            g["on"] += "09:00" <= hhmm <= "12:00"
            g["late"] += hhmm > "12:00"
            g["proof"] += proof
        else:
            g["reasons"][reason] = g["reasons"].get(reason, 0) + 1
        if k == 0:
            g["sent"] += MESSAGES[i][0]
            g["failed"] += MESSAGES[i][1]
        if (k, i) in RATINGS:
            g["ratings"].append(RATINGS[(k, i)])
    return rows


def _route_figures(day: KpiDay, vans: list[int]) -> dict[str, Any]:
    """Routes, cost, distance, CO2 and cost basis of the vans' routes (van 0 driven on its trail, van 1 planned)."""
    km = {0: TRAIL_M / 1000, 1: _route(day, 1)[0] / 1000}
    hours = {0: TRAIL_S / 3600, 1: _route(day, 1)[1] / 3600}
    co2 = {0: km[0] * DIESEL_G_KM, 1: km[1] * ELECTRIC_G_KM}
    return {"routes": len(vans), "cost_cents": round(sum(_cost(km[v], hours[v]) for v in vans)),
            "distance_m": round(sum(km[v] for v in vans) * 1000), "co2_g": round(sum(co2[v] for v in vans)),
            "cost_basis": {"driven_routes": int(0 in vans), "planned_routes": int(1 in vans)}}  # fmt: skip


def test_kpis_by_zone_match_the_hand_count_and_the_csv(client: TestClient, day: KpiDay) -> None:
    """Each zone holds the attempts, deliveries, failures, lateness, proofs, messages and ratings of its orders
    and the route figures of the routes mostly in it; the groups add up to the day; the CSV has the same rows."""
    zones = {s["order_id"]: zone_by_hand(s) for _, _, s in _stops(day)}
    assert set(zones.values()) == {"west", "east", None}  # the fixed day spans both zones and the outside
    body = get(client, day, f"kpis?{RANGE}&group_by=zone")
    hand, by_route = expected_by_zone(day), _routes_by_zone(day)
    keys = sorted(hand, key=lambda z: (z is None, z or ""))
    assert [(g["key"], g["label"]) for g in body["series"]] == [(z, NAMES[z]) for z in keys]
    for g in body["series"]:
        h, k = hand[g["key"]], g["kpis"]
        figures = {
            "attempts": h["att"], "deliveries": h["ok"], "failed_attempts": h["att"] - h["ok"],
            "failed_by_reason": dict(sorted(h["reasons"].items())), "late_deliveries": h["late"],
            "on_time_rate": round(h["on"] / h["ok"], 4) if h["ok"] else None,
            "first_attempt_rate": round(h["ok"] / h["att"], 4), "proof_rate": round(h["proof"] / h["ok"], 4)
            if h["ok"] else None, "messages_sent": h["sent"], "messages_failed": h["failed"],
            "ratings": len(h["ratings"]),
            "rating_mean": round(sum(h["ratings"]) / len(h["ratings"]), 2) if h["ratings"] else None,
        }  # fmt: skip
        assert {n: k[n] for n in figures} == figures, g["key"]
        assert k["planned_vs_actual"]["sequence_followed_rate"] == round((h["att"] - h["turn"]) / h["att"], 4)
        route = _route_figures(day, by_route.get(g["key"], []))
        assert {n: k[n] for n in route} == route, g["key"]
    total = get(client, day, f"kpis?{RANGE}&group_by=day")["total"]
    assert body["total"] == total
    r = client.get(f"/v1/analytics/kpis.csv?{RANGE}&group_by=zone", headers=day.t.h("read"))
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["group_by"], row["key"], row["label"]) for row in rows] == [
        ("zone", z or "", NAMES[z]) for z in keys] + [("zone", "total", "total")]  # fmt: skip
    for row, g in zip(rows, [*(g["kpis"] for g in body["series"]), body["total"]], strict=True):
        assert {c: row[c] for c in _flat(g)} == _flat(g)
    with platform_of(client).uow(day.t.org_id) as uow:  # re-attempts of failed orders are zoned when created
        retries = uow.session.execute(select(OrderRow.external_ref, OrderRow.zone_id).where(
            OrderRow.org_id == day.t.org_id, OrderRow.attempt > 1)).all()  # fmt: skip
        first = {o.external_ref: o.zone_id for o in uow.orders.all(OrderRow.attempt == 1)}
    assert len(retries) == 2 and all(zone == first[ref.split("#")[0]] for ref, zone in retries)


def _heat_by_hand(day: KpiDay, zone: str | None) -> list[dict[str, int]]:
    cells: dict[int, list[int]] = {}
    for k, i, stop in _stops(day):
        status, hhmm, _, _ = OUTCOMES[k][i]
        if zone_by_hand(stop) == zone:
            c = cells.setdefault(int(hhmm[:2]), [0, 0, 0])
            c[0] += 1
            c[1] += status == "failed"
            c[2] += status == "completed" and hhmm > "12:00"
    return [{"weekday": 1, "hour": h, "attempts": a, "failed": f, "late": late}
            for h, (a, f, late) in sorted(cells.items())]  # fmt: skip


def test_the_closed_day_rollup_by_zone_answers_as_the_record(client: TestClient, day: KpiDay) -> None:
    """The closed day is rolled up per zone too (kpi_zone_daily, kpi_zone_heat): KPIs by zone and each zone's
    heatmap (counted by hand) read from it are the numbers the record gives with the day still open."""
    p = platform_of(client)
    paths = [f"kpis?{RANGE}&group_by=zone", f"heatmap?{RANGE}", *(f"heatmap?{RANGE}&zone={z}" for z in
             ("west", "east", "none"))]  # fmt: skip
    rolled = [get(client, day, path) for path in paths]
    with p.uow(day.t.org_id) as uow:
        t = kpi_zone_daily.c
        keys = set(uow.session.scalars(select(t.zone_id).where(t.org_id == day.t.org_id)))
        per_route = uow.session.scalar(select(func.count()).select_from(kpi_daily).where(
            kpi_daily.c.org_id == day.t.org_id))  # fmt: skip
    assert keys == {"west", "east", ""}  # "": the orders outside every zone
    assert per_route == 2  # the per-route rollup keeps one row per driver and van (zones do not multiply it)
    clock, p.clock = p.clock, lambda: datetime.fromisoformat("2025-06-17T20:00:00+00:00")
    try:
        live = [get(client, day, path) for path in paths]
    finally:
        p.clock = clock
    assert live == rolled
    assert [h["cells"] for h in rolled[2:]] == [_heat_by_hand(day, z) for z in ("west", "east", None)]
    every = {(c["hour"]): c["attempts"] for c in rolled[1]["cells"]}
    assert sum(every.values()) == sum(c["attempts"] for h in rolled[2:] for c in h["cells"]) == 6


# per van and stop: the seconds the ETA was off (arrival - ETA) at 60 and 30 minutes ahead; None: no ETA given
ETA_OFF: dict[int, list[list[int | None]]] = {
    60: [[-300, 600, -1200], [900, 0, 1500]],
    30: [[-60, None, 240], [120, -30, None]],
}


def _set_etas(client: TestClient, day: KpiDay) -> None:
    """Store the ETAs of ETA_OFF on the worked stops (what the ETA engine would have kept; none 10 minutes
    ahead)."""
    p = platform_of(client)
    with p.uow(day.t.org_id) as uow:
        for k, i, stop in _stops(day):
            arrived = datetime.fromisoformat(at(OUTCOMES[k][i][1]))
            offs = {m: ETA_OFF[m][k][i] for m in (60, 30)}
            values = {f"eta_{m}": None if off is None else arrived - timedelta(seconds=off) for m, off in offs.items()}
            uow.session.execute(update(StopRow).where(StopRow.id == stop["id"]).values(eta_10=None, **values))
        uow.commit()


def _horizons(errors: dict[int, list[int]]) -> list[dict[str, Any]]:
    out = []
    for m in (60, 30, 10):
        e = errors.get(m, [])
        a = sorted(abs(x) for x in e)
        out.append({"minutes": m, "stops": len(e), "p50_abs_error_s": a[int(0.5 * (len(a) - 1))] if a else None,
                    "p90_abs_error_s": a[int(0.9 * (len(a) - 1))] if a else None,
                    "mean_error_s": round(sum(e) / len(e)) if e else None})  # fmt: skip
    return out


def test_eta_accuracy_by_zone_and_day_match_the_hand_count(client: TestClient, day: KpiDay) -> None:
    """Per zone and per day: stops, p50/p90 of |arrival - ETA| and the mean error of each horizon, from the
    stored ETAs and the first action on each stop; without group_by the answer is the range's alone."""
    _set_etas(client, day)
    per_zone: dict[str | None, dict[int, list[int]]] = {}
    every: dict[int, list[int]] = {}
    for k, i, stop in _stops(day):
        for m in (60, 30):
            off = ETA_OFF[m][k][i]
            if off is not None:
                per_zone.setdefault(zone_by_hand(stop), {}).setdefault(m, []).append(off)
                every.setdefault(m, []).append(off)
    plain = get(client, day, f"eta-accuracy?{RANGE}")
    assert plain["horizons"] == _horizons(every) and (plain["group_by"], plain["series"]) == (None, None)
    zoned = get(client, day, f"eta-accuracy?{RANGE}&group_by=zone")
    keys = sorted(per_zone, key=lambda z: (z is None, z or ""))
    assert zoned["group_by"] == "zone" and zoned["horizons"] == plain["horizons"]
    assert zoned["series"] == [{"key": z, "label": NAMES[z], "horizons": _horizons(per_zone[z])} for z in keys]
    by_day = get(client, day, f"eta-accuracy?{RANGE}&group_by=day")
    assert by_day["series"] == [{"key": "2025-06-17", "label": "2025-06-17", "horizons": _horizons(every)}]
    empty = get(client, day, "eta-accuracy?from=2024-01-01&to=2024-01-31&group_by=zone")
    assert empty["series"] == [] and empty["horizons"][0]["stops"] == 0


def _zones_of(client: TestClient, day: KpiDay) -> dict[str, str | None]:
    with platform_of(client).uow(day.t.org_id) as uow:
        return {o.id: o.zone_id for o in uow.orders.all()}


def test_zones_follow_the_policy_and_the_order_s_place(client: TestClient, day: KpiDay) -> None:
    """A new policy moves every order to its new zone and drops the rolled-up days; removing it puts every order
    outside; an order moved to another address takes the zone of its new place."""
    p = platform_of(client)
    depot = day.t.ids["depot"]
    before = get(client, day, f"kpis?{RANGE}&group_by=zone")  # rolls the closed day up
    wide = [{"id": "all", "name": "Everywhere", "depot_id": depot, "radius_m": 50_000}]
    put_policy(client, day, policy(depot, wide))
    with p.uow(day.t.org_id) as uow:
        assert uow.session.scalars(select(KpiDayRow.day).where(KpiDayRow.org_id == day.t.org_id)).all() == []
    assert set(_zones_of(client, day).values()) == {"all"}
    after = get(client, day, f"kpis?{RANGE}&group_by=zone")
    assert [(g["key"], g["label"]) for g in after["series"]] == [("all", "Everywhere")]
    assert after["series"][0]["kpis"] == after["total"] == before["total"]
    assert client.delete("/v1/slots/policy", headers=day.t.h()).status_code in (200, 204)
    assert set(_zones_of(client, day).values()) == {None}
    none = get(client, day, f"kpis?{RANGE}&group_by=zone")
    assert [(g["key"], g["label"]) for g in none["series"]] == [(None, "outside every zone")]
    put_policy(client, day, policy(depot))
    new = client.post("/v1/orders", json=day.t.order("MOVES", location={"lat": 38.60, "lng": -9.30}),
                      headers=day.t.h()).json()  # fmt: skip
    assert _zones_of(client, day)[new["id"]] is None
    moved = day.t.order("MOVES", location={"lat": 38.73, "lng": -9.16}, version=new["version"])
    assert client.put(f"/v1/orders/{new['id']}", json=moved, headers=day.t.h()).status_code == 200
    assert _zones_of(client, day)[new["id"]] == "west"


def test_zone_shapes_and_bad_zone_requests(client: TestClient, day: KpiDay) -> None:
    """The zones come shaped for the map (a polygon, a circle around the depot); a heatmap of an unknown zone is
    E1482, an ETA grouping other than day or zone is E1111, both with every problem at once."""
    shapes = get(client, day, "zones")["zones"]
    assert shapes == [
        {"id": "west", "name": "West bank", "depot_id": day.t.ids["depot"], "center": None, "radius_m": None,
         "polygon": [{"lat": a, "lng": b} for a, b in WEST]},
        {"id": "east", "name": "East hub", "depot_id": day.t.ids["depot"],
         "center": {"lat": DEPOT[0], "lng": DEPOT[1]}, "radius_m": EAST_M, "polygon": []},
    ]  # fmt: skip
    r = client.get(f"/v1/analytics/heatmap?{RANGE}&zone=north", headers=day.t.h("read"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1482"
    assert "west, east" in r.json()["error"]["message"]
    r = client.get("/v1/analytics/eta-accuracy?from=2025-06-18&to=2025-06-17&group_by=week", headers=day.t.h("read"))
    assert r.status_code == 422
    assert [(d["code"], d["loc"]) for d in r.json()["error"]["details"]] == [
        ("E1111", ["query", "group_by"]), ("E1480", ["query", "from"])]  # fmt: skip
    other = make_kpi_day(client)
    assert client.get("/v1/analytics/zones", headers=other.t.h("read")).json() == {"zones": []}
    r = client.get(f"/v1/analytics/heatmap?{RANGE}&zone=west", headers=other.t.h("read"))
    assert r.status_code == 422 and "no slot policy" in r.json()["error"]["message"]
