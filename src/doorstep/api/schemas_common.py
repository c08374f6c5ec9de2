"""Shared API schema pieces: coordinates, pages and the error envelope (documented in OpenAPI)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


def _nul_free(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_nul_free(k) and _nul_free(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_nul_free(v) for v in value)
    return True


MAX_INT = 2_000_000_000  # every integer a client sends fits a 32-bit database column
Amount = Annotated[int, Field(ge=0, le=MAX_INT)]

# Timestamps and days that services hand over already formatted (``datetime.isoformat()``, offset ``+00:00``):
# typed as strings so the answer keeps its exact text (a datetime field would re-write it, ``+00:00`` as ``Z``),
# documented with their JSON Schema format.
IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]


class Strict(BaseModel):
    """Request bodies refuse unknown fields (a typo must not be silently ignored) and NUL characters (no database
    stores them in text)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if not _nul_free(data):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return data


class Out(BaseModel):
    """Response bodies read from stored rows."""

    model_config = ConfigDict(from_attributes=True)


class LatLngIn(Strict):
    """A WGS84 position."""

    lat: float = Field(ge=-90, le=90, examples=[38.7223])
    lng: float = Field(ge=-180, le=180, examples=[-9.1393])


class ErrorDetail(BaseModel):
    """One problem."""

    code: str
    message: str
    action: str
    loc: list[str | int]
    id: str | None = None


class IssueOut(BaseModel):
    """A problem or warning reported with an answer (not an error): ``id`` only when it names an object."""

    code: str = Field(examples=["W1410"])
    message: str
    action: str
    loc: list[str | int]
    id: str | None = Field(None, exclude_if=lambda v: v is None)


class ErrorBody(BaseModel):
    """The error itself."""

    code: str = Field(examples=["E1302"])
    message: str = Field(examples=["order ord_01jb... not found"])
    action: str = Field(examples=["Check the id; objects of other organizations are not visible."])
    details: list[ErrorDetail]


class ErrorEnvelope(BaseModel):
    """Every error response has this shape."""

    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in (
        (401, "not authenticated (E4001)"),
        (403, "role or key scope does not allow it (E4002)"),
        (404, "no such object in your organization (E1302)"),
        (409, "state conflict: stale version, status, running job (E2xxx)"),
        (413, "body too large (E1303)"),
        (422, "invalid input: every problem in details (E1xxx)"),
        (429, "rate limited: see Retry-After (E4003)"),
    )
}


class Page[T](BaseModel):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one (null at the end)."""

    items: list[T]
    next_cursor: str | None = None
