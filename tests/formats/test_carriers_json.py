"""Partner carriers from a file (formats/carriers_json.py): the API's carrier objects with an optional id, checked
as the API checks them, every problem of the file at once and located in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.domain.carriers import CarrierKind
from doorstep.domain.errors import DoorstepError
from doorstep.domain.geo import LatLng
from doorstep.formats.carriers_json import carriers_from_data, read_carriers

DEPOTS = {"dep_hub": LatLng(38.7436, -9.1030), "dep_far": LatLng(41.15, -8.61)}
MANIFEST = {"name": "Van Partner", "kind": "manifest", "service_areas": [{"depot_id": "dep_hub", "radius_m": 40_000}],
            "price": {"base_cents": 450, "per_km_cents": 15}, "cutoff": "14:00", "capacity_per_day": 20}  # fmt: skip


def problems(data: object) -> list[tuple[str, list[str | int]]]:
    """(code, loc) of every problem the reader reports."""
    with pytest.raises(DoorstepError) as err:
        carriers_from_data(data, DEPOTS)
    return [(d["code"], d["loc"]) for d in err.value.envelope()["error"]["details"]]


def test_a_file_reads_into_carriers_priced_from_the_depots_their_areas_name(tmp_path: Path) -> None:
    """A list or {"carriers": [...]}: ids kept or derived from the name, only the depots of their areas located,
    the rate card, cut-off and capacity as given."""
    http = {"id": "car_city", "name": "City", "kind": "http", "secret": "s" * 16,
            "endpoints": {"quote": "https://c.example/q", "book": "https://c.example/b"},
            "service_areas": [{"depot_id": "dep_far", "polygon": [{"lat": 41, "lng": -8.7}, {"lat": 41.3, "lng": -8.7},
                                                                  {"lat": 41.3, "lng": -8.5}]}]}  # fmt: skip
    path = tmp_path / "carriers.json"
    path.write_text(json.dumps({"carriers": [MANIFEST, http]}), encoding="utf-8")
    partner, city = read_carriers(path, DEPOTS)
    assert (partner.id, partner.kind, partner.depots) == ("car_Van-Partner", CarrierKind.MANIFEST,
                                                         {"dep_hub": DEPOTS["dep_hub"]})  # fmt: skip
    assert (partner.price.base_cents, partner.price.per_km_cents, partner.capacity_per_day) == (450, 15, 20)
    assert f"{partner.cutoff:%H:%M}" == "14:00"
    assert (city.id, city.kind, city.depots, len(city.areas[0].polygon)) == (
        "car_city", CarrierKind.HTTP, {"dep_far": DEPOTS["dep_far"]}, 3,
    )  # fmt: skip
    assert carriers_from_data([MANIFEST], DEPOTS) == [partner]


def test_every_problem_of_the_file_is_reported_at_once_where_it_is() -> None:
    """An unknown field (E1721), an unknown depot (E1645), a bad price (E1646) and an HTTP carrier without its
    endpoints and secret (E1643, E1644) in one file: all of them, located under carriers[i]; two carriers with one
    id are E1722."""
    bad = {**MANIFEST, "colour": "red", "service_areas": [{"depot_id": "dep_nope", "radius_m": 5}],
           "price": {"base_cents": -1}}  # fmt: skip
    found = problems([bad, {"name": "Api", "kind": "http"}])
    assert found == [
        ("E1721", ["carriers", 0, "colour"]), ("E1645", ["carriers", 0, "service_areas", 0, "depot_id"]),
        ("E1646", ["carriers", 0, "price", "base_cents"]), ("E1643", ["carriers", 1, "endpoints", "quote"]),
        ("E1643", ["carriers", 1, "endpoints", "book"]), ("E1644", ["carriers", 1, "secret"]),
    ]  # fmt: skip
    assert problems([{**MANIFEST, "id": "car_a"}, {**MANIFEST, "id": "car_a"}]) == [("E1722", ["carriers", 1, "id"])]


@pytest.mark.parametrize("data", [{"name": "one carrier, not a list"}, [MANIFEST, "text"], {"carriers": 3}])
def test_a_document_that_is_not_a_list_of_carriers_is_e1720(data: object) -> None:
    """An object, a list with a non-object, a carriers key that is not a list: E1720."""
    assert problems(data) == [("E1720", ["carriers"])]


def test_a_file_that_is_not_json_is_e1005(tmp_path: Path) -> None:
    """A syntax error names the line (the JSON readers' E1005)."""
    path = tmp_path / "carriers.json"
    path.write_text('[{"name": "x",}]', encoding="utf-8")
    with pytest.raises(DoorstepError) as err:
        read_carriers(path, DEPOTS)
    assert err.value.code == "E1005"
