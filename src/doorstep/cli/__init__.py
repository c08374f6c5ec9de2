"""The `doorstep` command line: Typer commands composed from services, optimize, routing and formats."""
