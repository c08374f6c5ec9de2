"""The app of one API process of ``doorstep serve --workers N``: uvicorn imports this factory in each process it
starts (and in the one it starts again when a process dies), so every process builds its own app, engine and
broker connections from the same settings."""

from __future__ import annotations

from fastapi import FastAPI

from doorstep.api.app import create_app
from doorstep.cli.logs import json_logging
from doorstep.config import get_settings
from doorstep.web.mount import mount_web

FACTORY = "doorstep.cli.serve_app:served_app"


def served_app() -> FastAPI:
    """The API and web pages on the configured database (migrated by the parent ``doorstep serve``)."""
    json_logging()
    app = create_app(get_settings())
    mount_web(app)
    return app
