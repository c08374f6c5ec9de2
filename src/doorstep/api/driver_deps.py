"""Driver app sessions: short-lived tokens signed with the app's secret, naming the organization and driver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.driver.driver_auth import driver_actor
from doorstep.services.kernel.access import Actor

SALT = "doorstep-driver"


def driver_signer(request: Request) -> URLSafeTimedSerializer:
    """The serializer that signs driver tokens (a salt of its own: a session cookie is never a driver token)."""
    signer: URLSafeTimedSerializer = request.app.state.driver_signer
    return signer


def token_ttl_s(request: Request) -> int:
    """How long a driver token stays valid."""
    return int(request.app.state.settings.driver_token_ttl_s)


def sign_token(request: Request, org_id: str, driver_id: str) -> tuple[str, datetime]:
    """A token for the driver and when it expires."""
    token = driver_signer(request).dumps([org_id, driver_id])
    return str(token), datetime.now(UTC) + timedelta(seconds=token_ttl_s(request))


async def get_driver(request: Request) -> Actor:
    """The driver of ``Authorization: Bearer <driver token>``; E1411 when missing, expired or forged. ``async``: a
    signature check (no database, no I/O) takes microseconds on the event loop, where a plain ``def`` dependency
    would cost a hand-over to the thread pool and back on every driver request."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DoorstepError([Issue("E1411", "log in to the driver app first", ("authorization",))])
    try:
        org_id, driver_id = driver_signer(request).loads(token.strip(), max_age=token_ttl_s(request))
    except (BadSignature, ValueError, TypeError):
        raise DoorstepError([Issue("E1411", "the driver session expired or is invalid", ("authorization",))]) from None
    return driver_actor(str(org_id), str(driver_id))


DriverDep = Annotated[Actor, Depends(get_driver)]
