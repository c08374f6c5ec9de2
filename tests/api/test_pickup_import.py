"""Orders to pickup points from a CSV or XLSX upload (SQLite and PostgreSQL): a row names a point by
``pickup_point_id`` and becomes an order to it as through the API; every reason a row cannot go there is reported
with its other problems; rows past the point's capacity that day are skipped, first come, first served."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.pickup_day import make_point


def _upload(c: TestClient, t: Tenant, name: str, content: bytes) -> dict[str, Any]:
    data = {"depot_id": t.ids["depot"], "date": "2025-06-17"}
    r = c.post("/v1/orders/import", files={"file": (name, content)}, data=data, headers=t.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _skipped(report: dict[str, Any]) -> dict[int, list[str]]:
    """Row -> the codes its W1205 names."""
    codes = ("E1302", "E2270", "E2271", "E1572", "E1573", "E1574", "E1103")
    return {s["loc"][1]: [c for c in codes if c in s["message"]] for s in report["skipped"]}


def test_csv_rows_to_points_are_stored_checked_and_counted(client: TestClient, tenant: Tenant) -> None:
    """Capacity 4: rows 2 and 3 (3 parcels) fit, row 4 (2 parcels) no longer does (E2271) but row 5 (1 parcel)
    still does; unknown (E1302), inactive and closed (E2270, E1573, both) and out-of-hours (E1572) rows are skipped
    with their codes; stored orders are the point's (place, opening periods, handover); the same file again takes
    no second place."""
    c, t = client, tenant
    pt = make_point(c, t, capacity_parcels=4)
    shut = make_point(c, t, name="Fechado", active=False, hours={"sat": [["10:00", "13:00"]]})
    csv = (
        "external_ref,lat,lng,pickup_point_id,window_start,window_end,parcels\n"
        f"PT-1,,,{pt['id']},,,2\n"
        f"PT-2,38.70,-9.20,{pt['id']},12:00,15:00,1\n"
        f"PT-3,,,{pt['id']},,,2\n"
        f"PT-4,,,{pt['id']},,,1\n"
        "PT-5,,,pup_nowhere,,,1\n"
        f"PT-6,,,{shut['id']},,,1\n"
        f"PT-7,,,{pt['id']},18:00,19:00,1\n"
        "HOME-1,38.72,-9.14,,09:00,12:00,1\n"
    )
    report = _upload(c, t, "points.csv", csv.encode())
    assert [x["external_ref"] for x in report["created"]] == ["PT-1", "PT-2", "PT-4", "HOME-1"]
    assert _skipped(report) == {4: ["E2271"], 6: ["E1302"], 7: ["E2270", "E1573"], 8: ["E1572"]}
    by_ref = {o["external_ref"]: o for o in c.get("/v1/orders?limit=50", headers=t.h()).json()["items"]}
    pt2 = by_ref["PT-2"]["data"]
    assert pt2["pickup_point_id"] == pt["id"] and pt2["location"] == {"lat": 38.7139, "lng": -9.1394}
    assert [(w["start"][11:16], w["end"][11:16]) for w in pt2["time_windows"]] == [("12:00", "13:00"),
                                                                                     ("14:00", "15:00")]  # fmt: skip
    assert (pt2["service_s"], pt2["handover_s"]) == (310, 300)
    assert "pickup_point_id" not in by_ref["HOME-1"]["data"]
    again = _upload(c, t, "points.csv", csv.encode())
    assert again["created"] == [] and len(again["existing"]) == 4 and 4 in _skipped(again)


def test_xlsx_rows_to_points(client: TestClient, tenant: Tenant) -> None:
    """A workbook with only a pickup_point_id column for places imports the same way."""
    c, t = client, tenant
    pt = make_point(c, t, capacity_parcels=2)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in (["ref", "pickup_point_id", "parcels"], ["X-1", pt["id"], 2], ["X-2", pt["id"], 1], ["X-3", "", 1]):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    report = _upload(c, t, "points.xlsx", buf.getvalue())
    assert [x["external_ref"] for x in report["created"]] == ["X-1"]
    assert [(s["loc"][1], "E2271" in s["message"], "E1102" in s["message"]) for s in report["skipped"]] == [
        (3, True, False), (4, False, True),
    ]  # fmt: skip
