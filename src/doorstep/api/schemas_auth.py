"""Login, users and API key bodies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from doorstep.api.schemas_common import Out, Strict


class LoginIn(Strict):
    """Email and password of a dashboard user."""

    email: str = Field(max_length=320, examples=["admin@example.com"])
    password: str = Field(max_length=200)


class MeOut(Out):
    """Who the caller is."""

    org_id: str
    principal_id: str
    name: str | None = Field(None, description="a user's email, an API key's name")
    role: str | None
    permissions: list[str]
    currency: str = Field("EUR", description="ISO 4217 code of the organization's money amounts (cents in the API)")


class UserIn(Strict):
    """A new user of the organization."""

    email: str = Field(max_length=320)
    name: str = Field("", max_length=200)
    role: Literal["admin", "dispatcher", "driver"]
    password: str = Field(min_length=10, max_length=200)


class UserOut(Out):
    """A user (never the password hash)."""

    id: str
    email: str
    name: str
    role: str
    active: bool
    created_at: dt.datetime


Origins = list[Annotated[str, Field(max_length=300)]]  # web origins (services/accounts/key_origins.py checks them)


class ApiKeyIn(Strict):
    """A new API key; scopes: read, write, manage, or checkout alone (a publishable key for the checkout widget:
    slot offers, holds and their confirmation only)."""

    name: str = Field(min_length=1, max_length=200, examples=["shop integration"])
    scopes: list[Literal["read", "write", "manage", "checkout"]] = Field(min_length=1, examples=[["read", "write"]])
    origins: Origins | None = Field(
        None, max_length=100, examples=[["https://shop.example"]],
        description="a publishable key only: the web origins its shop's pages run on (at most 20; null: any); a "
        "browser on any other origin is refused (E4007)",
    )  # fmt: skip


class ApiKeyOriginsIn(Strict):
    """The web origins a publishable key may be used from (null: any)."""

    origins: Origins | None = Field(max_length=100, examples=[["https://shop.example"]])


class ApiKeyOut(Out):
    """A key's metadata."""

    id: str
    name: str
    scopes: list[str]
    origins: list[str] | None = None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyOut):
    """The new key with its secret, shown this once only."""

    secret: str
