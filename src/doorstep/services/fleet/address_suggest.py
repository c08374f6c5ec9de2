"""Address suggestions while someone types (the checkout's and the dashboard's address fields): the deployment's
geocoder completes the text (``routing.address_suggest``), the places nearer the organization's depots first.
Readers and a shop's publishable ``checkout`` key may ask."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from doorstep.domain.geo import LatLng
from doorstep.routing.geocoder import Suggestion
from doorstep.services.kernel import addresses
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models_fleet import DepotRow

MAX_DEPOTS = 50  # the nearest of this many depots ranks a street (an organization has a handful)


@dataclass(frozen=True, slots=True)
class Suggested:
    """The geocoder that answered and its suggestions, best first."""

    geocoder: str
    suggestions: tuple[Suggestion, ...]


def suggest(p: Platform, actor: Actor, text: str, limit: int) -> Suggested:
    """At most ``limit`` completions of ``text``; E3015 on a deployment without an address index, E1102 / E1132
    for an empty or too long text."""
    actor.require_any(Permission.READ, Permission.CHECKOUT)
    addresses.geocoder_of(p, ("q",))  # E3015 before the database is read
    with p.uow(actor) as uow:
        rows = uow.session.execute(
            select(DepotRow.lat, DepotRow.lng).where(DepotRow.org_id == uow.org_id).limit(MAX_DEPOTS)
        ).all()
    name, found = addresses.suggest(p, text, tuple(LatLng(lat, lng) for lat, lng in rows), limit)
    return Suggested(name, found)
