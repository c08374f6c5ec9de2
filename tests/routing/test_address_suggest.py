"""Addresses suggested while someone types: streets from the start of their name or a later word, the town or
postcode typed narrowing them, the depots ranking them, then a street's houses by the number typed; every
suggestion's text placed by the geocoder where the suggestion is."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_index import INDEX_FILE
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.routing.address_suggest import typed_keys
from doorstep.routing.address_text import first_number, loose_key, number_key
from doorstep.routing.geocoder import Precision

NECKARGEMUEND = LatLng(49.3920, 8.7990)


@pytest.fixture(scope="module")
def coder(heidelberg_index: Path) -> LocalGeocoder:
    return LocalGeocoder(heidelberg_index)


def test_the_word_being_typed_is_tried_as_typed_and_as_the_geocoder_reads_it() -> None:
    """``Av`` may begin ``Avenue`` though a finished ``Av.`` means ``Avenida``; ``Hauptstr`` is ``Hauptstraße``;
    ``Kurfuersten`` is read with its umlaut."""
    assert set(typed_keys("Av")) == {loose_key("Avenida"), "av"}
    assert loose_key("Avenue de la Costa").startswith(typed_keys("Av")[1])
    assert loose_key("Hauptstraße").startswith(typed_keys("Hauptstr")[0])
    assert loose_key("Kurfürsten-Anlage").startswith(typed_keys("Kurfuersten")[0])
    assert typed_keys("  ") == []


def test_house_number_ranges_keep_their_hyphen() -> None:
    """``234-236`` is not house 234236 (the key joined the two numbers before); a slash is a hyphen."""
    assert number_key("234 - 236") == number_key("234-236") == "234-236" != number_key("234236")
    assert number_key("12/1") == "12-1" and number_key("12 A") == "12a"
    assert first_number("234-236") == 234


def test_streets_begin_with_the_text_or_one_of_their_later_words(coder: LocalGeocoder) -> None:
    """``Kurfuersten`` finds the Kurfürsten-Anlage first; ``Neuenheimer F`` finds Im Neuenheimer Feld (a later
    word); streets only, each with the text to put in the field; at most ``limit``; a single letter finds none."""
    first = coder.suggest("Kurfuersten")[0]
    assert (first.label, first.precision, first.text) == (
        "Kurfürsten-Anlage, Heidelberg",
        Precision.STREET,
        "Kurfürsten-Anlage, 69115 Heidelberg",
    )
    feld = coder.suggest("Neuenheimer F")
    assert [s.label for s in feld] == ["Im Neuenheimer Feld, Heidelberg"]
    many = coder.suggest("Ha", limit=4)
    assert len(many) == 4 and all(s.precision is Precision.STREET for s in many)
    assert coder.suggest("H") == ()


def test_the_town_typed_narrows_and_the_depots_rank(coder: LocalGeocoder) -> None:
    """Several villages have a Hauptstraße: with ``, Neckarg`` typed only Neckargemünd's is offered; with none,
    a depot in Neckargemünd puts its Hauptstraße first and one in Heidelberg the town's."""
    narrowed = coder.suggest("Hauptstraße, Neckarg")
    assert [s.label for s in narrowed] == ["Hauptstraße, Neckargemünd"]
    assert len({s.label for s in coder.suggest("Hauptstraße")}) >= 3
    assert coder.suggest("Hauptstraße", near=(NECKARGEMUEND,))[0].label == "Hauptstraße, Neckargemünd"
    old_town = LatLng(49.4110, 8.7060)
    assert coder.suggest("Hauptstraße", near=(old_town,))[0].label == "Hauptstraße, Heidelberg"


def test_a_number_after_a_street_lists_its_houses_in_number_order(coder: LocalGeocoder) -> None:
    """``Im Neuenheimer Feld 2``: the street's houses whose number begins with 2, in number order, at their
    houses, each text ending in its postcode and town."""
    houses = coder.suggest("Im Neuenheimer Feld 2", limit=20)
    assert len(houses) >= 5 and all(s.precision is Precision.ADDRESS for s in houses)
    numbers = [s.label.removeprefix("Im Neuenheimer Feld ").split(",")[0] for s in houses]
    assert all(n.startswith("2") for n in numbers)
    assert [first_number(n) for n in numbers] == sorted(first_number(n) or 0 for n in numbers)
    assert all(s.text.endswith(", 69120 Heidelberg") for s in houses)
    assert "234-236" in numbers  # a range shown as written


def test_a_number_no_house_begins_is_placed_as_the_geocoder_would(coder: LocalGeocoder) -> None:
    """No house of the Plöck begins with 2 in the extract: the one suggestion is the number on its street (or
    between known numbers), as an order with that text would be placed."""
    (s,) = coder.suggest("Plöck 2, Heidelberg")
    assert s.text == "Plöck 2, 69117 Heidelberg" and s.precision in (Precision.STREET, Precision.INTERPOLATED)
    best = coder.geocode(s.text).best
    assert best is not None and best.location == s.location


def test_every_house_of_the_index_is_suggested_and_its_text_placed_there(heidelberg_index: Path) -> None:
    """Typing each house of the index as people write it (street, number, town): its suggestion is there, and the
    geocoder places the suggestion's text at the suggestion (of two buildings with one number, where the geocoder
    places it). The one exception is a number the address reader cannot take (``30a-g``)."""
    coder = LocalGeocoder(heidelberg_index)
    db = sqlite3.connect(heidelberg_index / INDEX_FILE)
    rows = db.execute(
        "SELECT s.name, a.number, a.town, s.label_place FROM addresses a JOIN streets s ON s.id = a.street_id"
    ).fetchall()
    missed, elsewhere = [], []
    for name, number, town, label_place in rows:
        typed = ", ".join(p for p in (f"{name} {number}", town or label_place) if p)
        hit = next((s for s in coder.suggest(typed, limit=20) if s.text.split(",")[0] == f"{name} {number}"), None)
        if hit is None:
            missed.append(typed)
            continue
        best = coder.geocode(hit.text).best
        if best is None or haversine_m(best.location, hit.location) > 1.0:
            elsewhere.append(hit.text)
    assert len(rows) > 500
    assert [m for m in missed if "30a-g" not in m] == [] and elsewhere == []


def test_the_first_digits_of_a_postcode_suggest_the_postcodes_areas(coder: LocalGeocoder) -> None:
    """``691`` names no street: the postcodes it begins, in order, each the middle of its area (what a checkout
    takes for 'enter your postcode'); the whole postcode, its one area; letters alone that match nothing, none."""
    areas = coder.suggest("691", limit=3)
    assert [s.text for s in areas] == ["69115 Heidelberg", "69117 Heidelberg", "69118 Heidelberg"]
    assert all(s.precision is Precision.POSTCODE for s in areas)
    (old_town,) = coder.suggest("69117")
    best = coder.geocode("69117 Heidelberg").best
    assert best is not None and best.location == old_town.location
    assert coder.suggest("Qxzqy") == ()
