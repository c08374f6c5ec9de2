"""Shared API schema pieces: coordinates, pages and the error envelope (documented in OpenAPI)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from types import UnionType
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    model_validator,
)

_SCALARS = frozenset({int, float, bool, type(None)})


def scan(value: Any) -> tuple[bool, bool]:
    """Whether no text in ``value`` (keys included, at any depth) holds a NUL character, and whether it holds a
    ``true`` or ``false`` anywhere. A loop over a stack that checks plain texts where it finds them and skips
    plain numbers: a batch of 50 positions is walked in ~30 us (a recursion through generators took ~90 us)."""
    stack: list[Any] = [value]
    push = stack.append
    bools = isinstance(value, bool)
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                return False, bools
        elif isinstance(v, dict):
            for key, x in v.items():
                if type(key) is str:
                    if "\x00" in key:
                        return False, bools
                else:
                    push(key)
                kind = type(x)
                if kind is str:
                    if "\x00" in x:
                        return False, bools
                elif kind is bool:
                    bools = True
                elif kind not in _SCALARS:
                    push(x)
        elif isinstance(v, list | tuple):
            for x in v:
                kind = type(x)
                if kind is str:
                    if "\x00" in x:
                        return False, bools
                elif kind is bool:
                    bools = True
                elif kind not in _SCALARS:
                    push(x)
    return True, bools


def nul_free(value: Any) -> bool:
    """Whether no text in ``value`` (keys included, at any depth) holds a NUL character."""
    return scan(value)[0]


_CHECKED: ContextVar[bool] = ContextVar("doorstep_nul_checked", default=False)
_BOOLS: ContextVar[bool] = ContextVar("doorstep_body_has_bools", default=False)  # the body holds true or false


MAX_INT = 2_000_000_000  # every integer a client sends fits a 32-bit database column
Amount = Annotated[int, Field(ge=0, le=MAX_INT)]

# Timestamps and days that services hand over already formatted (``datetime.isoformat()``, offset ``+00:00``):
# typed as strings so the answer keeps its exact text (a datetime field would re-write it, ``+00:00`` as ``Z``),
# documented with their JSON Schema format.
IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]


def _members(annotation: Any) -> list[Any]:
    """The alternatives a field's annotation allows (through ``Optional``, unions and ``Annotated``)."""
    if get_origin(annotation) is Annotated:
        return _members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return [m for a in get_args(annotation) for m in _members(a)]
    return [annotation]


def _numeric(annotation: Any) -> bool:
    """Whether a field asks for numbers: a number itself (never also a boolean), or a list or mapping of them."""
    members = _members(annotation)
    if set(members) & {bool, Any}:
        return False
    if set(members) & {int, float}:
        return True
    inner = [get_args(m)[-1] for m in members if get_origin(m) in (dict, Mapping, list, Sequence) and get_args(m)]
    return any(_numeric(a) for a in inner)


def _as_given(value: Any, annotation: Any) -> Any:
    """``value`` with each ``true``/``false`` where ``annotation`` asks for a number turned into the text it was
    (``"true"``), which number validation then refuses at its place; the value itself when it has none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    members = _members(annotation)
    if isinstance(value, dict):
        inner = [get_args(m)[1] for m in members if get_origin(m) in (dict, Mapping) and len(get_args(m)) == 2]
        if inner and _numeric(inner[0]) and any(isinstance(v, bool | dict | list) for v in value.values()):
            return {k: _as_given(v, inner[0]) for k, v in value.items()}
    if isinstance(value, list):
        inner = [get_args(m)[0] for m in members if get_origin(m) in (list, Sequence) and get_args(m)]
        if inner and _numeric(inner[0]) and any(isinstance(v, bool | dict | list) for v in value):
            return [_as_given(v, inner[0]) for v in value]
    return value


class Strict(BaseModel):
    """Request bodies refuse unknown fields (a typo must not be silently ignored), NUL characters (no database
    stores them in text) and ``true``/``false`` where a number is asked for (Pydantic's lax mode reads them as 1
    and 0: ``"lng": true`` would be a longitude of 1)."""

    model_config = ConfigDict(extra="forbid")
    _numbers: ClassVar[tuple[tuple[str, Any], ...]] = ()  # (field, annotation) of the fields that take numbers

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._numbers = tuple((name, f.annotation) for name, f in cls.model_fields.items() if _numeric(f.annotation))

    @model_validator(mode="wrap")
    @classmethod
    def _no_nul(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """The outermost body is walked whole for NUL and booleans, once; the bodies nested in it (each of a
        batch's positions) hold nothing it has not walked, so they are not walked again while it is validated (a
        batch of 50 positions was walked twice: ~220 us of the ~400 us its validation took). Where the body
        holds a ``true``/``false``, each model hands one given for a number on as the text it was, so the field
        refuses it where it is (a per-field validator made a 50-position batch 5x slower; this way a body
        without booleans pays nothing)."""
        if _CHECKED.get():
            return handler(cls._numbers_as_given(data) if _BOOLS.get() else data)
        clean, bools = scan(data)
        if not clean:
            raise ValueError("text must not contain NUL (\\u0000) characters")
        token, token_bools = _CHECKED.set(True), _BOOLS.set(bools)
        try:
            return handler(cls._numbers_as_given(data) if bools else data)
        finally:
            _CHECKED.reset(token)
            _BOOLS.reset(token_bools)

    @classmethod
    def _numbers_as_given(cls, data: Any) -> Any:
        """``data`` with each ``true``/``false`` given for one of this model's number fields as its text."""
        if not isinstance(data, dict) or not cls._numbers:
            return data
        found = {k: _as_given(data[k], a) for k, a in cls._numbers if isinstance(data.get(k), bool | dict | list)}
        changed = {k: v for k, v in found.items() if v is not data[k]}
        return {**data, **changed} if changed else data


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
