"""`doorstep plan --load-sheets`: a PDF and a CSV load sheet per route beside the other outputs, and the picking
waves in plan.json."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

from tests.cli.test_commands import invoke, plan_examples


def test_load_sheets_are_written_per_route_in_reverse_stop_order(tmp_path: Path) -> None:
    """Every route gets load-sheets/<route>.pdf and .csv; the CSV's load rows are the route's deliveries of
    routes.csv in reverse; --json lists the files; the plan still checks clean."""
    result = plan_examples(tmp_path, "--time-limit", "1", "--load-sheets", "--json")
    assert result.exit_code == 0, result.output
    outputs = json.loads(result.stdout)["outputs"]
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    route_ids = [r["id"] for r in doc["plan"]["routes"]]
    assert route_ids
    with (tmp_path / "routes.csv").open(encoding="utf-8-sig") as f:
        stops = list(csv.DictReader(f))
    for rid in route_ids:
        pdf, sheet = tmp_path / "load-sheets" / f"{rid}.pdf", tmp_path / "load-sheets" / f"{rid}.csv"
        assert pdf.read_bytes().startswith(b"%PDF-")
        assert outputs[f"load_sheet_pdf:{rid}"] == str(pdf) and outputs[f"load_sheet_csv:{rid}"] == str(sheet)
        with sheet.open(encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        delivered = [s["order_ref"] for s in stops if s["route_id"] == rid and s["type"] == "delivery"]
        assert [r["order_ref"] for r in rows if r["section"] == "load"] == delivered[::-1]
    assert invoke("check", str(tmp_path / "plan.json")).exit_code == 0


def test_plan_json_lists_the_picking_waves(tmp_path: Path) -> None:
    """plan.json's waves hold every route with deliveries once, released at its departure minus 30 s per parcel
    and 600 s at the dock (the default settings), without --load-sheets too."""
    assert plan_examples(tmp_path, "--time-limit", "1").exit_code == 0
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    sizes = {o["id"]: o.get("size", {}).get("parcels", 1) for o in doc["problem"]["orders"]}
    want = {}
    for r in doc["plan"]["routes"]:
        parcels = sum(sizes[s["order_id"]] for s in r["stops"] if s["type"] == "delivery")
        departure = datetime.fromisoformat(r["stops"][0]["departure"])
        if parcels:  # a route that loads nothing has nothing to pick
            want[r["id"]] = (departure - timedelta(seconds=30 * parcels + 600), parcels)
    got = {
        x["route_id"]: (datetime.fromisoformat(x["release_at"]), x["parcels"])
        for w in doc["waves"]
        for x in w["routes"]
    }
    assert got == want
    assert [w["number"] for w in doc["waves"]] == list(range(1, len(doc["waves"]) + 1))
    assert [w["parcels"] for w in doc["waves"]] == [sum(x["parcels"] for x in w["routes"]) for w in doc["waves"]]
    assert not (tmp_path / "load-sheets").exists()
