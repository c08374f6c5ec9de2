"""JSON plumbing shared by the Doorstep and VROOM readers: decoding, published schemas, paths."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from doorstep.domain.errors import DoorstepError, Issue

SCHEMAS = ("doorstep-problem.schema.json", "doorstep-fleet.schema.json")


def json_path(loc: Sequence[str | int]) -> str:
    """``("vehicles", 0, "capacity")`` as ``$.vehicles[0].capacity``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def read_text(path: Path) -> str:
    """A file's UTF-8 text; E1001 when it cannot be read, E1003 when it is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: {exc.strerror or exc.__class__.__name__}"
        raise DoorstepError([Issue("E1001", msg, ("file", str(path)))]) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = f"{path.name}: byte 0x{data[exc.start]:02x} on line {line} is not UTF-8"
        raise DoorstepError([Issue("E1003", msg, ("line", line))]) from exc


def parse_json(text: str, name: str = "input") -> Any:
    """Decoded JSON; a syntax error is E1005 naming its line and column."""
    if not text.strip():
        raise DoorstepError([Issue("E1002", f"{name} is empty", ("file", name))])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{name}: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise DoorstepError([Issue("E1005", msg, ("line", exc.lineno, "column", exc.colno))]) from exc


def read_json(path: Path) -> Any:
    """A JSON file decoded (E1001, E1003, E1005 on failure)."""
    return parse_json(read_text(path), path.name)


@cache
def _registry() -> Registry[Any]:
    folder = resources.files("doorstep.formats").joinpath("schema")
    resources_ = []
    for name in SCHEMAS:
        doc = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        resources_.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources_)


def schema(name: str) -> dict[str, Any]:
    """One of the published schemas (``doorstep-problem.schema.json``, ``doorstep-fleet.schema.json``)."""
    base = "https://doorstep.dev/schema/"
    contents: dict[str, Any] = _registry().contents(base + name)
    return contents


def _object_id(data: Any, loc: Sequence[str | int]) -> str | None:
    if len(loc) >= 2 and isinstance(data, dict) and isinstance(loc[1], int):
        items = data.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            obj = items[loc[1]]
            for key in ("id", "external_ref", "name"):
                if isinstance(obj.get(key), str | int):
                    return str(obj[key])
    return None


def _message(err: ValidationError) -> str:
    """jsonschema's message, made plainer for the two cases that read badly."""
    sch = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = sch.get("properties", {})
        extra = [k for k in err.instance if k not in known and not str(k).startswith("x-")]
        return f"unknown key(s) {', '.join(map(repr, extra))} (extension keys must start with 'x-')"
    options = sch.get("anyOf") if err.validator == "anyOf" else None
    if isinstance(options, list) and all(set(o) == {"required"} for o in options):
        return "needs one of the keys " + " or ".join(repr(o["required"][0]) for o in options)
    return err.message


def schema_issues(data: Any, name: str) -> list[Issue]:
    """Every place where ``data`` breaks the named schema, as E1006 issues located by JSON path."""
    validator = Draft202012Validator(schema(name), registry=_registry())
    issues = []
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        loc = tuple(p if isinstance(p, int) else str(p) for p in err.absolute_path)
        issues.append(Issue("E1006", f"{json_path(loc)}: {_message(err)}", loc, _object_id(data, loc)))
    return issues
