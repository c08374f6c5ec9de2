"""The slot policy as data: every problem at once, windows a template opens, zones by radius and polygon."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from doorstep.domain.geo import LatLng
from doorstep.domain.slots import Ranking, parse_policy, slot_key, windows_on

TZ = ZoneInfo("Europe/Lisbon")
DEPOT = LatLng(38.7372, -9.1034)


def _doc(**template: object) -> dict[str, object]:
    return {
        "zones": [
            {"id": "r", "depot_id": "dep_a", "radius_m": 5000},
            {
                "id": "p",
                "depot_id": "dep_a",
                "polygon": [{"lat": 38.0, "lng": -9.0}, {"lat": 38.0, "lng": -8.0}, {"lat": 39.0, "lng": -8.0}],
            },
        ],
        "templates": [
            {
                "id": "std",
                "zone_id": "r",
                "start": "08:00",
                "end": "20:00",
                "length_min": 120,
                "max_orders": 3,
                **template,
            }
        ],
        "ranking": "greenest",
        "blackouts": ["2025-12-25", {"date": "2025-06-13", "zone_id": "p"}],
    }


def test_a_valid_policy_parses() -> None:
    """Zones, templates, blackouts per zone and the ranking come through."""
    policy, issues = parse_policy(_doc(), {"dep_a"})
    assert issues == []
    assert policy.ranking is Ranking.GREENEST
    assert policy.blacked_out(date(2025, 12, 25), "r") and policy.blacked_out(date(2025, 6, 13), "p")
    assert not policy.blacked_out(date(2025, 6, 13), "r")


def test_every_problem_is_reported_with_its_path() -> None:
    """Bad days, a window longer than the hours, a negative cut-off, a zero maximum, an unknown ranking and
    depot: all reported together."""
    doc = _doc(days=["mon", "funday"], start="08:00", end="09:00", cutoff_min=-5, max_orders=0)
    doc["ranking"] = "fastest"
    _, issues = parse_policy(doc, set())
    got = sorted((i.code, i.loc) for i in issues)
    assert got == [
        ("E1109", ("zones", 0, "depot_id")),
        ("E1109", ("zones", 1, "depot_id")),
        ("E1550", ("ranking",)),
        ("E1550", ("templates", 0, "cutoff_min")),
        ("E1550", ("templates", 0, "days")),
        ("E1550", ("templates", 0, "end")),
        ("E1550", ("templates", 0, "max_orders")),
    ]


def test_windows_follow_length_step_days_and_cutoff() -> None:
    """2-hour windows every hour from 08 to 12 on Tuesdays: 08-10, 09-11, 10-12; none on Wednesday."""
    policy, _ = parse_policy(_doc(end="12:00", step_min=60, days=["tue"], cutoff_min=90), {"dep_a"})
    t = policy.templates[0]
    ws = windows_on(t, date(2025, 6, 17), TZ)
    assert [(w.start.hour, w.end.hour) for w in ws] == [(8, 10), (9, 11), (10, 12)]
    assert ws[0].cutoff == datetime(2025, 6, 17, 6, 30, tzinfo=TZ)
    assert windows_on(t, date(2025, 6, 18), TZ) == []
    assert ws[0].key == slot_key("r", "std", ws[0].start) == "r|std|2025-06-17T07:00Z"


def test_zones_by_radius_and_polygon() -> None:
    """The radius is metres from the depot; the polygon is a ring."""
    policy, _ = parse_policy(_doc(), {"dep_a"})
    radius, poly = policy.zones
    assert radius.contains(LatLng(38.75, -9.11), DEPOT) and not radius.contains(LatLng(38.80, -9.20), DEPOT)
    assert poly.contains(LatLng(38.2, -8.2), DEPOT) and not poly.contains(LatLng(38.8, -8.9), DEPOT)
