"""`doorstep org create`: a new organization with its first admin (the way to bootstrap a fresh install)."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.cli.errors import guarded
from doorstep.config import get_settings

org_app = typer.Typer(help="Organizations.", no_args_is_help=True)


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="Organization name.")],
    admin_email: Annotated[str, typer.Option(help="Email of its first admin.")],
    admin_password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="At least 10 characters.")],
) -> None:
    """Create an organization and its admin user on the configured database."""
    from doorstep.services.accounts.accounts import create_organization
    from doorstep.services.kernel.platform import Platform
    from doorstep.store.engine import make_engine, make_session_factory
    from doorstep.store.migrate import upgrade

    def body() -> int:
        url = get_settings().db_url()
        upgrade(url)
        engine = make_engine(url)
        org_id, user_id = create_organization(
            Platform(sessions=make_session_factory(engine)), name, admin_email, admin_password
        )
        engine.dispose()
        typer.echo(f"organization {org_id} created; admin {admin_email} ({user_id})")
        return 0

    raise typer.Exit(guarded(body, json_out=False, debug=False))
