"""Shared API schema pieces: coordinates, pages and the error envelope (documented in OpenAPI)."""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

_SCALARS = frozenset({int, float, bool, type(None)})


def nul_free(value: Any) -> bool:
    """Whether no text in ``value`` (keys included, at any depth) holds a NUL character. A loop over a stack that
    checks plain texts where it finds them and skips plain numbers: a batch of 50 positions is walked in ~30 us
    (a recursion through generators took ~90 us)."""
    stack: list[Any] = [value]
    push = stack.append
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                return False
        elif isinstance(v, dict):
            for key, x in v.items():
                if type(key) is str:
                    if "\x00" in key:
                        return False
                else:
                    push(key)
                kind = type(x)
                if kind is str:
                    if "\x00" in x:
                        return False
                elif kind not in _SCALARS:
                    push(x)
        elif isinstance(v, list | tuple):
            for x in v:
                kind = type(x)
                if kind is str:
                    if "\x00" in x:
                        return False
                elif kind not in _SCALARS:
                    push(x)
    return True


_CHECKED: ContextVar[bool] = ContextVar("doorstep_nul_checked", default=False)


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

    @model_validator(mode="wrap")
    @classmethod
    def _no_nul(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """The outermost body is walked whole, once; the bodies nested in it (each of a batch's positions) hold
        nothing it has not walked, so they are not walked again while it is validated (a batch of 50 positions
        was walked twice: ~220 us of the ~400 us its validation took)."""
        if _CHECKED.get():
            return handler(data)
        if not nul_free(data):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        token = _CHECKED.set(True)
        try:
            return handler(data)
        finally:
            _CHECKED.reset(token)


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


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """A day in a query or form is YYYY-MM-DD: pydantic alone also reads a number ("0.0") as a Unix time."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("give the day as YYYY-MM-DD")
    return value


DayParam = Annotated[dt.date, BeforeValidator(_iso_date)]  # a query or form parameter that is a day
