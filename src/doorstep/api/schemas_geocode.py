"""Shapes of /v1/geocode."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from doorstep.api.schemas_common import ErrorDetail


class PointOut(BaseModel):
    """WGS84 decimal degrees."""

    lat: float
    lng: float


class MatchOut(BaseModel):
    """One place the address may be."""

    label: str = Field(description="the street (and number) with its district or town, as the index names them")
    precision: Literal["address", "interpolated", "street", "postcode"] = Field(
        description="at the house; between two known numbers of the street; on the street only; in the middle of a "
        "postcode's area (no street named: an order refuses it, E1136)"
    )
    score: float = Field(description="how well the text matched (about 0.8 to 1.15; higher is better)")
    location: PointOut


class GeocodeOut(BaseModel):
    """Where an address is: the location an order would get (null when not found or ambiguous), every candidate
    best first, and the issues such an order would carry."""

    geocoder: str
    text: str
    location: PointOut | None
    ambiguous: bool
    matches: list[MatchOut]
    issues: list[ErrorDetail] = Field(description="W1212 (approximate), E1134 (not found) or E1135 (ambiguous)")


class SuggestionOut(BaseModel):
    """One completion of the typed text."""

    text: str = Field(description="what to put in the address field: street, number, postcode and town")
    label: str = Field(description="the place as the index names it (street, number, district or town)")
    precision: Literal["address", "interpolated", "street", "postcode"] = Field(
        description="a house; a number placed between two known ones of its street; a street; a postcode's area "
        "(a text of a postcode's first digits: enough for a checkout's windows, not for an order, E1136)"
    )
    location: PointOut


class SuggestOut(BaseModel):
    """Completions of a partly typed address, best first (streets, or a street's houses once a number is typed)."""

    geocoder: str
    suggestions: list[SuggestionOut]
