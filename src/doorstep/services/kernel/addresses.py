"""Addresses placed with the deployment's geocoder (``Platform.geocoder``: the road network's address index), for
the contexts that take an address where they would take coordinates (orders, checkout offers, the dashboard's
address search)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.domain.errors import DoorstepError, Issue, Severity
from doorstep.domain.geo import LatLng
from doorstep.routing.geocoder import Geocoded, GeocodeMatch, Geocoder, Suggestion, issues_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform

MAX_TEXT = 500


def geocoder_of(p: Platform, loc: Sequence[str | int] = ("address",)) -> Geocoder:
    """The deployment's geocoder, or E3015 (no road network with an address index)."""
    if p.geocoder is None:
        msg = "this deployment places no addresses: its road network (DOORSTEP_NETWORK) has no address index"
        raise DoorstepError([Issue("E3015", msg, tuple(loc))])
    return p.geocoder


def clean_text(text: str, loc: Sequence[str | int]) -> str:
    """The text with runs of white space as one; E1102 when empty, E1132 when too long."""
    clean = " ".join(text.split())
    if not clean:
        raise DoorstepError([Issue("E1102", "an address is required", tuple(loc))])
    if len(clean) > MAX_TEXT:
        raise DoorstepError([Issue("E1132", f"address of {len(clean):,} characters, at most {MAX_TEXT}", tuple(loc))])
    return clean


def place(
    p: Platform, text: str, near: LatLng | None, loc: Sequence[str | int] = ("address",), area_ok: bool = False
) -> tuple[GeocodeMatch, list[Issue]]:
    """Where the address is and its warnings (W1212 when approximate); E1134 / E1135 / E3015 raised, and E1136 for
    a postcode only unless ``area_ok`` (a checkout asking for an area's windows)."""
    answer = geocoder_of(p, loc).geocode(clean_text(text, loc), near=near)
    where, issues = issues_of(answer, loc, area_ok=area_ok)
    if where is None or answer.best is None:
        raise DoorstepError([i for i in issues if i.severity is Severity.ERROR])
    return answer.best, issues


def suggest(p: Platform, text: str, near: Sequence[LatLng], limit: int) -> tuple[str, tuple[Suggestion, ...]]:
    """The geocoder's name and what the partly typed ``text`` may be (the problems at ``q``): E3015 without an address
    index, E1102 / E1132 for an empty or too long text."""
    coder = geocoder_of(p, ("q",))
    return coder.name, coder.suggest(clean_text(text, ("q",)), near, limit)


@dataclass(frozen=True, slots=True)
class Lookup:
    """An address search's answer: the geocoder, every candidate, the location an order would get and its
    issues."""

    geocoder: str
    answer: Geocoded
    location: LatLng | None
    issues: list[Issue]


def look_up(p: Platform, actor: Actor, text: str, near: LatLng | None) -> Lookup:
    """Readers: every candidate for the text, best first (the dashboard's address search, ``GET /v1/geocode``)."""
    actor.require(Permission.READ)
    coder = geocoder_of(p, ("q",))
    answer = coder.geocode(clean_text(text, ("q",)), near=near)
    where, issues = issues_of(answer, ("q",))
    return Lookup(coder.name, answer, where, issues)
