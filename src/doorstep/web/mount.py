"""Attach the dashboard pages and static assets (ours and Leaflet from xstatic-leaflet) to the API app."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


def mount_web(app: FastAPI) -> None:
    """Serve ``/login`` and ``/app`` (the dashboard); assets under ``/static``. Everything works offline."""
    app.mount("/static/leaflet", StaticFiles(directory=xstatic_leaflet.BASE_DIR), name="leaflet")
    app.mount("/static/app", StaticFiles(directory=HERE / "static"), name="web-static")
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/app", status_code=302)

    @router.get("/login", response_class=HTMLResponse)
    def login(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "login.html", {"title": "Log in"})

    @router.get("/app", response_class=HTMLResponse)
    def dashboard(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "dashboard.html", {"title": "Dispatch"})

    @router.get("/app/live", response_class=HTMLResponse)
    def live(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "live.html", {"title": "Live"})

    app.include_router(router)
