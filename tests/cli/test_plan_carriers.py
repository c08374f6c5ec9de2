"""`doorstep plan --carriers carriers.json`: the planning job's overflow step on a CLI plan. A remote order cheaper
with a (manifest) carrier is offered in plan.json, in --json and in the summary, with its saving; with the carrier
too expensive it stays on its route and nothing is offered. No network is needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.test_commands import invoke

FLEET = {
    "doorstep": "fleet/1", "name": "Carrier test",
    "depots": [{"id": "dep_hub", "name": "Hub", "location": {"lat": 38.7436, "lng": -9.1030},
                "timezone": "Europe/Lisbon"}],
    "vehicle_types": [{"id": "vty_van", "name": "Van", "capacity": {"parcels": 50}, "cost_per_km_cents": 40,
                       "cost_per_hour_cents": 2000}],
    "vehicles": [{"id": "veh_1", "name": "Van 1", "vehicle_type_id": "vty_van", "start_depot_id": "dep_hub",
                  "shift_start": "08:00", "shift_end": "18:00"}],
}  # fmt: skip
ORDERS = """order_id,lat,lng,address,window_start,window_end,service,parcels
N-1,38.720,-9.140,Rua Augusta 1,09:00,17:00,3m,1
N-2,38.725,-9.150,Rua Garrett 2,09:00,17:00,3m,1
N-3,38.730,-9.145,Rua da Prata 3,09:00,17:00,3m,1
N-4,38.740,-9.130,Avenida de Roma 4,09:00,17:00,3m,1
FAR-1,38.720,-8.760,Far away 1,09:00,17:00,3m,1
"""


def carriers(base_cents: int) -> list[dict[str, Any]]:
    """One manifest carrier serving 60 km around the hub at ``base_cents`` + 0.10 per km (no secret, no URL)."""
    return [{"id": "car_city", "name": "CityCourier", "kind": "manifest", "price": {"base_cents": base_cents,
             "per_km_cents": 10}, "service_areas": [{"depot_id": "dep_hub", "radius_m": 60_000}]}]  # fmt: skip


def plan_with(tmp_path: Path, base_cents: int, *extra: str) -> Any:
    """Plan the five orders with the carrier at ``base_cents`` into tmp_path/out."""
    (tmp_path / "fleet.json").write_text(json.dumps(FLEET), encoding="utf-8")
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "carriers.json").write_text(json.dumps(carriers(base_cents)), encoding="utf-8")
    return invoke("plan", str(tmp_path / "orders.csv"), "--fleet", str(tmp_path / "fleet.json"), "--carriers",
                  str(tmp_path / "carriers.json"), "--date", "2099-06-17", "--time-limit", "1", "--out",
                  str(tmp_path / "out"), *extra)  # fmt: skip


def routed(doc: dict[str, Any]) -> set[str]:
    """External references of the orders on the plan's routes."""
    return {s["external_ref"] for r in doc["plan"]["routes"] for s in r["stops"] if s.get("order_id")}


def test_a_remote_order_cheaper_with_the_carrier_is_offered_with_its_saving(tmp_path: Path) -> None:
    """FAR-1 (30 km out) is offered at the rate card's price; its saving is the route's cost with it minus without
    it, minus the price, and positive; the route keeps it (an offer is a proposal) and checks clean; --json and the
    summary table say the same."""
    result = plan_with(tmp_path, 500, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    [offer] = doc["plan"]["carrier_offers"]
    assert (offer["external_ref"], offer["carrier_id"], offer["carrier_name"], offer["status"]) == (
        "FAR-1", "car_city", "CityCourier", "open",
    )  # fmt: skip
    far = next(o for o in doc["problem"]["orders"] if o["external_ref"] == "FAR-1")
    assert offer["route_id"] == doc["plan"]["routes"][0]["id"] and far["id"] == offer["order_id"]
    assert 500 < offer["price_cents"] < 500 + 10 * 40  # base + 0.10 per km of some 33 km, straight line
    assert offer["saving_cents"] == offer["route_cost_cents"] - offer["price_cents"] > 0
    assert offer["reason"] == f"cheaper by {offer['saving_cents'] / 100:.2f} €"
    assert "FAR-1" in routed(doc)
    assert json.loads(result.stdout)["plan"]["carrier_offers"] == doc["plan"]["carrier_offers"]
    assert invoke("check", str(tmp_path / "out" / "plan.json")).exit_code == 0

    table = plan_with(tmp_path, 500)
    assert table.exit_code == 0, table.output
    assert "Carrier offers (1)" in table.output
    row = next(line for line in table.output.splitlines() if "FAR-1" in line)
    assert "CityCourier" in row and f"{offer['price_cents'] / 100:.2f}" in row


def test_with_the_carrier_too_expensive_the_order_stays_on_its_route(tmp_path: Path) -> None:
    """A 500.00 base price: nothing is offered (an empty carrier_offers list says the step ran) and FAR-1 is on
    the route like the others."""
    result = plan_with(tmp_path, 50_000, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["plan"]["carrier_offers"] == []
    assert routed(doc) == {"N-1", "N-2", "N-3", "N-4", "FAR-1"}


def test_without_carriers_plan_json_has_no_offers_and_a_bad_file_is_refused(tmp_path: Path) -> None:
    """Without --carriers plan.json carries no carrier_offers key (as before); a carrier naming a depot the fleet
    lacks is E1645 with exit 2 (bad input) and nothing written."""
    (tmp_path / "fleet.json").write_text(json.dumps(FLEET), encoding="utf-8")
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    plain = invoke("plan", str(tmp_path / "orders.csv"), "--fleet", str(tmp_path / "fleet.json"), "--date",
                   "2099-06-17", "--time-limit", "1", "--out", str(tmp_path / "plain"))  # fmt: skip
    assert plain.exit_code == 0, plain.output
    assert "carrier_offers" not in json.loads((tmp_path / "plain" / "plan.json").read_text(encoding="utf-8"))["plan"]
    bad = carriers(500)
    bad[0]["service_areas"][0]["depot_id"] = "dep_other"
    (tmp_path / "carriers.json").write_text(json.dumps(bad), encoding="utf-8")
    refused = invoke("plan", str(tmp_path / "orders.csv"), "--fleet", str(tmp_path / "fleet.json"), "--carriers",
                     str(tmp_path / "carriers.json"), "--json", "--out", str(tmp_path / "bad"))  # fmt: skip
    assert refused.exit_code == 2  # bad input
    error = json.loads(refused.stdout)["error"]
    assert (error["code"], error["details"][0]["loc"]) == ("E1645", ["carriers", 0, "service_areas", 0, "depot_id"])
    assert not (tmp_path / "bad").exists()
