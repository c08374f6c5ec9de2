"""The demo day on a real extract: places sampled from OpenStreetMap, all connected to the hub by road."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.demo.osm import demo_problem_from_extract, extract_places
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.validate import validate_problem
from doorstep.routing.network_meta import read_meta
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE


def test_extract_places_finds_addresses_buildings_and_streets(monaco_pbf: Path) -> None:
    """Monaco has tagged addresses, thousands of buildings and named streets; labels read like addresses."""
    places = extract_places(monaco_pbf)
    kinds = {k: sum(p.kind == k for p in places) for k in ("address", "building", "street")}
    assert kinds["address"] > 50 and kinds["building"] > 1000 and kinds["street"] > 100
    first = next(p for p in places if p.kind == "address")
    assert any(ch.isdigit() for ch in first.label) and first.label[0].isalpha()


def test_demo_orders_are_real_connected_places(monaco_network: Path, monaco_pbf: Path) -> None:
    """60 orders inside the extract, each reachable from and back to the hub; same seed, same day; valid."""
    roads = OsrmLocalProvider(monaco_network)
    p = demo_problem_from_extract(monaco_pbf, roads, SpeedProfile.CAR, seed=3, orders=60)
    assert len(p.orders) == 60 and p.name.startswith("Demo day on monaco")
    box = read_meta(monaco_network).bbox
    assert all(box.contains(o.location) for o in p.orders) and box.contains(p.depots[0].location)
    m = roads.matrix([p.depots[0].location, *(o.location for o in p.orders)], SpeedProfile.CAR)
    assert (m.durations[0] < UNREACHABLE).all() and (m.durations[:, 0] < UNREACHABLE).all()
    assert p == demo_problem_from_extract(monaco_pbf, roads, SpeedProfile.CAR, seed=3, orders=60)
    assert [i for i in validate_problem(p) if i.code.startswith("E")] == []


def test_demo_command_with_network_draws_roads(monaco_network: Path, tmp_path: Path) -> None:
    """`doorstep demo --network` plans on road times and its map carries road paths and the ODbL credit."""
    result = CliRunner().invoke(app, ["demo", "--network", str(monaco_network), "--orders", "30", "--time-limit", "2",
                                      "--out", str(tmp_path), "--json"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)["plan"]
    assert doc["stats"]["provider"].startswith("osrm-local(monaco")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert '"path":[[' in page and "© OpenStreetMap contributors" in page
