"""Spreadsheet rows with an address and no coordinates, placed by the road network's address index: in the reader
(every problem at its row and cell, at once) and through `doorstep plan --network` on real roads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.domain.errors import DoorstepError
from doorstep.domain.geo import haversine_m
from doorstep.formats.load import load_problem
from doorstep.routing.address_lookup import LocalGeocoder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MONACO_HUB = {"lat": 43.7320, "lng": 7.4180}


def _fleet(tmp_path: Path) -> Path:
    """The example fleet, its depot moved to Monaco's harbour, its motor vehicles only (the test network is a car
    one)."""
    fleet = json.loads((EXAMPLES / "fleet.json").read_text(encoding="utf-8"))
    fleet["vehicle_types"] = [t for t in fleet["vehicle_types"] if t.get("profile", "car") in ("car", "van")]
    motor = {t["id"] for t in fleet["vehicle_types"]}
    fleet["vehicles"] = [v for v in fleet["vehicles"] if v["vehicle_type_id"] in motor]
    fleet["depots"][0].update(location=MONACO_HUB, timezone="Europe/Monaco", address="Port Hercule")
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(fleet), encoding="utf-8")
    return path


def _csv(tmp_path: Path, rows: list[str], header: str = "order_id,address,window_start,window_end,parcels") -> Path:
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_rows_with_an_address_only_are_placed_and_approximate_ones_warned(monaco_network: Path, tmp_path: Path) -> None:
    """Two rows by address (one at its house, one on its street: W1212 at its row) and one with coordinates kept
    as given; no lat/lng columns are needed when a geocoder is at hand."""
    coder = LocalGeocoder(monaco_network)
    rows = ['M-1,"6 Quai Antoine 1er, 98000 Monaco",09:00,12:00,1', 'M-2,"Avenue Princesse Grace 21",,,2']
    loaded = load_problem(_csv(tmp_path, rows), _fleet(tmp_path), geocoder=coder)
    by_ref = {o.external_ref: o for o in loaded.problem.orders}
    house = coder.geocode("6 Quai Antoine 1er").best
    assert house is not None and haversine_m(by_ref["M-1"].location, house.location) < 1.0
    assert by_ref["M-1"].address == "6 Quai Antoine 1er, 98000 Monaco"  # kept as written, for people and maps
    assert by_ref["M-1"].geocoded is not None and by_ref["M-1"].geocoded.precision == "address"
    assert by_ref["M-2"].geocoded is not None and by_ref["M-2"].geocoded.precision == "street"
    warned = [w for w in loaded.warnings if w.code == "W1212"]
    assert [w.loc[:3] for w in warned] == [("row", 3, "address")]
    assert warned[0].id == "M-2" and warned[0].message.startswith("row 3, column address:")

    mixed = _csv(tmp_path, ['M-3,"Rue Grimaldi",43.7310,7.4190', 'M-4,"6 Quai Antoine 1er, Monaco",,'],
                 header="order_id,address,lat,lng")  # fmt: skip
    got = {o.external_ref: o for o in load_problem(mixed, _fleet(tmp_path), geocoder=coder).problem.orders}
    given = got["M-3"]
    assert (given.location.lat, given.location.lng) == (43.7310, 7.4190)  # coordinates given win over the address
    assert given.geocoded is None
    assert haversine_m(got["M-4"].location, house.location) < 1.0


def test_every_address_that_cannot_be_placed_is_reported_at_once(monaco_network: Path, tmp_path: Path) -> None:
    """An unknown street (E1134) and a row with neither coordinates nor address (E1102) both come back, each at
    its row; with --skip-invalid the good row is kept and the bad ones listed (W1205)."""
    rows = ['B-1,"Zyxwvutstraße 3, Monaco",,,1', "B-2,,,,1", 'B-3,"6 Quai Antoine 1er",,,1']
    path = _csv(tmp_path, rows)
    coder = LocalGeocoder(monaco_network)
    with pytest.raises(DoorstepError) as exc:
        load_problem(path, _fleet(tmp_path), geocoder=coder)
    found = {(i.code, i.loc[1]) for i in exc.value.issues}
    assert ("E1134", 2) in found and any(code == "E1102" and row == 3 for code, row in found)
    kept = load_problem(path, _fleet(tmp_path), geocoder=coder, skip_invalid=True)
    assert [o.external_ref for o in kept.problem.orders] == ["B-3"]
    assert sorted(i.loc[1] for i in kept.skipped) == [2, 3]


def test_without_a_geocoder_the_coordinates_stay_required(tmp_path: Path) -> None:
    """No network index: a table without lat/lng is E1101, as before."""
    with pytest.raises(DoorstepError) as exc:
        load_problem(_csv(tmp_path, ['A-1,"6 Quai Antoine 1er",,,1']), _fleet(tmp_path))
    assert [i.code for i in exc.value.issues] == ["E1101"]


def test_plan_with_a_network_places_addresses_and_routes_them_on_its_roads(
    monaco_network: Path, tmp_path: Path
) -> None:
    """`doorstep plan orders.csv --fleet … --network DIR`: rows by address are placed by the network's index and
    planned on its roads; the W1212 warning is printed with the plan."""
    rows = ['P-1,"6 Quai Antoine 1er, Monaco",09:00,12:00,1', 'P-2,"Avenue Princesse Grace",,,1',
            'P-3,"Boulevard des Moulins, Monaco",,,1']  # fmt: skip
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["plan", str(_csv(tmp_path, rows)), "--fleet", str(_fleet(tmp_path)),
                                   "--network", str(monaco_network), "--time-limit", "1", "--out", str(out),
                                   "--date", "2026-12-08", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    served = {s["external_ref"] for r in plan["plan"]["routes"] for s in r["stops"] if s["external_ref"]}
    assert served == {"P-1", "P-2", "P-3"}
    assert "W1212" in res.output
