"""Attach the dashboard pages and static assets (ours and Leaflet from xstatic-leaflet) to the API app."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from doorstep.api.schemas_tracking import TrackingPages
from doorstep.api.security import APP_CSP, with_image_origin
from doorstep.web.widget import mount_widget

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


# plotly.js writes inline styles (its global style rules, the mode bar's and hover labels' style attributes): the KPI
# page allows inline styles, nothing else more than the other pages (scripts stay 'self' only).
ANALYTICS_CSP = APP_CSP.replace("style-src 'self';", "style-src 'self' 'unsafe-inline';")


# The messages page previews an email's HTML in a sandboxed frame (no script, an opaque origin): the email's inline
# styles and its logo (any https image, as the customer's mail client would load it) must show there.
MESSAGES_CSP = ANALYTICS_CSP.replace("img-src 'self' data: blob:", "img-src 'self' data: blob: https:")


def plotly_js() -> Path:
    """plotly.js as the ``plotly`` Python package ships it (package data; the package itself is never imported)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise RuntimeError("the plotly package is not installed (pip install plotly): the KPI page draws with it")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def _places_addresses(request: Request) -> bool:
    """Whether the deployment has an address index (the order forms then suggest addresses as people type)."""
    platform = getattr(request.app.state, "platform", None)
    return platform is not None and platform.geocoder is not None


def _road_paths(request: Request) -> bool:
    """Whether the deployment has a road network (the maps then redraw routes along the roads)."""
    platform = getattr(request.app.state, "platform", None)
    return platform is not None and bool(platform.travel.draws_roads)


def mount_web(app: FastAPI) -> None:
    """Serve ``/login``, ``/app`` (the dashboard) and its orders, drivers, live, slots, messages, analytics, forecast
    and learned-times pages; assets under ``/static`` (plotly.js from the ``plotly`` package). Works offline."""
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
        ctx = {"title": "Dispatch", "here": "plan", "roads": _road_paths(request)}
        return templates.TemplateResponse(request, "dashboard.html", ctx)

    @router.get("/app/orders", response_class=HTMLResponse)
    def orders(request: Request) -> HTMLResponse:
        ctx = {"title": "Orders", "here": "orders", "addresses": _places_addresses(request)}
        return templates.TemplateResponse(request, "orders.html", ctx)

    @router.get("/app/drivers", response_class=HTMLResponse)
    def drivers(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "drivers.html", {"title": "Drivers", "here": "drivers"})

    @router.get("/app/live", response_class=HTMLResponse)
    def live(request: Request) -> HTMLResponse:
        ctx = {"title": "Live", "here": "live", "addresses": _places_addresses(request), "roads": _road_paths(request)}
        return templates.TemplateResponse(request, "live.html", ctx)

    @router.get("/app/slots", response_class=HTMLResponse)
    def slots(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "slots.html", {"title": "Slots", "here": "slots"})

    @router.get("/app/messages", response_class=HTMLResponse)
    def messages(request: Request) -> HTMLResponse:
        ctx = {"title": "Messages", "here": "messages"}
        csp = {"Content-Security-Policy": MESSAGES_CSP}
        return templates.TemplateResponse(request, "messages.html", ctx, headers=csp)

    # the chart pages: plotly.js writes inline styles, which their Content-Security-Policy allows
    for path, page, title, here in (("/app/analytics", "analytics.html", "Analytics", "analytics"),
                                    ("/app/learned", "learned.html", "Learned times", "analytics"),
                                    ("/app/forecast", "forecast.html", "Forecast", "forecast")):  # fmt: skip
        router.add_api_route(path, _chart_page(page, title, here), response_class=HTMLResponse)

    @router.get("/static/plotly/plotly.min.js")
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    _driver_app(router)
    _tracking_page(router)
    mount_widget(router, templates)
    app.include_router(router)


def _chart_page(page: str, title: str, here: str) -> Callable[[Request], HTMLResponse]:
    """A dashboard page that draws with plotly.js, under the CSP that allows its inline styles."""

    def show(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, page, {"title": title, "here": here}, headers={"Content-Security-Policy": ANALYTICS_CSP}
        )

    return show


MANIFEST = {
    "name": "Doorstep driver",
    "short_name": "Doorstep",
    "start_url": "/driver/",
    "scope": "/driver/",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#f4f6f9",
    "theme_color": "#1d2433",
    "icons": [{"src": "/static/app/driver-icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
}


def _driver_app(router: APIRouter) -> None:
    """The driver PWA under ``/driver/``: page, manifest and a service worker whose scope is the app."""

    @router.get("/driver")
    def driver_root() -> RedirectResponse:
        return RedirectResponse("/driver/", status_code=302)

    @router.get("/driver/", response_class=HTMLResponse)
    def driver_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "driver.html", {"title": "Driver"})

    @router.get("/driver/manifest.webmanifest")
    def manifest() -> JSONResponse:
        return JSONResponse(MANIFEST, media_type="application/manifest+json")

    @router.get("/driver/sw.js")
    def service_worker() -> FileResponse:
        headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/driver/"}
        return FileResponse(HERE / "static" / "driver-sw.js", media_type="text/javascript", headers=headers)


PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}  # one customer's page: no cache, no index
BRAND = re.compile(r"[0-9a-f]{6}-[0-9a-f]{6}")


def _tracking_page(router: APIRouter) -> None:
    """The customer's tracking page ``/t/{token}``: rendered on the server from the API's page content (so it
    reads right before any script runs), then kept live by ``track.js``. A link that does not open is a 404 page
    that does not say why."""

    @router.get("/brand/{colours}.css", include_in_schema=False)
    def brand(colours: str) -> Response:
        """The organization's header colours (``/brand/0b6e4f-ffffff.css``): a stylesheet of its own because the
        pages' policy allows no inline style; the same for every page of a brand, so it is cached."""
        if not BRAND.fullmatch(colours):
            return Response(status_code=404)
        bg, fg = colours.split("-")
        css = f".brand {{ background: #{bg}; color: #{fg}; }}\n"
        return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/t/{token}", response_class=HTMLResponse)
    def tracking(token: str, request: Request) -> HTMLResponse:
        pages: TrackingPages = request.app.state.tracking
        found = pages.page(token)
        if found is None:
            w = pages.missing(request.headers.get("accept-language", ""))
            ctx: dict[str, object] = {"w": w, "lang": w.get("lang", "en")}
            return templates.TemplateResponse(request, "track_missing.html", ctx, status_code=404, headers=PRIVATE)
        page: dict[str, object] = {"v": found.content, "w": found.words, "stars": range(1, 6), "token": token}
        headers = dict(PRIVATE)
        logo = found.content.brand.logo_url
        if logo.startswith("https://"):  # the organization's logo: its origin joins the page's img-src
            headers["Content-Security-Policy"] = with_image_origin(APP_CSP, logo)
        return templates.TemplateResponse(request, "track.html", page, headers=headers)
