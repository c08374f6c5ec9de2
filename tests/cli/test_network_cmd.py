"""`doorstep network build|info|matrix` and `doorstep plan --network` end to end on the Monaco extract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.domain.geo import LatLng

runner = CliRunner()
SEA = {"lat": 43.73, "lng": 7.45}


def invoke(*args: str) -> Any:
    """Run the CLI in-process."""
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_build_prints_phases_and_writes_metadata(monaco_pbf: Path, tmp_path: Path) -> None:
    """`network build --profile van --algorithm ch --json` exits 0 and prints the metadata it wrote."""
    out = tmp_path / "net"
    result = invoke("network", "build", str(monaco_pbf), "--out", str(out), "--profile", "van", "--algorithm", "ch",
                    "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = json.loads(result.output)
    assert meta["profile"] == "van" and meta["algorithm"] == "ch"
    assert list(meta["build_seconds"]) == ["check", "extract", "contract", "addresses"]
    assert json.loads((out / "network.json").read_text(encoding="utf-8")) == meta
    shown = invoke("network", "info", str(out))
    assert shown.exit_code == 0 and "van" in shown.output and meta["source_sha256"][:16] in shown.output


def test_build_errors_exit_2_with_their_code(monaco_pbf: Path, tmp_path: Path) -> None:
    """Unknown profile (E3001) and a missing extract (E3002) exit 2 with the envelope."""
    bad = invoke("network", "build", str(monaco_pbf), "--out", str(tmp_path / "n"), "--profile", "boat", "--json")
    assert bad.exit_code == 2 and json.loads(bad.output)["error"]["code"] == "E3001"
    gone = invoke("network", "build", str(tmp_path / "x.osm.pbf"), "--out", str(tmp_path / "n"), "--json")
    assert gone.exit_code == 2 and json.loads(gone.output)["error"]["code"] == "E3002"


def test_info_of_a_folder_that_is_no_network_is_e3005(tmp_path: Path) -> None:
    """`network info` on an ordinary folder exits 2 with E3005 and says how to build one."""
    result = invoke("network", "info", str(tmp_path), "--json")
    assert result.exit_code == 2
    err = json.loads(result.output)["error"]
    assert err["code"] == "E3005" and "doorstep network build" in err["action"]


def test_matrix_writes_durations_distances_and_snaps(
    monaco_network: Path, monaco_points: list[LatLng], tmp_path: Path
) -> None:
    """The matrix file has square integer matrices, null (not 0) for the sea point, and a snap per point."""
    points = [{"lat": p.lat, "lng": p.lng} for p in monaco_points[:8]] + [SEA]
    src, out = tmp_path / "points.json", tmp_path / "m.json"
    src.write_text(json.dumps(points), encoding="utf-8")
    result = invoke("network", "matrix", str(monaco_network), str(src), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["durations"]) == len(doc["distances"]) == len(doc["snapped"]) == 9
    assert all(len(row) == 9 for row in doc["durations"])
    assert doc["durations"][8][:8] == [None] * 8 and doc["durations"][0][8] is None
    assert all(isinstance(v, int) for row in doc["durations"][:8] for v in row[:8])
    assert doc["durations"][0][0] == 0 and doc["durations"][0][1] > 0
    assert doc["snapped"][0]["snap_distance_m"] < 5 and doc["snapped"][8]["snap_distance_m"] > 250
    assert [w["code"] for w in doc["warnings"]] == ["W3001"]
    assert doc["attribution"] == "© OpenStreetMap contributors"


def test_matrix_rejects_a_bad_points_file_listing_every_problem(monaco_network: Path, tmp_path: Path) -> None:
    """Entries without numbers are E3011 and out-of-range ones E1105, all reported at once."""
    src = tmp_path / "points.json"
    src.write_text(json.dumps([{"lat": 43.7, "lng": 7.4}, {"lat": "x"}, {"lat": 95, "lng": 7.4}]), encoding="utf-8")
    result = invoke("network", "matrix", str(monaco_network), str(src), "--out", str(tmp_path / "m.json"), "--json")
    assert result.exit_code == 2
    details = json.loads(result.output)["error"]["details"]
    assert [d["code"] for d in details] == ["E3011", "E1105"]
    src.write_text("{}", encoding="utf-8")
    result = invoke("network", "matrix", str(monaco_network), str(src), "--out", str(tmp_path / "m.json"), "--json")
    assert json.loads(result.output)["error"]["code"] == "E3011"


def write_monaco_day(tmp_path: Path, points: list[LatLng]) -> tuple[Path, Path]:
    """An orders CSV (the points plus one in the sea) and a one-van fleet at the port of Monaco."""
    orders = tmp_path / "orders.csv"
    rows = ["order_id,lat,lng"] + [f"MC-{i},{p.lat},{p.lng}" for i, p in enumerate(points)]
    orders.write_text("\n".join([*rows, f"MC-SEA,{SEA['lat']},{SEA['lng']}"]) + "\n", encoding="utf-8")
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps({
        "doorstep": "fleet/1",
        "depots": [{"id": "dep_mc", "name": "Port", "location": {"lat": 43.7347, "lng": 7.4206},
                    "timezone": "Europe/Monaco"}],
        "vehicle_types": [{"id": "vty_car", "name": "Car", "capacity": {"parcels": 100}, "profile": "car"}],
        "vehicles": [{"id": "veh_1", "vehicle_type_id": "vty_car", "start_depot_id": "dep_mc",
                      "shift_start": "08:00", "shift_end": "17:00"}],
    }), encoding="utf-8")  # fmt: skip
    return orders, fleet


def test_plan_with_network_draws_roads_and_reports_the_unreachable_order(
    monaco_network: Path, monaco_points: list[LatLng], tmp_path: Path
) -> None:
    """`plan --network`: road travel model, the sea order UNREACHABLE, map and GeoJSON follow roads with ODbL credit."""
    orders, fleet = write_monaco_day(tmp_path, monaco_points[30:45])
    out = tmp_path / "out"
    result = invoke("plan", str(orders), "--fleet", str(fleet), "--network", str(monaco_network), "--out", str(out),
                    "--time-limit", "2", "--date", "2026-11-23", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)["plan"]
    assert doc["stats"]["provider"].startswith("osrm-local(monaco, car")
    assert [(u["external_ref"], u["reason"]) for u in doc["unassigned"]] == [("MC-SEA", "UNREACHABLE")]
    assert "W3001" in {w["code"] for w in doc["warnings"]}
    geo = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))
    assert geo["attribution"] == "© OpenStreetMap contributors"
    line = next(f for f in geo["features"] if f["properties"]["kind"] == "route")
    assert line["properties"]["line"] == "roads"
    assert len(line["geometry"]["coordinates"]) > line["properties"]["stops"] + 2
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "OpenStreetMap contributors" in page and '"path":[[' in page
    checked = invoke("check", str(out / "plan.json"), "--network", str(monaco_network), "--json")
    assert checked.exit_code == 0, checked.output  # re-checked on the same road times


def test_plan_with_a_missing_network_is_e3005(tmp_path: Path, monaco_points: list[LatLng]) -> None:
    """A --network folder that does not exist stops the plan with E3005 (exit 2) before solving."""
    orders, fleet = write_monaco_day(tmp_path, monaco_points[:3])
    result = invoke("plan", str(orders), "--fleet", str(fleet), "--network", str(tmp_path / "nope"), "--out",
                    str(tmp_path / "out"), "--json")  # fmt: skip
    assert result.exit_code == 2 and json.loads(result.output)["error"]["code"] == "E3005"


def test_plan_with_a_dead_routing_server_completes_on_straight_lines(
    tmp_path: Path, monaco_points: list[LatLng]
) -> None:
    """`plan --osrm-url` with nothing listening still plans (exit 0), on straight lines, with W3003 on the plan."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    orders, fleet = write_monaco_day(tmp_path, monaco_points[:4])
    result = runner.invoke(app, ["plan", str(orders), "--fleet", str(fleet), "--osrm-url", f"http://127.0.0.1:{port}",
                                 "--out", str(tmp_path / "out"), "--time-limit", "1", "--json"],
                           env={"DOORSTEP_ROUTER_TIMEOUT_S": "2"}, catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)["plan"]
    assert "W3003" in {w["code"] for w in doc["warnings"]}
    assert (
        doc["stats"]["provider"].startswith("straight-line") and "fallback from osrm-http" in doc["stats"]["provider"]
    )


def _zone_feature(zid: str, lng: float) -> dict[str, Any]:
    """A small square GeoJSON Feature zone in Monaco (no vehicle types: the build uses the area only)."""
    ring = [[lng, 43.738], [lng + 0.002, 43.738], [lng + 0.002, 43.740], [lng, 43.740], [lng, 43.738]]
    return {"type": "Feature", "id": zid, "properties": {"name": zid}, "geometry": {"type": "Polygon",
            "coordinates": [ring]}}  # fmt: skip


def test_build_with_too_many_zones_is_e3014_before_any_tool_runs(monaco_pbf: Path, tmp_path: Path) -> None:
    """`--zones` with a FeatureCollection of 3 zones on a car network exits 2 with E3014 and builds nothing."""
    zones = tmp_path / "zones.geojson"
    features = [_zone_feature(f"zon_{k}", 7.420 + 0.003 * k) for k in range(3)]
    zones.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = invoke("network", "build", str(monaco_pbf), "--out", str(tmp_path / "n"), "--zones", str(zones), "--json")
    assert result.exit_code == 2
    err = json.loads(result.output)["error"]
    assert err["code"] == "E3014" and "3 access zones (zon_0, zon_1, zon_2)" in err["message"]
    assert not (tmp_path / "n" / "network.json").exists()
