"""`doorstep db upgrade`: create or migrate the database named by DOORSTEP_DATABASE_URL."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.config import get_settings

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Apply the migrations shipped with Doorstep (SQLite or PostgreSQL, from DOORSTEP_DATABASE_URL)."""
    from doorstep.store.migrate import upgrade

    url = get_settings().db_url()
    upgrade(url, revision)
    shown = url.split("@")[-1] if "@" in url else url
    typer.echo(f"database at {shown} is at revision {revision}")
