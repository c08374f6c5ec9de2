"""Addresses to coordinates: the ``Geocoder`` interface, what it answers, and the issues an answer gives an order.

Every answer says how exactly it placed the address (``Precision``): at the house (``address``), between two
known house numbers of the street (``interpolated``), on the street only (``street``), or, for a text that
names no street but a known postcode, in the middle of that postcode's area (``postcode``). An order placed
less exactly than at its house is accepted with a W1212 warning naming the precision, so a dispatcher can check
the pin, but never at a postcode only (E1136: an area is not a door); a checkout may ask for a postcode's
windows (``area_ok``). An address that matches nothing is E1134, one that matches several places equally well
is E1135, listing them. The implementation: ``LocalGeocoder`` (the road network folder's address index,
``routing.address_lookup``); a remote one (a Nominatim or Photon server the deployment runs) would answer the
same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Geocoded as DomainGeocoded

MAX_ADDRESS_CHARS = 500


class Precision(StrEnum):
    """How exactly an answer places the address."""

    ADDRESS = "address"
    INTERPOLATED = "interpolated"
    STREET = "street"
    POSTCODE = "postcode"  # no street in the text, only a postcode: the middle of its houses and streets


RANK = {Precision.ADDRESS: 0, Precision.INTERPOLATED: 1, Precision.STREET: 2, Precision.POSTCODE: 3}


@dataclass(frozen=True, slots=True)
class GeocodeMatch:
    """One place an address may be: where, as the geocoder names it, how exactly, and how well the text matched
    (0..1)."""

    location: LatLng
    label: str
    precision: Precision
    score: float


@dataclass(frozen=True, slots=True)
class Geocoded:
    """The answer for one address: its matches, best first; ``ambiguous`` when the first ones are equally good and
    far apart (the text does not say which)."""

    text: str
    matches: tuple[GeocodeMatch, ...]
    ambiguous: bool = False

    @property
    def best(self) -> GeocodeMatch | None:
        """The place to use, or None (nothing found, or ambiguous)."""
        return self.matches[0] if self.matches and not self.ambiguous else None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion of a partly typed address: the text to put in the field, how the geocoder labels the place,
    where it is and how exactly (``address`` a house, ``interpolated`` between known numbers, ``street``)."""

    text: str
    label: str
    location: LatLng
    precision: Precision


class Geocoder(Protocol):
    """Anything that places addresses."""

    @property
    def name(self) -> str:
        """Shown with the answers (``network:heidelberg``, ``nominatim:http://…``)."""
        ...

    def geocode(self, text: str, near: LatLng | None = None) -> Geocoded:
        """Where ``text`` is; ``near`` (a depot) decides between equally good places far apart."""
        ...

    def suggest(self, text: str, near: Sequence[LatLng] = (), limit: int = 8) -> tuple[Suggestion, ...]:
        """What a partly typed ``text`` may be, best first (a typeahead); places nearer ``near`` first."""
        ...


def order_place(
    answer: Geocoded, loc: Sequence[str | int], ref: str | None = None
) -> tuple[LatLng | None, DomainGeocoded | None, list[Issue]]:
    """What an answer gives an order: its location, how it was found (``Order.geocoded``) and its issues
    (``issues_of``); no location and no ``geocoded`` when not found, ambiguous or only a postcode."""
    where, issues = issues_of(answer, loc, ref)
    best = answer.best
    if where is None or best is None:
        return None, None, issues
    return where, DomainGeocoded(best.precision.value, best.label), issues


def issues_of(
    answer: Geocoded, loc: Sequence[str | int], ref: str | None = None, area_ok: bool = False
) -> tuple[LatLng | None, list[Issue]]:
    """The location an answer gives an order and its issues: E1134 (not found), E1135 (ambiguous, the candidates
    listed), W1212 (placed on the street or between house numbers), E1136 (only a postcode: no place for an order;
    with ``area_ok``, a checkout asking for an area's windows, the postcode's middle with W1212)."""
    where = tuple(loc)
    shown = answer.text if len(answer.text) <= 80 else answer.text[:77] + "..."
    if not answer.matches:
        return None, [Issue("E1134", f"address {shown!r} not found", where, ref)]
    best = answer.best
    if best is None:
        options = "; ".join(f"{m.label} ({m.location.lat:.5f}, {m.location.lng:.5f})" for m in answer.matches[:3])
        return None, [Issue("E1135", f"address {shown!r} matches several places: {options}", where, ref)]
    if best.precision is Precision.ADDRESS:
        return best.location, []
    if best.precision is Precision.POSTCODE and not area_ok:
        msg = f"address {shown!r} names no street, only postcode {best.label}: an area, not a door"
        return None, [Issue("E1136", msg, where, ref)]
    how = {Precision.STREET: "on its street", Precision.POSTCODE: "in the middle of its postcode's area"}.get(
        best.precision, "between the street's known house numbers"
    )
    at = f"{best.location.lat:.5f}, {best.location.lng:.5f}"
    msg = f"address {shown!r} placed {how}, not at the house ({best.label}; {at})"
    return best.location, [Issue("W1212", msg, where, ref)]
