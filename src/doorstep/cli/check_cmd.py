"""`doorstep check PLAN.json`: re-verify a plan (possibly hand-edited) against its problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from doorstep.cli.errors import EXIT_OK, EXIT_VIOLATIONS, guarded
from doorstep.config import get_settings
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.plan import Violation

console = Console()


def read_json(path: Path) -> Any:
    """Parse a JSON file; a missing file is E1001 and bad syntax E1005 with the position."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DoorstepError([Issue("E1001", f"{path}: cannot read ({exc})", (str(path),))]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path}: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise DoorstepError([Issue("E1005", msg, (str(path),))]) from None


def violation_dict(v: Violation) -> dict[str, Any]:
    """A violation as JSON."""
    return {
        "kind": v.kind,
        "message": v.message,
        "route_id": v.route_id,
        "order_id": v.order_id,
        "amount": v.amount,
    }


def check(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan.json written by `doorstep plan`.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the violations (or error envelope) as JSON.")] = False,
    network: Annotated[
        Path | None, typer.Option("--network", help="Check on this road network's times (as the plan was made).")
    ] = None,
) -> None:
    """Check every constraint of a plan: exit 0 when valid, 3 when violations are found, 2 on a bad file.

    A plan made on road times (`plan --network`) must be checked on the same network.
    """
    from doorstep.cli.render import violations_table
    from doorstep.cli.run import travel_provider
    from doorstep.formats.plan_json import plan_from_dict
    from doorstep.optimize.check import check_plan

    def body() -> int:
        plan, problem, _options = plan_from_dict(read_json(plan_file))
        provider = travel_provider(problem, get_settings(), network)
        made_with = plan.stats.provider
        mismatch = (
            f"the plan was made with {made_with} travel times but is checked with {provider.name}"
            if made_with and made_with != provider.name
            else None
        )
        violations = check_plan(problem, plan, provider)
        if json_out:
            doc = {
                "ok": not violations,
                "plan_id": plan.id,
                "travel_model": provider.name,
                "warning": mismatch,
                "violations": [violation_dict(v) for v in violations],
            }
            print(json.dumps(doc, ensure_ascii=False, indent=2))
            return EXIT_VIOLATIONS if violations else EXIT_OK
        if mismatch:
            console.print(f"[yellow]warning:[/yellow] {mismatch}")
        if violations:
            console.print(violations_table(violations))
        else:
            console.print(f"[green]OK[/green] plan {plan.id}: {len(plan.routes)} routes, no violations.")
        return EXIT_VIOLATIONS if violations else EXIT_OK

    raise typer.Exit(guarded(body, json_out=json_out, debug=bool(ctx.obj and ctx.obj.get("debug"))))
