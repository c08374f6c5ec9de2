"""The driver app's loading scan over the API: a parcel of the van is loaded, a repeat is ignored, another van's
parcel is a warning naming that van, an unknown code is reported, replays answer the first result, and the check
lists what is missing; every scan but a repeat and every check is an event in the route's timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.warehouse_day import WarehouseDay, make_warehouse_day

NOW = datetime.now(UTC).isoformat()


def _scan(client: TestClient, day: WarehouseDay, k: int, code: str, cid: str | None = None) -> Any:
    body = {"client_id": cid or uuid.uuid4().hex, "code": code, "at": NOW}
    return client.post(f"/v1/driver/routes/{day.routes[k]['id']}/load-scans", json=body, headers=day.tokens[k])


def _coded(day: WarehouseDay, k: int) -> list[str]:
    """Route k's delivery refs that carry barcodes, in stop order."""
    return [r for r in day.deliveries(k) if day.codes[r]]


def _check(client: TestClient, day: WarehouseDay, k: int) -> Any:
    body = {"client_id": uuid.uuid4().hex, "at": NOW}
    return client.post(f"/v1/driver/routes/{day.routes[k]['id']}/load-checks", json=body, headers=day.tokens[k])


def test_scans_load_ignore_repeats_name_the_right_van_and_report_unknown_codes(client: TestClient) -> None:
    """Van A scans its last-delivered parcel's first code (loaded, 1 of its codes), the same code again (duplicate,
    ignored: no event), a parcel of van B (foreign: the message names Van B and its order) and a code of no
    parcel (unknown); the timeline holds exactly three load.scanned events with those outcomes."""
    day = make_warehouse_day(client)
    refs_a = day.deliveries(0)
    expected = sum(len(day.codes[r]) for r in refs_a)
    mine = _coded(day, 0)[-1]
    first, stop_no = day.codes[mine][0], refs_a.index(mine) + 1
    r = _scan(client, day, 0, f"  {first} ")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["outcome"], body["external_ref"], body["stop_no"], body["loaded"], body["expected"]) == (
        "loaded", mine, stop_no, 1, expected,
    )  # fmt: skip
    assert body["message"] == f"{mine} (stop {stop_no}) loaded: 1/{expected}"
    again = _scan(client, day, 0, first).json()
    assert (again["outcome"], again["loaded"], again["message"]) == (
        "duplicate", 1, f"{first} was scanned already: ignored",
    )  # fmt: skip
    other = _coded(day, 1)[0]
    theirs = day.codes[other][1]
    foreign = _scan(client, day, 0, theirs).json()
    assert (foreign["outcome"], foreign["right_vehicle"], foreign["right_route_id"], foreign["external_ref"]) == (
        "foreign", "Van B", day.routes[1]["id"], other,
    )  # fmt: skip
    assert foreign["message"] == f"{theirs} is {other} of Van B: not this van, take it to Van B"
    unknown = _scan(client, day, 0, "NOPE-1").json()
    assert (unknown["outcome"], unknown["right_vehicle"], unknown["message"]) == (
        "unknown", None, "NOPE-1 is on no parcel of today's routes",
    )  # fmt: skip
    events = client.get(f"/v1/routes/{day.routes[0]['id']}/timeline", headers=day.t.h("read")).json()
    scans = [(e["type"], e["data"]["code"], e["data"]["outcome"]) for e in events if e["type"].startswith("load.")]
    assert scans == [("load.scanned", first, "loaded"), ("load.scanned", theirs, "foreign"),
                     ("load.scanned", "NOPE-1", "unknown")]  # fmt: skip
    loads = [e["data"] for e in events if e["type"] == "load.scanned"]
    assert [(d["right_vehicle"], d["order_id"] is not None) for d in loads] == [
        (None, True),
        ("Van B", True),
        (None, False),
    ]


def test_a_repeated_client_id_replays_and_a_reused_one_is_refused(client: TestClient) -> None:
    """The same scan sent twice (an offline queue, a lost answer) is recorded once and answered the same, with
    replayed true; the client id of a scan used for another code is 409 E2301."""
    day = make_warehouse_day(client)
    code = day.codes[_coded(day, 0)[0]][0]
    first = _scan(client, day, 0, code, cid="cid-replay-1").json()
    second = _scan(client, day, 0, code, cid="cid-replay-1").json()
    assert second == {**first, "replayed": True}
    other = _scan(client, day, 0, "BX-99", cid="cid-replay-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "E2301"
    events = client.get(f"/v1/routes/{day.routes[0]['id']}/timeline", headers=day.t.h("read")).json()
    assert [e["type"] for e in events if e["type"].startswith("load.")] == ["load.scanned"]


def test_the_check_lists_missing_parcels_and_the_load_view_shows_progress(client: TestClient) -> None:
    """After loading every code of van A but one parcel's, the load view shows which items are loaded and the
    check (a load.checked event) lists exactly that parcel's codes as missing, with the foreign scan."""
    day = make_warehouse_day(client)
    refs = day.deliveries(0)
    left_out = _coded(day, 0)[0]
    for ref in refs:
        for code in day.codes[ref] if ref != left_out else []:
            assert _scan(client, day, 0, code).json()["outcome"] == "loaded"
    stray = day.codes[_coded(day, 1)[0]][0]
    _scan(client, day, 0, stray)
    view = client.get(f"/v1/driver/routes/{day.routes[0]['id']}/load", headers=day.tokens[0]).json()
    assert view["open"] is True and view["vehicle"] == "Van A"
    assert [(i["external_ref"], i["code"], i["loaded"]) for i in view["items"]] == [
        (ref, code, ref != left_out) for ref in refs[::-1] for code in day.codes[ref]
    ]
    assert view["no_barcode"] == [r for r in refs[::-1] if not day.codes[r]]
    n_loaded = sum(len(day.codes[r]) for r in refs if r != left_out)
    assert [s["outcome"] for s in view["scans"]] == ["loaded"] * n_loaded + ["foreign"]
    check = _check(client, day, 0)
    assert check.status_code == 200, check.text
    body = check.json()
    assert [(m["external_ref"], m["code"]) for m in body["missing"]] == [(left_out, c) for c in day.codes[left_out]]
    assert body["foreign"] == [stray] and body["unknown"] == []
    assert (body["loaded"], body["expected"]) == (n_loaded, n_loaded + len(day.codes[left_out]))
    events = client.get(f"/v1/routes/{day.routes[0]['id']}/timeline", headers=day.t.h("read")).json()
    assert events[-1]["type"] == "load.checked"
    assert [m["code"] for m in events[-1]["data"]["missing"]] == day.codes[left_out]


def test_scans_close_when_the_van_has_left_and_bad_input_is_refused(client: TestClient) -> None:
    """A blank or over-long code is 422 E1601, a scan dated an hour ahead 422 E1602, another driver's route 404
    E1302; once a stop is worked (arrived) a scan is 409 E2300."""
    day = make_warehouse_day(client)
    blank = _scan(client, day, 0, "   ")
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "E1601"
    assert _scan(client, day, 0, "X" * 129).json()["error"]["code"] == "E1601"
    ahead = {"client_id": uuid.uuid4().hex, "code": "BX-1", "at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    r = client.post(f"/v1/driver/routes/{day.routes[0]['id']}/load-scans", json=ahead, headers=day.tokens[0])
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1602"
    body = {"client_id": uuid.uuid4().hex, "code": "BX-1", "at": NOW}
    theirs = client.post(f"/v1/driver/routes/{day.routes[1]['id']}/load-scans", json=body, headers=day.tokens[0])
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "E1302"
    stops = client.get("/v1/driver/routes", headers=day.tokens[0]).json()["routes"][0]["stops"]
    stop = next(s for s in stops if s["order_id"])
    arrive = {"client_id": uuid.uuid4().hex, "status": "arrived", "at": NOW}
    assert client.post(f"/v1/driver/stops/{stop['id']}/events", json=arrive, headers=day.tokens[0]).status_code == 200
    late = _scan(client, day, 0, day.codes[_coded(day, 0)[0]][0])
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2300"
    assert _check(client, day, 0).json()["error"]["code"] == "E2300"
    view = client.get(f"/v1/driver/routes/{day.routes[0]['id']}/load", headers=day.tokens[0]).json()
    assert view["open"] is False
