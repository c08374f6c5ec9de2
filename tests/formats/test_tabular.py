"""Orders from CSV/XLSX: aliases, every bad cell named by row and column, all at once, skip_invalid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from doorstep.domain import Depot, DoorstepError, Issue, LatLng, OrderKind, Priority
from doorstep.domain.pickup import PickupPoint, PointKind
from doorstep.formats.tabular import TableRead, read_orders, sniff_delimiter

TZ = ZoneInfo("Europe/Lisbon")
DAY = date(2025, 3, 18)
DEPOTS = (
    Depot(id="dep_lx", name="Hub Lisboa", location=LatLng(38.7436, -9.1030), timezone="Europe/Lisbon"),
    Depot(id="dep_pt", name="Hub Porto", location=LatLng(41.15, -8.61), timezone="Europe/Lisbon"),
)
HEADER = "ref,lat,lng,window_start,window_end,service_s,parcels"


def write(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    """A UTF-8 file with ``text``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path, *, skip_invalid: bool = False) -> TableRead:
    """Read with the two test depots on the test day."""
    return read_orders(path, depots=DEPOTS, plan_date=DAY, skip_invalid=skip_invalid)


def errors_of(path: Path) -> Sequence[Issue]:
    """The issues of the DoorstepError reading ``path`` raises."""
    with pytest.raises(DoorstepError) as exc:
        read(path)
    return exc.value.issues


def rows(*lines: str, header: str = HEADER) -> str:
    """A CSV text from a header and data lines."""
    return "\n".join([header, *lines]) + "\n"


GOOD = "A1,38.72,-9.14,09:00,11:00,300,2"


def test_reads_a_valid_row_with_local_times(tmp_path: Path) -> None:
    """HH:MM is wall time on the plan date in the depot's zone; numbers become integer units."""
    (order,) = read(write(tmp_path, rows(GOOD))).orders
    assert order.external_ref == "A1" and order.id == "ord_A1"
    assert order.location == LatLng(38.72, -9.14)
    assert order.time_windows[0].start == datetime(2025, 3, 18, 9, 0, tzinfo=TZ)
    assert order.service_s == 300 and order.size == {"parcels": 2}
    assert order.kind is OrderKind.DELIVERY


def test_header_aliases_semicolon_and_spacing(tmp_path: Path) -> None:
    """Aliases are case/space-insensitive and ';' is sniffed as the delimiter."""
    text = rows(
        "A1;38.72;-9.14;09:00;11:00;5m;1.5;2;Ana;Leave at door",
        header="Order ID;Latitude;Longitude;TW Start;TW End;Service Time;Weight KG;Size Crates;Customer;Notes",
    )
    (order,) = read(write(tmp_path, text)).orders
    assert order.service_s == 300
    assert order.size == {"weight_g": 1500, "crates": 2}
    assert order.contact.name == "Ana" and order.instructions == "Leave at door"


def test_tab_delimiter_is_sniffed() -> None:
    """Tab-separated headers are recognised; commas inside quotes do not count."""
    assert sniff_delimiter("ref\tlat\tlng\n") == "\t"
    assert sniff_delimiter('"a,b,c";lat;lng\n') == ";"


def test_missing_required_columns_listed_together(tmp_path: Path) -> None:
    """Without lat and lng the file is rejected with one E1101 naming both columns."""
    (issue,) = errors_of(write(tmp_path, rows("A1,Rua X", header="ref,address")))
    assert issue.code == "E1101"
    assert "lat" in issue.message and "lng" in issue.message


def test_empty_coordinate_cell_is_a_missing_value(tmp_path: Path) -> None:
    """A row with the lat column present but empty is E1102 at that row and column."""
    (issue,) = errors_of(write(tmp_path, rows(GOOD, "A2,,-9.14,09:00,11:00,300,2")))
    assert issue.code == "E1102"
    assert issue.loc == ("row", 3, "lat")


def test_unparsable_time_names_row_and_column(tmp_path: Path) -> None:
    """A bad time is E1103 at ('row', n, column) where n is the spreadsheet row (header is row 1)."""
    lines = [GOOD.replace("A1", f"A{k}") for k in range(1, 6)] + ["A6,38.72,-9.14,09:00,25:99,300,2"]
    (issue,) = errors_of(write(tmp_path, rows(*lines)))
    assert issue.code == "E1103"
    assert issue.loc == ("row", 7, "window_end")
    assert issue.message == "row 7, column window_end: '25:99' is not a time"
    assert issue.id == "A6"


def test_window_ending_before_it_starts(tmp_path: Path) -> None:
    """A window whose end is before its start is E1104 naming the row."""
    (issue,) = errors_of(write(tmp_path, rows("A1,38.72,-9.14,11:00,09:00,300,2")))
    assert issue.code == "E1104" and issue.loc[:2] == ("row", 2)


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [("-9.14", "38.72", "E1106"), ("-122.4", "37.7", "E1106"), ("95", "200", "E1105")],
)
def test_swapped_and_out_of_range_coordinates(tmp_path: Path, lat: str, lng: str, code: str) -> None:
    """Swapped pairs (out of range, or near a depot only when swapped) and impossible ones are errors."""
    (issue,) = errors_of(write(tmp_path, rows(f"A1,{lat},{lng},,,,1")))
    assert issue.code == code and issue.loc[:2] == ("row", 2) and issue.id == "A1"


def test_negative_sizes_and_service(tmp_path: Path) -> None:
    """Negative sizes and service times are E1107, one per cell."""
    issues = errors_of(write(tmp_path, rows("A1,38.72,-9.14,,,-5,-2")))
    assert {(i.code, i.loc) for i in issues} == {
        ("E1107", ("row", 2, "service_s")),
        ("E1107", ("row", 2, "parcels")),
    }


def test_unknown_depot(tmp_path: Path) -> None:
    """A depot column naming no depot is E1109 naming the row and listing the known depots."""
    text = rows(
        "A1,38.72,-9.14,dep_lx",
        "A2,38.72,-9.14,Hub Porto",
        "A3,38.72,-9.14,dep_xx",
        header="ref,lat,lng,depot",
    )
    (issue,) = errors_of(write(tmp_path, text))
    assert issue.code == "E1109" and issue.loc == ("row", 4, "depot") and "dep_lx" in issue.message


def test_duplicate_external_ref_names_both_rows(tmp_path: Path) -> None:
    """A repeated external_ref is E1110 on the later row, naming the earlier one."""
    (issue,) = errors_of(write(tmp_path, rows(GOOD, GOOD.replace("A1", "B1"), GOOD)))
    assert issue.code == "E1110" and issue.loc[:2] == ("row", 4)
    assert "row 2" in issue.message and issue.id == "A1"


def test_non_utf8_file_is_rejected(tmp_path: Path) -> None:
    """Latin-1 bytes are E1003 naming the line, never decoded by guess."""
    path = tmp_path / "latin.csv"
    path.write_bytes(rows(GOOD, "A2,38.72,-9.14,,,,1,Conceição", header=HEADER + ",name").encode("latin-1"))
    (issue,) = errors_of(path)
    assert issue.code == "E1003" and "line 3" in issue.message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 BOM (Excel's 'CSV UTF-8') does not disturb the first header."""
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + rows(GOOD).encode())
    assert read(path).orders[0].external_ref == "A1"


@pytest.mark.parametrize("text", ["", "\n\n", HEADER + "\n", HEADER + "\n,,,,,,\n"])
def test_empty_file_or_header_only(tmp_path: Path, text: str) -> None:
    """An empty file, or one with a header and no data, is E1002."""
    (issue,) = errors_of(write(tmp_path, text))
    assert issue.code == "E1002"


def test_every_bad_row_reported_at_once(tmp_path: Path) -> None:
    """Three bad rows give at least three issues, each naming its own row."""
    text = rows(GOOD, "A2,38.72,-9.14,9h,11:00,300,2", "A3,abc,-9.14,,,,1", "A4,38.72,-9.14,,,,-1")
    issues = errors_of(write(tmp_path, text))
    assert len(issues) >= 3
    assert {i.loc[1] for i in issues} == {3, 4, 5}
    assert {i.code for i in issues} == {"E1103", "E1108", "E1107"}


def test_skip_invalid_keeps_good_rows_and_reports_skipped(tmp_path: Path) -> None:
    """With skip_invalid the valid rows load and each invalid row is one W1205 listing its errors."""
    text = rows(GOOD, "A2,38.72,-9.14,9h,25:00,300,2", "A3,38.73,-9.13,,,,1")
    result = read(write(tmp_path, text), skip_invalid=True)
    assert [o.external_ref for o in result.orders] == ["A1", "A3"]
    assert result.rows == [2, 4]
    (skip,) = result.skipped
    assert skip.code == "W1205" and skip.loc == ("row", 3)
    assert "window_start" in skip.message and "window_end" in skip.message


def test_unknown_column_warned_once(tmp_path: Path) -> None:
    """An unknown column is one W1202, however many rows there are."""
    text = rows(GOOD + ",x", GOOD.replace("A1", "A2") + ",y", header=HEADER + ",colour")
    result = read(write(tmp_path, text))
    assert [(w.code, w.loc) for w in result.warnings] == [("W1202", ("column", "colour"))]


def test_duplicate_column_meaning(tmp_path: Path) -> None:
    """Two headers for the same column (lat and latitude), or two units of one value, are E1122."""
    issues = errors_of(write(tmp_path, rows("A1,1,2,3,4,5", header="ref,lat,latitude,lng,weight_g,weight_kg")))
    assert [i.code for i in issues] == ["E1122", "E1122"]


def test_windows_column_and_numbered_windows(tmp_path: Path) -> None:
    """A 'windows' cell and window2_* columns add windows, sorted by start."""
    text = rows(
        'A1,38.72,-9.14,09:00,10:00,15:00,16:00,"12:00-13:00;17:00-18:00"',
        header="ref,lat,lng,from,to,window2_start,window2_end,windows",
    )
    (order,) = read(write(tmp_path, text)).orders
    assert [w.start.hour for w in order.time_windows] == [9, 12, 15, 17]


def test_one_sided_window_runs_to_day_bounds(tmp_path: Path) -> None:
    """A window with only a start runs to the end of the plan day (local)."""
    (order,) = read(write(tmp_path, rows("A1,38.72,-9.14,14:00,,,1"))).orders
    assert order.time_windows[0].end == datetime(2025, 3, 19, 0, 0, tzinfo=TZ)


def test_iso_times_with_offset(tmp_path: Path) -> None:
    """ISO-8601 with an offset is taken as given."""
    text = rows("A1,38.72,-9.14,2025-03-18T09:00:00+00:00,2025-03-18T11:00:00Z,,1")
    (order,) = read(write(tmp_path, text)).orders
    assert order.time_windows[0].start == datetime(2025, 3, 18, 9, 0, tzinfo=TZ)


@pytest.mark.parametrize(("cell", "seconds"), [("300", 300), ("5:00", 300), ("5m", 300), ("1h30m", 5400)])
def test_service_time_formats(tmp_path: Path, cell: str, seconds: int) -> None:
    """Service time accepts seconds, mm:ss and unit suffixes."""
    (order,) = read(write(tmp_path, rows(f"A1,38.72,-9.14,,,{cell},1"))).orders
    assert order.service_s == seconds


def test_all_other_columns(tmp_path: Path) -> None:
    """Kind, skills, priority, value (currency units), contact, release time, alternative place are read."""
    header = "ref,lat,lng,kind,skills,priority,value,phone,email,ready_at,alt_lat,alt_lng,alt_label,volume_l,tags"
    line = "A1,38.72,-9.14,Return,cold; fragile,Must Serve,12.5,+351 1,a@b.pt,07:30,38.73,-9.15,"
    line += "Neighbour,2.5,x;y"
    (order,) = read(write(tmp_path, rows(line, header=header))).orders
    assert order.kind is OrderKind.RETURN and order.priority is Priority.MUST_SERVE
    assert order.skills == frozenset({"cold", "fragile"}) and order.value_cents == 1250
    assert order.release_at == datetime(2025, 3, 18, 7, 30, tzinfo=TZ)
    assert order.alternatives[0].label == "Neighbour" and order.size == {"volume_cm3": 2500}
    assert order.tags == ("x", "y") and order.contact.email == "a@b.pt"


def test_paired_order_needs_its_pickup(tmp_path: Path) -> None:
    """A paired row reads its pickup columns; without pickup_lat/lng it is E1112."""
    header = "ref,lat,lng,kind,pickup_lat,pickup_lng,pickup_window_start,pickup_window_end,pickup_service_s"
    text = rows("P1,38.72,-9.14,paired,38.71,-9.13,09:00,10:00,60", "P2,38.72,-9.14,paired,,,,,", header=header)
    issues = errors_of(write(tmp_path, text))
    assert [(i.code, i.loc[:2]) for i in issues] == [("E1112", ("row", 3))]
    (order,) = read(write(tmp_path, text), skip_invalid=True).orders
    assert order.pickup is not None and order.pickup.service_s == 60
    assert order.pickup.time_windows[0].start.hour == 9


def test_missing_ref_gets_row_ref(tmp_path: Path) -> None:
    """Without an external_ref column each order is named row-<n>."""
    text = rows("38.72,-9.14", "38.73,-9.13", header="lat,lng")
    assert [o.external_ref for o in read(write(tmp_path, text)).orders] == ["row-2", "row-3"]


def _workbook(tmp_path: Path, data: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "README"
    first.append(["this sheet is not read"])
    ws = wb.create_sheet("Orders")
    for row in data:
        ws.append(row)
    path = tmp_path / "orders.xlsx"
    wb.save(path)
    return path


def test_xlsx_uses_orders_sheet_and_cell_types(tmp_path: Path) -> None:
    """XLSX reads the 'orders' sheet; time, number and duration cells are understood."""
    path = _workbook(
        tmp_path,
        [
            ["Order ID", "Latitude", "Longitude", "TW Start", "TW End", "Service", "Parcels"],
            [1001, 38.72, -9.14, time(9, 0), "11:00", timedelta(minutes=4), 2],
            [1002, 38.73, -9.13, datetime(2025, 3, 18, 14, 0), "16:00", 120, 1],
        ],
    )
    orders = read(path).orders
    assert [o.external_ref for o in orders] == ["1001", "1002"]
    assert orders[0].service_s == 240 and orders[0].time_windows[0].start == datetime(2025, 3, 18, 9, tzinfo=TZ)
    assert orders[1].time_windows[0].start.hour == 14


def test_xlsx_reports_every_bad_row_with_spreadsheet_rows(tmp_path: Path) -> None:
    """XLSX follows the same rules: bad cells named by the row number Excel shows."""
    path = _workbook(
        tmp_path,
        [
            ["ref", "lat", "lng", "window_end"],
            ["A1", 38.72, -9.14, "25:99"],
            [None, None, None, None],
            ["A3", "x", -9.14, None],
        ],
    )
    issues = errors_of(path)
    assert [(i.code, i.loc) for i in issues] == [
        ("E1103", ("row", 2, "window_end")),
        ("E1108", ("row", 4, "lat")),
    ]


def test_not_a_workbook(tmp_path: Path) -> None:
    """A .xlsx that is not a workbook is E1004."""
    (issue,) = errors_of(write(tmp_path, "not a zip", "orders.xlsx"))
    assert issue.code == "E1004"


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decompression bomb: the parts' unpacked sizes are summed from the zip directory first (E1008)."""
    import zipfile

    path = _workbook(tmp_path, [["Order ID", "Latitude", "Longitude"], [1, 38.72, -9.14]])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * 3_000_000)  # 3 MB of zeros, a few KB packed
    assert path.stat().st_size < 100_000
    monkeypatch.setattr("doorstep.formats.tabular.MAX_UNPACKED_BYTES", 2_000_000)
    with pytest.raises(DoorstepError) as err:
        read(path)
    assert [(i.code, i.loc) for i in err.value.issues] == [("E1008", ("file", path.name))]
    assert "unpacks to" in err.value.issues[0].message


def test_a_table_with_too_many_rows_is_refused_without_reading_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the row cap (here 50), CSV and XLSX alike are one E1008, not one error per row."""
    monkeypatch.setattr("doorstep.formats.tabular.MAX_ROWS", 50)
    lines = ["Order ID,Latitude,Longitude"] + [f"{i},," for i in range(1_200)]  # every row bad: 1,200 errors
    with pytest.raises(DoorstepError) as err:
        read(write(tmp_path, "\n".join(lines)))
    assert [i.code for i in err.value.issues] == ["E1008"]
    header: list[object] = ["Order ID", "Latitude", "Longitude"]
    book = _workbook(tmp_path, [header] + [[i] for i in range(1_200)])
    with pytest.raises(DoorstepError) as err:
        read(book)
    assert [i.code for i in err.value.issues] == ["E1008"]


def test_pickup_point_column_is_carried_as_given_without_the_points(tmp_path: Path) -> None:
    """Read for `doorstep plan` (no list of points), `pickup_point_id` (alias `pickup_point`) is kept on the order
    as written, and the row still needs its coordinates (E1102)."""
    text = rows("P1,38.7139,-9.1394,pup_rossio", "P2,,,pup_rossio", "H1,38.72,-9.14,",
                header="ref,lat,lng,pickup_point")  # fmt: skip
    read_ = read(write(tmp_path, text), skip_invalid=True)
    assert [(o.external_ref, o.pickup_point_id) for o in read_.orders] == [("P1", "pup_rossio"), ("H1", None)]
    assert [s.loc for s in read_.skipped] == [("row", 3)] and "E1102" in read_.skipped[0].message


POINTS = {
    "pup_open": PickupPoint(id="pup_open", name="Papelaria", kind=PointKind.COUNTER, location=LatLng(38.7139, -9.1394),
                            address="Rossio 20", depot_id="dep_lx", capacity_parcels=10,
                            hours={"tue": [("10:00", "13:00"), ("14:00", "17:00")]}),
    "pup_shut": PickupPoint(id="pup_shut", name="Quiosque", kind=PointKind.LOCKER, location=LatLng(38.71, -9.13),
                            address="", depot_id="dep_lx", capacity_parcels=10, hours={"sat": [("10:00", "13:00")]},
                            active=False),
    "pup_porto": PickupPoint(id="pup_porto", name="Porto", kind=PointKind.LOCKER, location=LatLng(41.15, -8.61),
                             address="", depot_id="dep_pt", capacity_parcels=10, hours={"tue": [("00:00", "24:00")]}),
}  # fmt: skip


def test_rows_to_an_organizations_points_are_placed_there_or_refused_with_every_reason(tmp_path: Path) -> None:
    """With the organization's points, a row naming one needs no coordinates and becomes an order to the point
    (its place and address, its opening periods within the row's window, its handover time); every reason a row
    cannot go there is reported with the row's other problems: unknown E1302, inactive E2270, closed E1573, no
    window in the opening hours E1572, not a plain delivery or another depot's point E1574."""
    text = rows(
        "P1,,,pup_open,12:00,15:00,,2",
        "P2,38.72,-9.14,pup_open,,,,1",
        "P3,,,pup_nowhere,,,,1",
        "P4,,,pup_shut,07:00,08:00,pickup,1",
        "P5,,,pup_open,18:00,19:00,,1",
        "P6,,,pup_porto,,,,1",
        "P7,,,pup_open,25:00,,,1",
        header="ref,lat,lng,pickup_point_id,window_start,window_end,kind,parcels",
    )
    table = read_orders(write(tmp_path, text), depots=DEPOTS[:1], plan_date=date(2025, 6, 17), skip_invalid=True,
                        points=POINTS)  # fmt: skip
    p1, p2 = table.orders
    assert (p1.pickup_point_id, p1.location, p1.address, p1.service_s, p1.handover_s) == (
        "pup_open", LatLng(38.7139, -9.1394), "Rossio 20", 300 + 2 * 10, 300,
    )  # fmt: skip
    assert [(w.start.hour, w.end.hour) for w in p1.time_windows] == [(12, 13), (14, 15)]
    assert p2.location == LatLng(38.7139, -9.1394) and len(p2.time_windows) == 2  # the point's place wins
    skipped = {s.loc[1]: s.message for s in table.skipped}
    assert sorted(skipped) == [4, 5, 6, 7, 8]
    codes = {n: [c for c in ("E1302", "E2270", "E1573", "E1572", "E1574", "E1103") if c in m]
             for n, m in skipped.items()}  # fmt: skip
    assert codes == {4: ["E1302"], 5: ["E2270", "E1573", "E1574"], 6: ["E1572"], 7: ["E1574"], 8: ["E1103"]}


def test_a_table_of_point_orders_needs_no_coordinate_columns(tmp_path: Path) -> None:
    """With a pickup_point_id column the lat/lng columns may be left out; a row naming no point then lacks its
    coordinates (E1102). Without it, the missing columns are E1101 as before."""
    text = rows("P1,pup_open", "H1,", header="ref,pickup_point_id")
    table = read_orders(write(tmp_path, text), depots=DEPOTS[:1], plan_date=date(2025, 6, 17), skip_invalid=True,
                        points=POINTS)  # fmt: skip
    assert [o.external_ref for o in table.orders] == ["P1"] and "E1102" in table.skipped[0].message
    assert [i.code for i in errors_of(write(tmp_path, rows("P1", header="ref"), "plain.csv"))] == ["E1101"]


def test_xlsx_rows_name_points_too(tmp_path: Path) -> None:
    """A workbook's pickup_point_id column works as the CSV's."""
    path = _workbook(tmp_path, [["ref", "pickup_point_id", "parcels"], ["P1", "pup_open", 3], ["P2", "pup_x", 1]])
    table = read_orders(path, depots=DEPOTS[:1], plan_date=date(2025, 6, 17), skip_invalid=True, points=POINTS)
    (p1,) = table.orders
    assert (p1.pickup_point_id, p1.service_s, p1.size) == ("pup_open", 330, {"parcels": 3})
    assert [s.loc for s in table.skipped] == [("row", 3)] and "E1302" in table.skipped[0].message
