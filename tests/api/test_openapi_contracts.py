"""The OpenAPI document types every JSON answer (the /v1 API and the probes): no 2xx JSON response is left without
a schema or with an open one (``{}``, an object of free keys), and the open objects nested in answers are a known,
justified list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings

Schema = dict[str, Any]

# Answers that may stay open at their top level, with why: none today. Add one only for an answer whose shape
# the client decides (a user-supplied free-form object), never to skip typing a service's view.
OPEN_ANSWERS: dict[tuple[str, str], str] = {}

PAYLOAD = "an event's payload differs per event type (docs/api.md, Webhooks)"

# Open objects nested in typed answers (``Schema.field``, ``[]`` for list items), with why they stay open.
OPEN_FIELDS: dict[str, str] = {
    "OrderOut.data": "the order document as the client sent it (its own fields included) and as stored",
    "OrderCreated.data": "the order document as the client sent it (its own fields included) and as stored",
    "doorstep__api__schemas_orders__EventOut.data": PAYLOAD,
    "doorstep__api__routers__events__EventOut.data": PAYLOAD,
    "DeliveryOut.payload": "the webhook body exactly as signed and sent to the subscriber",
    "SlotPolicyOut.policy": "the organization's slot policy document as the admin saved it (docs/slots.md)",
    "RouteOut.data": "the stored route document of plan.json (re-checkable by `doorstep check`)",
    "PlanOut.options": "the solve options as given and stored, reproducible from a file",
    "PlanOut.stats": "the stats block of plan.json, as the solver wrote it",
    "PlanOut.kept_routes[]": "route documents of plan.json (stops with their ETAs)",
    "EditOut.routes[]": "route documents of plan.json (stops with their ETAs)",
    "PositionsOut.refused[]": "position ingest (owned by the scale work): refused fixes with their issues",
    "PositionsOut.warnings[]": "position ingest (owned by the scale work): issue dicts",
    "AccessZoneOut.geometry": "a GeoJSON Polygon or MultiPolygon as the admin saved it (checked: E1620)",
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    """The OpenAPI document the app serves (no database is touched to build it)."""
    path: Path = tmp_path_factory.mktemp("openapi") / "doorstep.sqlite"
    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key="openapi-secret-" + "x" * 32))
    doc: Schema = app.openapi()
    return doc


def _resolve(doc: Schema, schema: Schema) -> tuple[str, Schema]:
    name = ""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return name, schema


def is_open(doc: Schema, schema: Schema | None) -> bool:
    """No schema, ``{}``, an object without properties whose values are untyped (``dict[str, Any]``), or a list,
    map or union of such (a map of typed values, ``dict[str, int]``, is typed)."""
    if schema is None:
        return True
    _, s = _resolve(doc, schema)
    if not s:
        return True
    if s.get("type") == "array":
        return is_open(doc, s.get("items"))
    members = [m for m in s.get("anyOf", []) + s.get("oneOf", []) if m.get("type") != "null"]
    if members:
        return any(is_open(doc, m) for m in members)
    if s.get("type") != "object" or s.get("properties"):
        return False
    values = s.get("additionalProperties", True)
    return values is True or is_open(doc, values)


def json_answers(doc: Schema) -> Iterator[tuple[str, str, str, Schema | None]]:
    """(method, path, status, schema) of every 2xx JSON answer (streams, files and pages declare other types)."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op.get("responses", {}).items():
                content = response.get("content", {})
                if status.startswith("2") and "application/json" in content:
                    yield method.upper(), path, status, content["application/json"].get("schema")


def open_fields(doc: Schema, schema: Schema | None, where: str, seen: frozenset[str]) -> Iterator[str]:
    """``Schema.field`` of every open object below a typed answer (each named schema walked once per branch)."""
    if schema is None:
        return
    name, s = _resolve(doc, schema)
    if name:
        if name in seen:
            return
        where, seen = name, seen | {name}
    for member in s.get("anyOf", []) + s.get("oneOf", []) + s.get("allOf", []):
        yield from open_fields(doc, member, where, seen)
    if s.get("type") == "array":
        items = s.get("items")
        if items is not None and is_open(doc, items):
            yield f"{where}[]"
        else:
            yield from open_fields(doc, items, f"{where}[]", seen)
    values = s.get("additionalProperties")
    if isinstance(values, dict) and values:
        yield from open_fields(doc, values, f"{where}.*", seen)
    for key, sub in s.get("properties", {}).items():
        if is_open(doc, sub):
            yield f"{where}.{key}" + ("[]" if _resolve(doc, sub)[1].get("type") == "array" else "")
        else:
            yield from open_fields(doc, sub, f"{where}.{key}", seen)


def test_every_json_answer_has_a_typed_schema(document: Schema) -> None:
    """No 2xx JSON answer (every /v1 operation, /healthz, /readyz) is undocumented or open at its top level
    (beyond the justified allow-list)."""
    answers = list(json_answers(document))
    untyped = sorted(
        f"{method} {path} {status}"
        for method, path, status, schema in answers
        if is_open(document, schema) and (method, path) not in OPEN_ANSWERS
    )
    assert len(answers) > 90  # the walk saw the API (about 100 JSON answers today)
    assert {("GET", "/v1/live/snapshot"), ("GET", "/readyz")} <= {(m, p) for m, p, _, _ in answers}
    assert untyped == []


def test_open_objects_nested_in_answers_are_the_justified_ones(document: Schema) -> None:
    """Every open object inside an answer is on the list with its reason, and every listed one still exists."""
    found = {f for _, _, _, schema in json_answers(document) for f in open_fields(document, schema, "", frozenset())}
    assert sorted(found - OPEN_FIELDS.keys()) == []
    assert sorted(OPEN_FIELDS.keys() - found) == []


def test_the_walk_finds_open_answers() -> None:
    """The check can fail: ``{}``, a free-keys object, a map of them, a list of them and a union with one are all
    open; a typed object, a map of integers, a list of typed objects and a nullable typed object are not."""
    doc: Schema = {"components": {"schemas": {"T": {"type": "object", "properties": {"a": {"type": "string"}}}}}}
    ref = {"$ref": "#/components/schemas/T"}
    free = {"type": "object", "additionalProperties": True}
    maps: list[Schema] = [{"type": "object"}, {"type": "object", "additionalProperties": free}]
    opened: list[Schema | None] = [None, {}, free, *maps, {"type": "array", "items": free}, {"anyOf": [free, ref]}]
    assert [is_open(doc, s) for s in opened] == [True] * 7
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    typed: list[Schema] = [ref, counts, {"type": "array", "items": ref}, {"anyOf": [ref, {"type": "null"}]}]
    assert [is_open(doc, s) for s in typed] == [False] * 4
