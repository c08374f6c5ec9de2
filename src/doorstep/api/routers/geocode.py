"""/v1/geocode: where the deployment's address index places an address (readers; the dashboard's address search),
and what a partly typed address may be (readers and publishable checkout keys; the address fields' suggestions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_geocode import GeocodeOut, SuggestOut
from doorstep.domain.geo import LatLng
from doorstep.services.fleet import address_suggest, fleet_admin
from doorstep.services.kernel import addresses

router = APIRouter(prefix="/v1/geocode", tags=["geocoding"], responses=ERRORS)


def _match(m: Any) -> dict[str, Any]:
    return {"label": m.label, "precision": m.precision.value, "score": m.score,
            "location": {"lat": m.location.lat, "lng": m.location.lng}}  # fmt: skip


@router.get("", response_model=GeocodeOut, summary="Place an address")
def geocode(
    p: PlatformDep,
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="the address as people write it")],
    depot_id: Annotated[
        str | None, Query(max_length=64, description="of two equally good places far apart, prefer the one near it")
    ] = None,
) -> dict[str, Any]:
    """Every candidate, best first, with its precision (address, interpolated, street) and the issues an order
    given this address would get: none, W1212 (approximate), E1134 (not found) or E1135 (ambiguous). 409 E3015
    on a deployment without an address index."""
    near: LatLng | None = None
    if depot_id is not None:
        depot = fleet_admin.get(p, actor, "depot", depot_id)
        near = LatLng(depot.lat, depot.lng)
    found = addresses.look_up(p, actor, q, near)
    where = found.location
    return {
        "geocoder": found.geocoder,
        "text": found.answer.text,
        "location": None if where is None else {"lat": where.lat, "lng": where.lng},
        "ambiguous": found.answer.ambiguous,
        "matches": [_match(m) for m in found.answer.matches],
        "issues": [i.to_dict() for i in found.issues],
    }


@router.get("/suggest", response_model=SuggestOut, summary="Complete a partly typed address")
def suggest(
    p: PlatformDep,
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="what has been typed so far")],
    limit: Annotated[int, Query(ge=1, le=20, description="at most this many suggestions")] = 8,
) -> dict[str, Any]:
    """The streets the text may begin (from the start of the name or of a later word: ``Santa Cat`` finds ``Rua de
    Santa Catarina``), those in a town or postcode the text names first, then the nearer to the organization's
    depots; after a whole street name and a number, its houses whose number begins with it. Each suggestion's
    ``text`` is what to put in the field. A publishable checkout key may ask (the shop's address field). 409 E3015
    on a deployment without an address index."""
    found = address_suggest.suggest(p, actor, q, limit)
    return {
        "geocoder": found.geocoder,
        "suggestions": [
            {"text": s.text, "label": s.label, "precision": s.precision.value,
             "location": {"lat": s.location.lat, "lng": s.location.lng}}
            for s in found.suggestions
        ],
    }  # fmt: skip
