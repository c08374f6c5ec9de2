"""/v1/auth (login, logout, me), /v1/users and /v1/api-keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from itsdangerous import URLSafeTimedSerializer

from doorstep.api.deps import (
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    ActorDep,
    PlatformDep,
    cookie_secure,
    get_signer,
    session_token,
)
from doorstep.api.idempotent import IdemKey, PrintDep, respond_once
from doorstep.api.schemas_auth import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOriginsIn,
    ApiKeyOut,
    LoginIn,
    MeOut,
    UserIn,
    UserOut,
)
from doorstep.api.schemas_common import ERRORS
from doorstep.domain.errors import DoorstepError
from doorstep.services.accounts import accounts
from doorstep.services.kernel.access import Actor, Permission, Role
from doorstep.services.kernel.platform import Platform

router = APIRouter(tags=["auth"], responses=ERRORS)
SignerDep = Annotated[URLSafeTimedSerializer, Depends(get_signer)]


@router.post("/v1/auth/login", response_model=MeOut, summary="Log in (sets the session cookie)")
def login(body: LoginIn, p: PlatformDep, signer: SignerDep, request: Request, response: Response) -> MeOut:
    """Check the password (argon2), open a server-side session and set a signed, HttpOnly, SameSite=Strict
    cookie for it (``Secure`` outside development)."""
    actor = accounts.login(p, body.email, body.password)
    token = signer.dumps(accounts.open_session(p, actor, SESSION_MAX_AGE_S))
    response.set_cookie(
        SESSION_COOKIE, token, max_age=SESSION_MAX_AGE_S, httponly=True, samesite="strict",
        secure=cookie_secure(request),
    )  # fmt: skip
    return _me(actor, p)


@router.post("/v1/auth/logout", status_code=204, summary="Log out")
def logout(p: PlatformDep, request: Request, response: Response) -> Response:
    """End the session on the server (the cookie stops working everywhere) and drop the cookie."""
    try:
        token = session_token(request)
    except DoorstepError:  # a forged or expired cookie: nothing to end on the server
        token = None
    if token is not None:
        accounts.close_session(p, token)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=cookie_secure(request))
    response.status_code = 204
    return response


def _me(actor: Actor, p: Platform) -> MeOut:
    role = actor.role.value if actor.role else None
    perms = sorted(x.value for x in actor.permissions)
    name = accounts.display_name(p, actor)
    return MeOut(
        org_id=actor.org_id, principal_id=actor.principal_id, name=name, role=role, permissions=perms,
        currency=p.currency,
    )  # fmt: skip


@router.get("/v1/auth/me", response_model=MeOut, summary="Who am I")
def me(actor: ActorDep, p: PlatformDep) -> MeOut:
    """The authenticated user or key and its permissions."""
    return _me(actor, p)


@router.get("/v1/users", response_model=list[UserOut], summary="List users (admin)")
def list_users(p: PlatformDep, actor: ActorDep) -> list[UserOut]:
    """The organization's users."""
    return [UserOut.model_validate(u) for u in accounts.list_users(p, actor)]


@router.post("/v1/users", response_model=UserOut, status_code=201, summary="Create a user (admin)")
def create_user(body: UserIn, p: PlatformDep, actor: ActorDep, print_: PrintDep, key: IdemKey = None) -> JSONResponse:
    """A user in the caller's organization; dispatchers get 403 E4002."""

    def run() -> tuple[int, dict[str, Any]]:
        row = accounts.create_user(p, actor, body.email, body.name, Role(body.role), body.password)
        return 201, UserOut.model_validate(row).model_dump(mode="json")

    return respond_once(p, actor, key, print_, run)


@router.get("/v1/api-keys", response_model=list[ApiKeyOut], summary="List API keys (admin)")
def list_keys(p: PlatformDep, actor: ActorDep) -> list[ApiKeyOut]:
    """Key metadata; secrets are never shown again."""
    return [ApiKeyOut.model_validate(k) for k in accounts.list_api_keys(p, actor)]


@router.post("/v1/api-keys", response_model=ApiKeyCreated, status_code=201, summary="Create an API key (admin)")
def create_key(body: ApiKeyIn, p: PlatformDep, actor: ActorDep) -> ApiKeyCreated:
    """The key with its secret, returned this once (only a hash is stored). Not replayable by Idempotency-Key:
    replaying would mean storing the secret."""
    row, secret = accounts.create_api_key(p, actor, body.name, [Permission(s) for s in body.scopes], body.origins)
    return ApiKeyCreated.model_validate({**ApiKeyOut.model_validate(row).model_dump(), "secret": secret})


@router.patch("/v1/api-keys/{key_id}", response_model=ApiKeyOut, summary="Change a publishable key's origins (admin)")
def patch_key(key_id: str, body: ApiKeyOriginsIn, p: PlatformDep, actor: ActorDep) -> ApiKeyOut:
    """The web origins a publishable key may be used from (null: any); the key and its secret stay."""
    return ApiKeyOut.model_validate(accounts.set_key_origins(p, actor, key_id, body.origins))


@router.delete("/v1/api-keys/{key_id}", status_code=204, summary="Revoke an API key (admin)")
def revoke_key(key_id: str, p: PlatformDep, actor: ActorDep) -> Response:
    """The key stops working at once."""
    accounts.revoke_api_key(p, actor, key_id)
    return Response(status_code=204)
