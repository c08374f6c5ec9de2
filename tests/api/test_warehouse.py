"""The warehouse hand-off over the API: a route's load sheet (CSV and PDF) and the depot's picking waves."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.warehouse_day import make_warehouse_day


def _csv(client: TestClient, route_id: str, headers: dict[str, str]) -> list[dict[str, str]]:
    r = client.get(f"/v1/routes/{route_id}/load-sheet?format=csv", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="load-sheet-{route_id}.csv"'
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_load_sheet_csv_lists_the_route_in_reverse_stop_order_with_totals(client: TestClient) -> None:
    """A reader gets each route's parcels last-delivered first, with the stored item barcodes, the departure and
    release times (default loading times: 30 s a parcel, 10 min at the dock), and totals against the van."""
    day = make_warehouse_day(client)
    for k, route in enumerate(day.routes):
        rows = _csv(client, route["id"], day.t.h("read"))
        loads = [r for r in rows if r["section"] == "load"]
        refs = day.deliveries(k)
        assert [r["order_ref"] for r in loads] == refs[::-1]
        assert [r["stop_no"] for r in loads] == [str(n) for n in range(len(refs), 0, -1)]
        assert [r["barcodes"] for r in loads] == [" ".join(day.codes[ref]) for ref in refs[::-1]]
        assert [r["load_seq"] for r in loads] == [str(n) for n in range(1, len(refs) + 1)]
        dep = day.departure(k)
        release = dep - timedelta(seconds=30 * len(refs) + 600)
        assert {(r["departure"], r["release"]) for r in loads} == {(dep.strftime("%H:%M"), release.strftime("%H:%M"))}
        assert [(r["section"], r["parcels"]) for r in rows[len(loads) :]] == [
            ("total_load", str(len(refs))), ("total_collect", "0"), ("capacity", "3"),
        ]  # fmt: skip


def test_load_sheet_pdf_is_a_pdf_and_other_formats_are_refused(client: TestClient) -> None:
    """format=pdf (the default) answers a PDF file; format=xlsx is 422 E1600 naming the formats."""
    day = make_warehouse_day(client, publish=False)
    rid = day.routes[0]["id"]
    r = client.get(f"/v1/routes/{rid}/load-sheet", headers=day.t.h("read"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and r.content.rstrip().endswith(b"%%EOF")
    bad = client.get(f"/v1/routes/{rid}/load-sheet?format=xlsx", headers=day.t.h("read"))
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "E1600"
    assert bad.json()["error"]["message"] == "load sheet format 'xlsx' is not one of pdf, csv"
    assert client.get("/v1/routes/rte_nope/load-sheet", headers=day.t.h("read")).status_code == 404


def test_waves_group_the_departures_by_release_time(client: TestClient) -> None:
    """Each route's release is its departure minus its parcels' loading and the dock time; with a day-long wave
    interval both routes are one wave due at the earlier release; with a one-second interval only routes releasing
    at the same second share a wave, earliest first; a bad override is 422 E1603."""
    day = make_warehouse_day(client)
    depot = day.t.ids["depot"]
    releases = {
        r["id"]: day.departure(k) - timedelta(seconds=60 * len(day.deliveries(k)) + 300)
        for k, r in enumerate(day.routes)
    }
    one = client.get(
        f"/v1/depots/{depot}/waves?date=2025-06-17&per_parcel_s=60&dock_s=300&wave_s=86400", headers=day.t.h("read")
    )
    assert one.status_code == 200, one.text
    body = one.json()
    assert (body["per_parcel_s"], body["dock_s"], body["wave_s"]) == (60, 300, 86400)
    assert len(body["waves"]) == 1
    wave = body["waves"][0]
    assert wave["parcels"] == 6
    got = {r["route_id"]: (r["release_at"], r["parcels"], r["trip"]) for r in wave["routes"]}
    want = {rid: (at.isoformat(), len(day.deliveries(k)), 1) for k, (rid, at) in enumerate(releases.items())}
    assert got == want
    assert wave["release_at"] == min(releases.values()).isoformat()
    apart = client.get(f"/v1/depots/{depot}/waves?date=2025-06-17&per_parcel_s=60&dock_s=300&wave_s=1",
                       headers=day.t.h("read")).json()  # fmt: skip
    same_second = [sorted(rid for rid, at in releases.items() if at == t) for t in sorted(set(releases.values()))]
    assert [sorted(r["route_id"] for r in w["routes"]) for w in apart["waves"]] == same_second
    bad = client.get(f"/v1/depots/{depot}/waves?date=2025-06-17&per_parcel_s=-5&wave_s=0", headers=day.t.h("read"))
    assert bad.status_code == 422
    assert [(d["code"], d["loc"]) for d in bad.json()["error"]["details"]] == [
        ("E1603", ["per_parcel_s"]), ("E1603", ["wave_s"]),
    ]  # fmt: skip


def test_waves_need_a_published_plan(client: TestClient) -> None:
    """A day whose plan is not published yet is 409 E2302; an unknown depot is 404."""
    day = make_warehouse_day(client, publish=False)
    r = client.get(f"/v1/depots/{day.t.ids['depot']}/waves?date=2025-06-17", headers=day.t.h("read"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2302"
    assert client.get("/v1/depots/dep_nope/waves?date=2025-06-17", headers=day.t.h("read")).status_code == 404
