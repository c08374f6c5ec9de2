"""The organization's notification rules (read, replace), the SMS provider's webhooks (inbound ``STOP``, delivery
status) and the one-click unsubscribe page every email links to."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import HTMLResponse

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_notify import NotifyRulesOut, PreviewOut, SmsLengthOut, SmsWebhookOut, TemplateViewOut
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.notify.tracking_words import accepted_language
from doorstep.notify.twilio import signed
from doorstep.notify.unsubscribe_words import unsubscribe_words
from doorstep.services.customer import notify_rules, opt_outs
from doorstep.services.kernel.platform import Platform

router = APIRouter(responses=ERRORS)
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
EXAMPLE = {
    "rules": [
        {"trigger": "out_for_delivery", "enabled": True, "channels": ["email", "sms"]},
        {"trigger": "arriving_soon", "enabled": True, "channels": ["sms"], "stops_away": 3, "minutes_away": 15},
        {"trigger": "delayed", "enabled": True, "channels": ["email", "sms"], "threshold_minutes": 15},
        {"trigger": "delivered", "enabled": True, "channels": ["email"]},
    ],
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "sender": {"name": "Loja Exemplo", "logo_url": "https://loja.example/logo.png", "colour": "#0b6e4f"},
}

RulesBody = Annotated[dict[str, Any], Body(openapi_examples={"rules": {"value": EXAMPLE}})]


@router.get("/v1/organization/notification-rules", tags=["organization"], response_model=NotifyRulesOut,
            summary="The organization's notification rules")  # fmt: skip
def get_rules(p: PlatformDep, actor: ActorDep) -> NotifyRulesOut:
    """Every trigger with its channels and settings, the quiet hours and the sender (the defaults until an admin
    saves rules: what Doorstep sent before rules existed)."""
    return NotifyRulesOut.model_validate(notify_rules.current(p, actor))


@router.put("/v1/organization/notification-rules", tags=["organization"], response_model=NotifyRulesOut,
            summary="Replace the notification rules (admin)")  # fmt: skip
def put_rules(p: PlatformDep, actor: ActorDep, body: RulesBody) -> NotifyRulesOut:
    """The whole document: a trigger not listed is off. Every problem at once: E1460 unknown trigger, E1461
    channels, E1462 a setting, E1463 quiet hours, E1464 sender."""
    return NotifyRulesOut.model_validate(notify_rules.replace_rules(p, actor, body))


@router.get("/v1/notification-templates/{trigger}/{language}", tags=["organization"],
            response_model=TemplateViewOut, summary="A trigger's wording in a language")  # fmt: skip
def get_template(trigger: str, language: str, p: PlatformDep, actor: ActorDep) -> TemplateViewOut:
    """The variables the trigger's templates may use, Doorstep's template and the organization's own (null when
    it has none). E1460 unknown trigger, E1466 a language other than en, fr, de, es, pt."""
    return TemplateViewOut.model_validate(notify_rules.template_view(p, actor, trigger, language))


PREVIEW_EXAMPLE = {
    "template": {"trigger": "out_for_delivery", "language": "pt", "subject": "A {{ order_ref }} sai hoje",
                 "sms": "{{ order_ref }}: {{ window }} {{ tracking_url }}", "text": "Siga aqui: {{ tracking_url }}",
                 "html": "<p>Olá <b>{{ customer_name }}</b></p>"},
    "sender": {"name": "Loja Exemplo", "logo_url": "", "colour": "#0b6e4f"},
}  # fmt: skip
PreviewBody = Annotated[dict[str, Any], Body(openapi_examples={"preview": {"value": PREVIEW_EXAMPLE}})]


@router.post("/v1/notification-templates/preview", tags=["organization"], response_model=PreviewOut,
             summary="Fill a template in with a sample delivery")  # fmt: skip
def preview_template(p: PlatformDep, actor: ActorDep, body: PreviewBody) -> PreviewOut:
    """``{"template": {trigger, language, subject, sms, text, html}, "sender"?: {name, logo_url, colour}}``:
    checked as saving it in the rules would be (every problem at once, at ``template.<field>``), then filled in
    with a sample delivery in that language; the SMS's length in billed parts. Nothing is stored."""
    out = notify_rules.preview_template(p, actor, body)
    return PreviewOut(subject=out.subject, sms=out.sms, text=out.text, html=out.html,
                      sms_length=SmsLengthOut(encoding=out.sms_length.encoding,
                                              units=out.sms_length.units, parts=out.sms_length.parts))  # fmt: skip


async def _checked_form(request: Request, p: Platform) -> dict[str, str]:
    """The webhook's form fields, after checking the provider's signature (E4001 when it does not match)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    key = p.channels.sms_signing_key
    url = f"{p.channels.public_url}{request.url.path}"
    if key is None or not signed(key, url, form, request.headers.get("x-twilio-signature", "")):
        raise DoorstepError([Issue("E4001", "the SMS webhook's signature does not match", ("X-Twilio-Signature",))])
    return form


@router.post("/v1/sms/inbound", tags=["notifications"], response_model=SmsWebhookOut,
             summary="The SMS provider's inbound-message webhook (signed)")  # fmt: skip
async def sms_inbound(request: Request, p: PlatformDep) -> SmsWebhookOut:
    """A customer's reply: ``STOP`` opts the number out of every organization that texted it, ``START`` back in.
    Signed by the provider (Twilio's ``X-Twilio-Signature`` over ``DOORSTEP_PUBLIC_URL`` + the path)."""
    form = await _checked_form(request, p)
    return SmsWebhookOut(result=opt_outs.sms_inbound(p, form.get("From", ""), form.get("Body", "")))


@router.post("/v1/sms/status", tags=["notifications"], response_model=SmsWebhookOut,
             summary="The SMS provider's delivery-status callback (signed)")  # fmt: skip
async def sms_status(request: Request, p: PlatformDep) -> SmsWebhookOut:
    """``undelivered`` or ``failed`` for a sent message marks it ``bounced``; other statuses change nothing."""
    form = await _checked_form(request, p)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    marked = opt_outs.sms_status(p, sid, status, form.get("ErrorCode", ""))
    return SmsWebhookOut(result="bounced" if marked else "ignored")


# The unsubscribe page's look: a stylesheet of its own (the Content-Security-Policy refuses inline styles).
PAGE_CSS = """body{font-family:system-ui,sans-serif;max-width:32rem;margin:auto;padding:1rem;color:#1f2933;
line-height:1.5}h1{font-size:1.4rem}button{font:inherit;font-size:1rem;padding:.6rem 1rem;border:0;border-radius:8px;
background:#0b6e4f;color:#fff;cursor:pointer}button:focus-visible{outline:3px solid #f0b429;outline-offset:2px}"""


@router.get("/u.css", include_in_schema=False)
def unsubscribe_css() -> Response:
    """The unsubscribe page's stylesheet."""
    return Response(PAGE_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})


def _page(language: str, title: str, text: str, button: str = "", status: int = 200) -> HTMLResponse:
    """The unsubscribe page in the language of the email that linked to it (``lang`` set: screen readers speak
    it right), with its button when it asks."""
    form = f'<form method="post"><button type="submit">{escape(button)}</button></form>' if button else ""
    html = (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>{escape(title)}'
        f'</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/u.css"></head><body>'
        f"<main><h1>{escape(title)}</h1><p>{escape(text)}</p>{form}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PRIVATE)


def _missing(request: Request) -> HTMLResponse:
    """A link that does not exist: 404, in the browser's language (no message says which)."""
    lang, w = unsubscribe_words(accepted_language(request.headers.get("accept-language", "")))
    return _page(lang, w["missing_title"], w["missing"], status=404)


def _done(found: opt_outs.Unsubscribe) -> HTMLResponse:
    lang, w = unsubscribe_words(found.language)
    return _page(lang, w["done_title"], w["done"].format(address=found.address))


@router.get("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe_page(token: str, request: Request, p: PlatformDep) -> Response:
    """The page an email's unsubscribe link opens, in the email's language: one button (a mail scanner following
    the link changes nothing)."""
    found = opt_outs.opened(p, token)
    if found is None:
        return _missing(request)
    if found.done:
        return _done(found)
    lang, w = unsubscribe_words(found.language)
    return _page(lang, w["ask_title"], w["ask"].format(address=found.address), button=w["button"])


@router.post("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe(token: str, request: Request, p: PlatformDep) -> Response:
    """One click (the page's button, or a mail client's RFC 8058 one-click POST): the address is opted out; the
    confirmation is in the email's language."""
    done = opt_outs.unsubscribe(p, token)
    return _missing(request) if done is None else _done(done)
