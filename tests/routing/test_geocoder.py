"""Addresses placed from the road network's address index: reading the text, the index built from the extract,
exact house numbers, interpolation, street-level answers, close spellings, ambiguity and the issues each gives."""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from pathlib import Path

import osmium
import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.domain.errors import DoorstepError
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_index import INDEX_FILE
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.routing.address_text import AddressParts, name_key, parse
from doorstep.routing.geocoder import Precision, issues_of


def test_an_address_is_read_as_street_number_postcode_and_place_in_the_usual_orders() -> None:
    """German, French and Portuguese orders of the parts; the likeliest reading first."""
    assert parse("Hauptstraße 12, 69117 Heidelberg")[0] == AddressParts("Hauptstraße", "12", "69117", ("heidelberg",))
    assert parse("12 Rue Grimaldi, 98000 Monaco")[0] == AddressParts("Rue Grimaldi", "12", "98000", ("monaco",))
    pt = parse("Rua de Santa Catarina 312, 4000-447 Porto")[0]
    assert (pt.street, pt.number, pt.postcode, pt.places) == ("Rua de Santa Catarina", "312", "4000-447", ("porto",))
    assert parse("Kurfürsten-Anlage 1 Heidelberg")[0] == AddressParts("Kurfürsten-Anlage", "1", "", ("heidelberg",))
    assert parse("Bergheimer Straße 12 b")[0].number == "12b"
    assert parse("4bis Rue de la Colle, Monaco")[0].number == "4bis"
    # four digits before a French street type are its number, not a (Swiss or Belgian) postcode
    first = parse("2541 Avenue Maréchal de Lattre de Tassigny, Cap-d'Ail")[0]
    assert (first.street, first.number, first.postcode) == ("Avenue Maréchal de Lattre de Tassigny", "2541", "")
    assert parse("6900 Lugano, Via Nassa 3")[0].postcode == "6900"
    moved = parse("D-69120 Heidelberg, Im Neuenheimer Feld 234-236")
    assert AddressParts("Im Neuenheimer Feld", "234-236", "69120", ("heidelberg",)) in moved
    # a number inside a street's name: both readings are offered, the lookup keeps the one whose street exists
    streets = {(r.street, r.number) for r in parse("Rua 25 de Abril 10, Porto")}
    assert ("Rua 25 de Abril", "10") in streets


def test_spellings_of_one_street_share_a_key() -> None:
    """Case, accents, ß, abbreviations and punctuation do not separate two spellings of one name."""
    assert name_key("Hauptstr.") == name_key("Haupt-Straße") == name_key("HAUPTSTRASSE")
    assert name_key("R. de Cedofeita") == name_key("Rua de Cedofeita")
    assert name_key("Av. da Boavista") == name_key("Avenida da Boavista")
    assert name_key("Bd des Moulins") == name_key("Boulevard des Moulins")
    assert name_key("São Bento") == name_key("Sao Bento")


def _tagged(pbf: Path, street: str) -> tuple[list[tuple[str, LatLng]], list[LatLng]]:
    """From the extract itself (not the index): the numbered nodes of ``street`` and the points of its ways."""
    numbers: list[tuple[str, LatLng]] = []
    points: list[LatLng] = []
    for obj in osmium.FileProcessor(str(pbf)).with_locations():
        if isinstance(obj, osmium.osm.Node) and obj.tags.get("addr:street") == street and obj.location.valid():
            numbers.append((obj.tags["addr:housenumber"], LatLng(obj.location.lat, obj.location.lon)))
        if isinstance(obj, osmium.osm.Way) and obj.tags.get("name") == street and "highway" in obj.tags:
            points += [LatLng(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
    return numbers, points


def test_a_known_house_number_is_placed_at_its_house(monaco_network: Path, monaco_pbf: Path) -> None:
    """The network build wrote the index; a number OSM knows is placed exactly there, whatever the word order."""
    assert (monaco_network / INDEX_FILE).is_file()
    numbers, _ = _tagged(monaco_pbf, "Quai Antoine 1er")
    house = dict(numbers)["6"]
    coder = LocalGeocoder(monaco_network)
    for text in ("6 Quai Antoine 1er, 98000 Monaco", "Quai Antoine Ier 6", "quai antoine 1er, 6"):
        best = coder.geocode(text).best
        assert best is not None, text
        assert best.precision is Precision.ADDRESS
        assert haversine_m(best.location, house) < 1.0
    where, issues = issues_of(coder.geocode("6 Quai Antoine 1er, Monaco"), ("address",))
    assert where is not None and issues == []


def test_a_street_without_the_number_is_placed_on_the_street_with_a_warning(
    monaco_network: Path, monaco_pbf: Path
) -> None:
    """No house numbers on Avenue Princesse Grace in the extract: the answer is a point of that street, W1212; a
    misspelling finds the same street."""
    _, road = _tagged(monaco_pbf, "Avenue Princesse Grace")
    coder = LocalGeocoder(monaco_network)
    for text in ("Avenue Princesse Grace 21, Monaco", "Av. Princese Grace 21"):
        answer = coder.geocode(text)
        assert answer.best is not None and answer.best.precision is Precision.STREET, text
        assert min(haversine_m(answer.best.location, p) for p in road) < 1.0  # a node of the street itself
        where, issues = issues_of(answer, ("address",), "R-1")
        assert where == answer.best.location
        assert [i.code for i in issues] == ["W1212"] and "on its street" in issues[0].message


def test_an_unknown_street_is_e1134_and_a_folder_without_index_e3015(monaco_network: Path, tmp_path: Path) -> None:
    """Nothing close to the name: no match and E1134 naming the address; a network folder without the index
    is refused with E3015."""
    answer = LocalGeocoder(monaco_network).geocode("Zyxwvutstraße 3, Monaco")
    assert answer.matches == () and answer.best is None
    where, issues = issues_of(answer, ("address",), "R-9")
    assert where is None and [(i.code, i.id) for i in issues] == [("E1134", "R-9")]
    with pytest.raises(DoorstepError) as exc:
        LocalGeocoder(tmp_path)
    assert [i.code for i in exc.value.issues] == ["E3015"]


def test_a_postcode_alone_is_its_area_for_a_checkout_and_e1136_for_an_order(heidelberg_index: Path) -> None:
    """'69117 Heidelberg' names no street: the middle of that postcode's houses (the old town, some 400 m from the
    Marktplatz), precision ``postcode``, labelled with its town; 69120 (Neuenheim, across the Neckar) lies 2.6 km
    from it. An order refuses it (E1136: an area is not a door); a checkout takes it with W1212. A postcode the
    index does not know stays E1134; a street given with its postcode stays a street."""
    coder = LocalGeocoder(heidelberg_index)
    old_town = coder.geocode("69117 Heidelberg").best
    assert old_town is not None and (old_town.precision, old_town.label) == (Precision.POSTCODE, "69117 Heidelberg")
    assert haversine_m(old_town.location, LatLng(49.4121, 8.7101)) < 800
    neuenheim = coder.geocode("D-69120").best
    assert neuenheim is not None and neuenheim.label == "69120 Heidelberg"
    assert neuenheim.location.lat > 49.414 and haversine_m(neuenheim.location, old_town.location) > 2_000
    answer = coder.geocode("69117 Heidelberg")
    where, issues = issues_of(answer, ("orders", 0, "address"), "R-1")
    assert where is None and [(i.code, i.loc, i.id) for i in issues] == [("E1136", ("orders", 0, "address"), "R-1")]
    assert "names no street, only postcode 69117 Heidelberg" in issues[0].message
    where, issues = issues_of(answer, ("address",), area_ok=True)
    assert where == old_town.location and [i.code for i in issues] == ["W1212"]
    assert "in the middle of its postcode's area" in issues[0].message
    assert [i.code for i in issues_of(coder.geocode("69999 Nirgendwo"), ("address",), area_ok=True)[1]] == ["E1134"]
    street = coder.geocode("Hauptstraße 5, 69117 Heidelberg").best
    assert street is not None and street.precision is not Precision.POSTCODE and "Heidelberg" in street.label


def test_a_street_name_many_villages_share_is_ambiguous_until_the_town_is_given(heidelberg_index: Path) -> None:
    """'Hauptstraße 5' matches several streets kilometres apart equally well: E1135 lists them with their
    coordinates; with the town, the Heidelberg one is taken; near a depot, the nearest one within reach."""
    coder = LocalGeocoder(heidelberg_index)
    answer = coder.geocode("Hauptstraße 5")
    assert answer.ambiguous and answer.best is None
    assert haversine_m(answer.matches[0].location, answer.matches[1].location) > 1_000
    where, issues = issues_of(answer, ("address",))
    assert where is None and issues[0].code == "E1135" and issues[0].message.count("Hauptstraße") >= 2
    in_town = coder.geocode("Hauptstr. 5, Heidelberg").best
    assert in_town is not None and "Heidelberg" in in_town.label


def test_a_missing_number_between_known_ones_is_interpolated(heidelberg_index: Path) -> None:
    """A number the extract lacks, between two of the same side of the street, is placed between them."""
    db = sqlite3.connect(heidelberg_index / INDEX_FILE)
    rows = db.execute(
        "SELECT a.street_id, a.first, a.lat, a.lng, s.name, s.label_place FROM addresses a "
        "JOIN streets s ON s.id = a.street_id WHERE a.number = CAST(a.first AS TEXT) ORDER BY a.street_id, a.first"
    ).fetchall()
    pairs = [
        (a, b) for a, b in itertools.pairwise(rows)
        if a[0] == b[0] and b[1] - a[1] == 4 and a[5]
    ]  # fmt: skip
    assert pairs, "the extract has two numbers 4 apart on one side of a street"
    low, high = pairs[0]
    assert low[1] + 2 not in {r[1] for r in rows if r[0] == low[0]}
    answer = LocalGeocoder(heidelberg_index).geocode(f"{low[4]} {low[1] + 2}, {low[5]}")
    best = answer.best
    assert best is not None and best.precision is Precision.INTERPOLATED, answer
    mid = LatLng((low[2] + high[2]) / 2, (low[3] + high[3]) / 2)
    assert haversine_m(best.location, mid) < 1.0
    assert math.isclose(best.location.lat, mid.lat, abs_tol=1e-7)


def test_the_geocode_command_prints_places_and_exits_2_on_a_miss(monaco_network: Path) -> None:
    """`doorstep geocode --json` gives each answer with its precision and candidates; exit 2 when one misses."""
    runner = CliRunner()
    ok = runner.invoke(app, ["geocode", "--network", str(monaco_network), "--json", "6 Quai Antoine 1er, Monaco"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.output)
    assert doc["answers"][0]["precision"] == "address" and doc["answers"][0]["issues"] == []
    bad = runner.invoke(app, ["geocode", "--network", str(monaco_network), "--json", "Zyxwvutstraße 3"])
    assert bad.exit_code == 2
    assert json.loads(bad.output)["answers"][0]["issues"][0]["code"] == "E1134"
