"""The checkout widget a shop embeds (docs/widget.md): ``/widget/slots.js`` (its words in every language it speaks
inlined, so it makes no request but the API's), ``/widget/slots.css``, and ``/widget/form``, the same choice as
a plain HTML form for a page without JavaScript."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from doorstep.api.schemas_widget import WidgetAnswer, WidgetCheckout
from doorstep.web.widget_labels import LABELS, language

HERE = Path(__file__).resolve().parent / "widget"
ASSET_HEADERS = {"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"}
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
FORM_FIELDS = (
    "key", "lat", "lng", "address", "lang", "date_from", "date_to", "days", "parcels", "currency", "return_to",
    "pickup",
)  # fmt: skip
TRUE = ("1", "true", "yes", "on")


@cache
def script() -> bytes:
    """slots.js with the labels of every language in place of its ``/*LABELS*/{}`` marker."""
    words = {lang: {k: v for k, v in w.items() if k != "weekdays"} for lang, w in LABELS.items()}
    text = (HERE / "slots.js").read_text(encoding="utf-8")
    return text.replace("/*LABELS*/{}", json.dumps(words, ensure_ascii=False, separators=(",", ":"))).encode()


def _price(cents: int | None, lang: str, currency: str) -> str | None:
    if cents is None:
        return None
    if cents == 0:
        return LABELS[lang]["free"]
    amount = f"{cents / 100:.2f}"
    return (amount if lang == "en" else amount.replace(".", ",")) + (" €" if currency == "EUR" else f" {currency}")


def _back(return_to: str | None, hold_id: str) -> str | None:
    """The shop's page to go back to with the hold id: an http(s) address or a path on this server (never a
    ``javascript:`` or other scheme)."""
    if not return_to:
        return None
    parts = urlsplit(return_to)
    local = not parts.scheme and not parts.netloc and return_to.startswith("/")
    if not local and (parts.scheme not in ("http", "https") or not parts.netloc):
        return None
    return return_to + ("&" if urlsplit(return_to).query else "?") + urlencode({"doorstep_hold": hold_id})


def _span(start: str, end: str) -> str:
    """A window's local times as the API writes them; an end at the next midnight (a locker open all day) is 24:00."""
    until = end[11:16]
    return f"{start[11:16]}–{'24:00' if until == '00:00' and end[:10] > start[:10] else until}"


def _distance(metres: int, lang: str) -> str:
    """``410 m``; ``1.2 km`` (``1,2 km`` but in English). Tens of metres round half up, as the widget's script
    does (``Math.round``; Python's ``round`` would make 405 m 400 m here and 410 m there)."""
    if metres < 1000:
        return f"{max(10, math.floor(metres / 10 + 0.5) * 10)} m"
    km = f"{metres / 1000:.1f}"
    return (km if lang == "en" else km.replace(".", ",")) + " km"


def _away(point: dict[str, Any], lang: str) -> str:
    """How far the point is: the walk (minutes, then metres) when the deployment measured it, else the straight
    line."""
    if point.get("walk_m") is not None:
        minutes = max(1, round((point.get("walk_s") or 0) / 60))
        return str(LABELS[lang]["walk"]).format(minutes=minutes, distance=_distance(point["walk_m"], lang))
    return str(LABELS[lang]["away"]).format(distance=_distance(point["distance_m"], lang))


def _days(data: dict[str, Any], lang: str, currency: str) -> list[dict[str, Any]]:
    names = LABELS[lang]["weekdays"].split(",")
    days: dict[str, list[dict[str, Any]]] = {}
    for o in sorted(data.get("offers", []), key=lambda o: o["start"]):
        days.setdefault(o["start"][:10], []).append(
            {**o, "time": _span(o["start"], o["end"]), "price": _price(o["price_cents"], lang, currency)}
        )
    return [{"date": d, "name": f"{names[date.fromisoformat(d).weekday()]} {d}", "offers": offers}
            for d, offers in days.items()]  # fmt: skip


def _fields(raw: dict[str, str]) -> dict[str, str]:
    fields = {k: raw[k] for k in FORM_FIELDS if raw.get(k)}
    if "date_from" not in fields:
        fields["date_from"] = date.today().isoformat()
    if "date_to" not in fields:
        try:
            days = min(max(int(fields.get("days", "3")), 1), 14)
            fields["date_to"] = (date.fromisoformat(fields["date_from"]) + timedelta(days=days - 1)).isoformat()
        except ValueError:
            fields["date_to"] = fields["date_from"]
    return fields


def mount_widget(router: APIRouter, templates: Any) -> None:
    """The widget's script, stylesheet and plain-HTML form."""

    @router.get("/widget/slots.js")
    def widget_js() -> Response:
        return Response(script(), media_type="text/javascript; charset=utf-8", headers=ASSET_HEADERS)

    @router.get("/widget/slots.css")
    def widget_css() -> Response:
        css = (HERE / "slots.css").read_bytes()
        return Response(css, media_type="text/css; charset=utf-8", headers=ASSET_HEADERS)

    def page(request: Request, fields: dict[str, str], answer: WidgetAnswer, held: WidgetAnswer | None,
             points: WidgetAnswer | None = None) -> Any:  # fmt: skip
        lang = language(fields.get("lang"))
        ctx: dict[str, Any] = {"t": LABELS[lang], "lang": lang, "fields": fields, "problems": answer.problems}
        ctx["days"] = _days(answer.data, lang, fields.get("currency", "EUR"))
        ctx["points"] = [
            {**pt, "away": _away(pt, lang),
             "kind_label": LABELS[lang].get(pt["kind"], pt["kind"]),
             "days": _days({"offers": pt["offers"]}, lang, fields.get("currency", "EUR"))}
            for pt in (points.data.get("points", []) if points is not None else []) if pt.get("offers")
        ]  # fmt: skip
        ctx["reason"] = answer.data.get("reason")
        if held is not None:
            ctx["problems"] = held.problems
            if held.data:
                hold = held.data
                until = datetime.fromisoformat(hold["expires_at"]).astimezone(
                    datetime.fromisoformat(hold["start"]).tzinfo
                )  # the zone's local time, as the windows are shown
                ctx["hold"] = {**hold, "until": until.strftime("%H:%M"), "back": _back(fields.get("return_to"),
                               hold["id"]), "day": hold["start"][:10],
                               "time": _span(hold["start"], hold["end"])}  # fmt: skip
        status = 200 if not ctx["problems"] else 422
        return templates.TemplateResponse(request, "widget_form.html", ctx, status_code=status, headers=PRIVATE)

    @router.get("/widget/form", response_class=HTMLResponse)
    def form(request: Request) -> HTMLResponse:
        fields = _fields(dict(request.query_params))
        checkout: WidgetCheckout = request.app.state.widget
        key = fields.get("key", "")
        points = checkout.points(key, fields) if fields.get("pickup", "").lower() in TRUE else None
        return page(request, fields, checkout.offers(key, fields), None, points)  # type: ignore[no-any-return]

    @router.post("/widget/form", response_class=HTMLResponse)
    async def hold(request: Request) -> HTMLResponse:
        raw = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), max_num_fields=20))
        fields = _fields(raw)
        checkout: WidgetCheckout = request.app.state.widget
        held = checkout.hold(fields.get("key", ""), raw.get("offer_id", ""))
        offers = WidgetAnswer() if held.data else checkout.offers(fields.get("key", ""), fields)
        points = None
        if not held.data and fields.get("pickup", "").lower() in TRUE:
            points = checkout.points(fields.get("key", ""), fields)
        return page(request, fields, offers, held, points)  # type: ignore[no-any-return]
