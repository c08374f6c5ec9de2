"""Request dependencies: the platform, and the authenticated actor (API key or signed session cookie)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.web_origin import origin_of
from doorstep.services.accounts.accounts import key_actor, session_actor
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform

SESSION_COOKIE = "doorstep_session"
SESSION_MAX_AGE_S = 12 * 3600


def platform_of(request: Request) -> Platform:
    """The platform built by the app factory."""
    platform: Platform = request.app.state.platform
    return platform


async def get_platform(request: Request) -> Platform:
    """The platform, as a dependency. ``async`` because it does no I/O: FastAPI runs a plain ``def`` dependency on
    the thread pool, a hand-over to another thread and back on every request for one attribute read."""
    return platform_of(request)


def get_signer(request: Request) -> URLSafeTimedSerializer:
    """Signs and checks session cookies with the configured secret."""
    signer: URLSafeTimedSerializer = request.app.state.signer
    return signer


def _unauthenticated(message: str) -> DoorstepError:
    return DoorstepError([Issue("E4001", message, ("authorization",))])


# The only requests a publishable (checkout-only) key may make; refused here, before the request is even
# validated, so such a key learns nothing from any other route (the use cases check their permission too).
CHECKOUT_PATHS = re.compile(
    r"^/v1/(slots/(offers|pickup-points|holds|holds/[A-Za-z0-9_]{1,64}(/confirm|/release)?)|geocode/suggest)$"
)


def _checked(actor: Actor, request: Request) -> Actor:
    if actor.permissions == {Permission.CHECKOUT} and not CHECKOUT_PATHS.match(request.url.path):
        msg = (
            "a publishable key may only ask for address suggestions, slot offers and nearby pickup points, hold "
            "offers and confirm holds"
        )
        raise DoorstepError([Issue("E4002", msg, (), actor.principal_id)])
    origin = request.headers.get("origin")
    if actor.origins and origin is not None and origin_of(origin) not in actor.origins:
        msg = f"this publishable key may not be used from {origin[:200]!r}: add it to the key's origins"
        raise DoorstepError([Issue("E4007", msg, ("origin",), actor.principal_id)])
    return actor


def get_actor(request: Request) -> Actor:
    """The caller: ``Authorization: Bearer <key>`` (or ``X-API-Key``), else the session cookie; E4001 otherwise."""
    p = platform_of(request)
    auth = request.headers.get("authorization")
    if auth is not None:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("use 'Authorization: Bearer <API key>'")
        return _checked(key_actor(p, token.strip()), request)
    if key := request.headers.get("x-api-key"):
        return _checked(key_actor(p, key.strip()), request)
    session = session_token(request)
    if session is not None:
        actor = session_actor(p, session)
        if actor is not None:
            return actor
        raise _unauthenticated("the session ended (logged out or expired) or its user is deactivated; log in again")
    raise _unauthenticated("authentication required: send an API key or log in")


def session_token(request: Request) -> str | None:
    """The session token in the signed cookie; None without a cookie, E4001 when it is forged or too old."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return str(get_signer(request).loads(cookie, max_age=SESSION_MAX_AGE_S))
    except BadSignature:
        raise _unauthenticated("the session expired or is invalid; log in again") from None


def cookie_secure(request: Request) -> bool:
    """Whether cookies carry ``Secure`` (outside development: they then travel over HTTPS only)."""
    return bool(getattr(request.app.state, "cookie_secure", False))


PlatformDep = Annotated[Platform, Depends(get_platform)]
ActorDep = Annotated[Actor, Depends(get_actor)]
