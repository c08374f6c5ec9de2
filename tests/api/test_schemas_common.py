"""Request bodies refuse NUL characters anywhere in them, walked once per body."""

from __future__ import annotations

from collections import OrderedDict
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from doorstep.api.schemas_common import LatLngIn, nul_free
from doorstep.api.schemas_driver import FixIn, PositionsIn
from tests.api.conftest import Tenant


class Kind(StrEnum):
    OK = "ok"
    NUL = "n\x00l"


class Number(IntEnum):
    ONE = 1


FIX = {"client_id": "abcdefgh-1", "at": "2026-12-04T10:00:00+00:00", "lat": 1.0, "lng": 2.0}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": ["b", {"c": "d"}], "n": 1.5, "z": None}, True),
        ({"a": ["b", {"c": "d\x00"}]}, False),
        ({"k\x00": 1}, False),
        (("t", "u\x00"), False),
        ("back\\u0000slash", True),  # a backslash and "u0000": six characters of text, no NUL
        ({1: "int keys", "when": object()}, True),
        ({("t", "k\x00"): 1}, False),  # a tuple as a key is walked
        ([1, 2.5, None, True, [["deep\x00"]]], False),
        ({"kind": Kind.NUL}, False),  # a str subclass is a text
        ({"kind": Kind.OK, "n": Number.ONE}, True),
        ({"raw": b"\x00", "set": {"\x00"}}, True),  # neither bytes nor sets are walked (as before)
        ("\x00", False),
        (OrderedDict([("a", "b\x00")]), False),  # a dict subclass is a dict
    ],
)
def test_nul_free_walks_every_key_and_value(value: Any, expected: bool) -> None:
    """Texts at any depth, keys included."""
    assert nul_free(value) is expected


def _errors(model: type[Any], data: Any) -> list[tuple[str, tuple[Any, ...]]] | None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [(e["type"], tuple(e["loc"])) for e in exc.errors()]
    return None


def test_nested_bodies_are_checked_by_the_outermost_and_alone_by_themselves() -> None:
    """A NUL in a nested position is refused at the body (once, as before); a position validated on its own is
    checked itself; other problems are all still reported together."""
    nul = [("value_error", ())]
    assert _errors(PositionsIn, {"positions": [FIX]}) is None
    assert _errors(PositionsIn, {"positions": [{**FIX, "client_id": "abc\x00defgh"}]}) == nul
    assert _errors(PositionsIn, {"positions": [FIX], "route_id": "r\x00"}) == nul
    assert _errors(FixIn, {**FIX, "client_id": "abc\x00defgh"}) == nul
    assert _errors(LatLngIn, {"lat": "1\x00", "lng": 2}) == nul
    many = _errors(PositionsIn, {"positions": [{**FIX, "lat": 100}, {**FIX, "at": "bad"}], "extra": 1})
    assert many is not None
    assert [loc for _, loc in many] == [("positions", 0, "lat"), ("positions", 1, "at"), ("extra",)]
    assert _errors(FixIn, FIX) is None  # the flag of an enclosing body does not outlive its validation


def test_a_day_in_a_query_must_be_written_as_a_date(client: TestClient, tenant: Tenant) -> None:
    """A number where a day is expected is refused (pydantic alone reads "0.0" as the Unix epoch: the stateful
    fuzz found /v1/feedback answering 200 to from=0.0); a real day still works, and the error names the field."""
    bad = client.get("/v1/feedback", params={"from": "0.0", "to": "-1e-71"}, headers=tenant.h())
    assert bad.status_code == 422, bad.text
    assert sorted(d["loc"][-1] for d in bad.json()["error"]["details"]) == ["from", "to"]
    assert client.get("/v1/plans", params={"date": "17"}, headers=tenant.h()).status_code == 422
    assert client.get("/v1/feedback", params={"from": "2025-06-17"}, headers=tenant.h()).status_code == 200
