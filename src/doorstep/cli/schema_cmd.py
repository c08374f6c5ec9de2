"""`doorstep schema [problem|fleet]`: print the published JSON Schema of an input file."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from typing import Annotated

import typer

from doorstep.cli.errors import guarded


class SchemaName(StrEnum):
    """Which input's schema."""

    PROBLEM = "problem"
    FLEET = "fleet"


def schema_text(name: str) -> str:
    """The schema shipped as ``doorstep/formats/schema/doorstep-<name>.schema.json``."""
    return (
        resources.files("doorstep.formats")
        .joinpath("schema", f"doorstep-{name}.schema.json")
        .read_text(encoding="utf-8")
    )


def schema(
    ctx: typer.Context,
    name: Annotated[SchemaName, typer.Argument(help="problem (orders + fleet) or fleet.")] = SchemaName.PROBLEM,
) -> None:
    """Print the JSON Schema of a Doorstep problem or fleet file."""

    def body() -> int:
        print(schema_text(name.value), end="")
        return 0

    raise typer.Exit(guarded(body, json_out=False, debug=bool(ctx.obj and ctx.obj.get("debug"))))
