"""The `doorstep` commands as a user runs them: files written, exit codes, the JSON envelope."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from doorstep.cli import run as run_module
from doorstep.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    """Run the CLI in-process and return the click Result."""
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def plan_examples(out: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    """Plan the example CSV with the example fleet into ``out``."""
    orders, fleet = str(EXAMPLES / "orders.csv"), str(EXAMPLES / "fleet.json")
    return invoke("plan", orders, "--fleet", fleet, "--out", str(out), *extra, env=env)


def test_plan_writes_every_output_and_the_plan_checks_clean(tmp_path: Path) -> None:
    """Exit 0, the four files exist, and `doorstep check` on the written plan exits 0."""
    result = plan_examples(tmp_path, "--time-limit", "1")
    assert result.exit_code == 0, result.output
    for name in ("plan.json", "routes.csv", "routes.geojson", "map.html"):
        assert (tmp_path / name).stat().st_size > 0
    check = invoke("check", str(tmp_path / "plan.json"))
    assert check.exit_code == 0, check.output
    assert "no violations" in check.output


def test_json_result_lists_routes_unassigned_and_outputs(tmp_path: Path) -> None:
    """--json prints only a JSON document whose counts agree with plan.json."""
    result = plan_examples(tmp_path, "--time-limit", "1", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    written = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert doc["plan"]["id"] == written["plan"]["id"]
    stats = doc["plan"]["stats"]
    assert stats["orders_assigned"] + len(doc["plan"]["unassigned"]) == stats["orders_total"] == 20
    assert set(doc["outputs"]) == {"plan", "routes_csv", "geojson", "map"}


def test_settings_supply_defaults_for_omitted_options(tmp_path: Path) -> None:
    """DOORSTEP_TIME_LIMIT_S and DOORSTEP_SEED are used when --time-limit/--seed are not given."""
    result = plan_examples(tmp_path, "--json", env={"DOORSTEP_TIME_LIMIT_S": "0.7", "DOORSTEP_SEED": "5"})
    assert result.exit_code == 0
    stats = json.loads(result.stdout)["plan"]["stats"]
    assert (stats["time_limit_s"], stats["seed"]) == (0.7, 5)


def test_bad_rows_exit_2_with_every_error_in_the_envelope(tmp_path: Path) -> None:
    """A CSV with two bad rows: exit 2, E1000 with both rows named, nothing written."""
    bad = tmp_path / "bad.csv"
    bad.write_text("ref,lat,lng,window_start,window_end\nA,38.72,-9.14,11:00,09:00\nB,138.7,-9.1,,\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("plan", str(bad), "--fleet", str(EXAMPLES / "fleet.json"), "--out", str(out), "--json")
    assert result.exit_code == 2
    err = json.loads(result.stdout)["error"]
    assert err["code"] == "E1000"
    assert sorted((d["code"], d["loc"][1]) for d in err["details"]) == [("E1104", 2), ("E1106", 3)]
    assert not out.exists()


def test_skip_invalid_plans_the_good_rows_and_reports_the_rest(tmp_path: Path) -> None:
    """--skip-invalid: exit 0, the bad row is a W1205 warning and the good one is planned."""
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("ref,lat,lng\nGOOD,38.72,-9.14\nBAD,38.72,oops\n", encoding="utf-8")
    result = invoke(
        "plan", str(mixed), "--fleet", str(EXAMPLES / "fleet.json"), "--out", str(tmp_path / "o"),
        "--time-limit", "0.5", "--skip-invalid", "--json",
    )  # fmt: skip
    assert result.exit_code == 0
    doc = json.loads(result.stdout)["plan"]
    assert doc["stats"]["orders_total"] == 1
    assert [w["code"] for w in doc["warnings"]] == ["W1205"]


def test_invalid_solver_option_is_e1119(tmp_path: Path) -> None:
    """A negative time limit is refused before anything is read."""
    result = plan_examples(tmp_path, "--time-limit", "-3", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "E1119"


def test_internal_error_exits_1_with_a_generic_message_and_a_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception becomes E5001 (no traceback on screen); the traceback is in the log file."""

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(run_module, "make_plan", boom)
    result = plan_examples(tmp_path, "--time-limit", "1", "--json")
    assert result.exit_code == 1
    err = json.loads(result.stdout)["error"]
    assert err["code"] == "E5001"
    assert "solver exploded" not in result.stdout
    log = Path(err["action"].split("Log: ")[1])
    assert "solver exploded" in log.read_text(encoding="utf-8")


def test_vroom_input_and_output(tmp_path: Path) -> None:
    """A VROOM problem needs no fleet; --output-format vroom writes VROOM-shaped steps and a summary."""
    result = invoke(
        "plan", str(EXAMPLES / "vroom-problem.json"), "--out", str(tmp_path), "--output-format", "vroom",
        "--time-limit", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sol = json.loads((tmp_path / "solution.vroom.json").read_text(encoding="utf-8"))
    assert {"code", "summary", "routes", "unassigned"} <= sol.keys()
    for route in sol["routes"]:
        types = [s["type"] for s in route["steps"]]
        assert types[0] == "start" and types[-1] == "end"
        arrivals = [s["arrival"] for s in route["steps"]]
        assert arrivals == sorted(arrivals)
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert doc["options"]["objective"] == "travel_cost"  # VROOM's meaning of its costs, unless told otherwise


def test_objective_option_overrides_the_vroom_default(tmp_path: Path) -> None:
    """--objective duration on VROOM input is kept as given."""
    result = invoke(
        "plan", str(EXAMPLES / "vroom-problem.json"), "--out", str(tmp_path), "--objective", "duration",
        "--time-limit", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["options"]["objective"] == "duration"


def test_check_finds_a_hand_made_violation(tmp_path: Path) -> None:
    """Claiming a stop is reached an hour before the route even leaves: exit 3, violations listed in --json."""
    assert plan_examples(tmp_path, "--time-limit", "1").exit_code == 0
    path = tmp_path / "plan.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    stops = doc["plan"]["routes"][0]["stops"]
    visit = next(s for s in stops if s["type"] not in ("start", "end", "break"))
    visit["arrival"] = (datetime.fromisoformat(stops[0]["departure"]) - timedelta(hours=1)).isoformat()
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = invoke("check", str(path), "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert any(v["kind"] == "SCHEDULE" for v in report["violations"])


def test_check_of_a_broken_file_is_bad_input(tmp_path: Path) -> None:
    """A plan file that is not JSON gives E1005 and exit 2."""
    path = tmp_path / "plan.json"
    path.write_text("{not json", encoding="utf-8")
    result = invoke("check", str(path), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "E1005"


def test_demo_plans_a_small_day(tmp_path: Path) -> None:
    """`doorstep demo` with 40 orders writes its outputs and assigns every order."""
    result = invoke("demo", "--orders", "40", "--time-limit", "2", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)["plan"]["stats"]
    assert stats["orders_total"] == 40
    assert (tmp_path / "map.html").exists()


def test_schema_prints_the_published_json_schema() -> None:
    """`doorstep schema fleet` prints a JSON Schema document."""
    result = invoke("schema", "fleet")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"].startswith("https://json-schema.org/")


def test_check_uses_the_configured_travel_model_and_says_when_it_differs(tmp_path: Path) -> None:
    """A plan made with DOORSTEP_CIRCUITY=1.6 checks clean under the same setting; under the default the check
    says the travel models differ."""
    slow = {"DOORSTEP_CIRCUITY": "1.6"}
    assert plan_examples(tmp_path, "--time-limit", "1", env=slow).exit_code == 0
    same = invoke("check", str(tmp_path / "plan.json"), "--json", env=slow)
    doc = json.loads(same.stdout)
    assert same.exit_code == 0 and doc["warning"] is None and doc["travel_model"] == "straight-line(x1.6)"
    other = json.loads(invoke("check", str(tmp_path / "plan.json"), "--json").stdout)
    assert other["warning"] is not None and "x1.6" in other["warning"] and "x1.3" in other["warning"]


def test_json_log_lines() -> None:
    """Served logs are one JSON object per line with level, logger, message and any traceback."""
    import json
    import logging

    from doorstep.cli.logs import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("doorstep.api", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["message"] == "failed x" and "ValueError: boom" in line["exception"]


def test_serve_and_db_commands_are_registered() -> None:
    """`doorstep serve`, `db upgrade` and `org create` exist with their options."""
    from typer.testing import CliRunner

    from doorstep.cli.main import app

    runner = CliRunner()
    assert "--demo" in runner.invoke(app, ["serve", "--help"]).output
    assert runner.invoke(app, ["db", "upgrade", "--help"]).exit_code == 0
    assert "--admin-email" in runner.invoke(app, ["org", "create", "--help"]).output


def test_db_upgrade_and_org_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`db upgrade` creates the SQLite file; `org create` makes an organization whose admin can log in."""
    from typer.testing import CliRunner

    from doorstep.cli.main import app
    from doorstep.services.accounts.accounts import login
    from doorstep.services.kernel.platform import Platform
    from doorstep.store.engine import make_engine, make_session_factory

    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "data" / "doorstep.sqlite").exists()
    args = [
        "org",
        "create",
        "--name",
        "Cli courier",
        "--admin-email",
        "cli@example.com",
        "--admin-password",
        "long enough pw",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "organization org_" in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'doorstep.sqlite'}")
    assert login(Platform(sessions=make_session_factory(engine)), "cli@example.com", "long enough pw").role is not None
    bad = runner.invoke(app, [*args[:-1], "short"])
    assert bad.exit_code == 2


def test_plan_makes_one_visit_of_a_pickup_points_orders(tmp_path: Path) -> None:
    """A Doorstep JSON problem whose orders name one pickup point at one place (each 310 s alone, 300 s of it the
    point's handover): `doorstep plan` serves them as the platform does, back to back on one route with no driving
    between them and the handover paid once (310 + 10 + 10 s), and `doorstep check` finds the plan clean."""
    point = {"lat": 38.7139, "lng": -9.1394}
    orders = [{"external_ref": f"P{k}", "location": point, "pickup_point_id": "pup_rossio", "service_s": 310,
               "handover_s": 300, "time_windows": [{"start": "10:00", "end": "17:00"}]} for k in range(3)]  # fmt: skip
    orders += [{"external_ref": f"H{k}", "location": {"lat": 38.70 + 0.01 * k, "lng": -9.16 + 0.015 * k}}
               for k in range(4)]  # fmt: skip
    doc = {
        "doorstep": "problem/1", "date": "2025-03-18",
        "depots": [{"name": "Hub", "location": {"lat": 38.7436, "lng": -9.103}, "timezone": "Europe/Lisbon"}],
        "vehicle_types": [{"name": "Van", "capacity": {"parcels": 50}, "cost_per_hour_cents": 2000}],
        "vehicles": [{"name": f"Van {v}", "vehicle_type_id": "Van", "start_depot_id": "Hub", "shift_start": "08:00",
                      "shift_end": "18:00"} for v in (1, 2)],
        "orders": orders,
    }  # fmt: skip
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = invoke("plan", str(path), "--out", str(tmp_path / "out"), "--time-limit", "1", "--json")
    assert result.exit_code == 0, result.output
    stored = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    routes = stored["plan"]["routes"]
    visits = [(r["id"], k, s) for r in routes for k, s in enumerate(r["stops"]) if s.get("external_ref", "")[:1] == "P"]
    assert len({rid for rid, _, _ in visits}) == 1 and [k for _, k, _ in visits] == list(
        range(visits[0][1], visits[0][1] + 3)
    )
    stops = [s for _, _, s in visits]
    assert [s["external_ref"] for s in stops] == ["P0", "P1", "P2"]
    assert [s["service_s"] for s in stops] == [310, 10, 10] and [s["travel_s"] for s in stops[1:]] == [0, 0]
    check = invoke("check", str(tmp_path / "out" / "plan.json"), "--json")
    assert check.exit_code == 0, check.output


def test_plan_splits_a_day_in_parts_when_told_and_the_plan_checks_clean(tmp_path: Path) -> None:
    """`--split-above 10 --part-orders 10` plans the 20 example orders in two parts (the two cold orders with
    the one cold van): the plan says so, leaves out only what the plan in one model leaves out, with the same
    reasons, and `doorstep check` finds nothing."""
    result = plan_examples(tmp_path, "--time-limit", "3", "--split-above", "10", "--part-orders", "10", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert any(w["code"] == "W1746" and "2 parts" in w["message"] for w in doc["plan"]["warnings"])
    whole = json.loads(plan_examples(tmp_path / "whole", "--time-limit", "3", "--json").stdout)
    assert not any(w["code"] == "W1746" for w in whole["plan"]["warnings"])
    left = {u["order_id"]: u["reason"] for u in doc["plan"]["unassigned"]}
    assert left == {u["order_id"]: u["reason"] for u in whole["plan"]["unassigned"]}
    assert len(left) < 3
    assert invoke("check", str(tmp_path / "plan.json")).exit_code == 0


def test_plan_refuses_a_day_above_the_memory_limit(tmp_path: Path) -> None:
    """`--memory-limit 32` is below what even the example day needs: E1740 with the estimate and the limit."""
    result = plan_examples(tmp_path, "--memory-limit", "32", "--json")
    assert result.exit_code != 0
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "E1740" and "the limit is 32 MiB" in error["message"]
