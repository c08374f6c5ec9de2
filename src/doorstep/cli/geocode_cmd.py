"""`doorstep geocode`: where the road network's address index places addresses (one per argument, or a file of one
address per line), with how exactly it placed each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import track
from rich.table import Table

from doorstep.cli.errors import guarded
from doorstep.config import get_settings
from doorstep.domain.errors import DoorstepError, Issue

console = Console()


def geocode(
    ctx: typer.Context,
    addresses: Annotated[list[str] | None, typer.Argument(help="Addresses, e.g. 'Hauptstraße 12, Heidelberg'.")] = None,
    network: Annotated[
        Path | None, typer.Option("--network", help="Road network folder (doorstep network build) [DOORSTEP_NETWORK].")
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="A text file of addresses, one per line (UTF-8).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the answers as JSON only.")] = False,
) -> None:
    """Place ADDRESSES with the network's address index: the place, its precision (address, interpolated,
    street) and the other candidates. Exits 2 when an address is not found or ambiguous."""
    from doorstep.routing.address_lookup import LocalGeocoder
    from doorstep.routing.geocoder import issues_of

    def body() -> int:
        folder = network or get_settings().network
        if folder is None:
            msg = "no road network: give --network or set DOORSTEP_NETWORK"
            raise DoorstepError([Issue("E3015", msg, ("network",))])
        texts = list(addresses or [])
        if from_file is not None:
            try:
                texts += [t.strip() for t in from_file.read_text(encoding="utf-8").splitlines() if t.strip()]
            except (OSError, UnicodeDecodeError) as exc:
                raise DoorstepError([Issue("E1001", f"{from_file}: {exc}", ("from",))]) from None
        if not texts:
            raise DoorstepError([Issue("E1002", "no address given", ("addresses",))])
        coder = LocalGeocoder(folder)
        rows = texts if json_out or len(texts) < 50 else track(texts, description="Geocoding", console=console)
        answers = [coder.geocode(t) for t in rows]
        failed = 0
        out, table = [], Table("address", "placed at", "precision", "lat", "lng", "note", title=coder.name)
        for a in answers:
            where, issues = issues_of(a, ("address",))
            failed += where is None
            best = a.best
            out.append({
                "address": a.text,
                "location": None if where is None else {"lat": where.lat, "lng": where.lng},
                "label": best.label if best else None,
                "precision": best.precision.value if best else None,
                "issues": [i.to_dict() for i in issues],
                "candidates": [{"label": m.label, "precision": m.precision.value, "score": m.score,
                                "lat": m.location.lat, "lng": m.location.lng} for m in a.matches],
            })  # fmt: skip
            note = "; ".join(f"{i.code} {i.message}" for i in issues if i.code != "W1212")
            table.add_row(
                escape(a.text),
                escape(best.label) if best else "–",
                best.precision.value if best else "–",
                f"{where.lat:.5f}" if where else "–",
                f"{where.lng:.5f}" if where else "–",
                escape(note),
            )
        if json_out:
            print(json.dumps({"geocoder": coder.name, "answers": out}, ensure_ascii=False, indent=2))
        else:
            console.print(table)
            console.print(f"[dim]{coder.meta.get('attribution', '')}[/dim]")
        return 2 if failed else 0

    raise typer.Exit(guarded(body, json_out=json_out, debug=bool(ctx.obj and ctx.obj.get("debug"))))
