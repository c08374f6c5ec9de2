"""Organizations, users, API keys and stored idempotent responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class OrganizationRow(Base):
    """A tenant: a courier serving several shops, or a retailer with several depots."""

    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the customer tracking page shows the proof-of-delivery photo (off: who received it and where, no photo)
    tracking_photo: Mapped[bool] = mapped_column(default=False, server_default="0")
    # which moments send customers which messages, quiet hours, sender branding (None: the defaults;
    # doorstep.notify.rules validates the document before it is stored)
    notify_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class UserRow(OrgOwned, Base):
    """A person who logs in to the dashboard; email is unique across the installation."""

    __tablename__ = "users"
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class ApiKeyRow(OrgOwned, Base):
    """An integrator's key; only a SHA-256 of the secret is stored (the secret has 256 random bits)."""

    __tablename__ = "api_keys"
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]]
    revoked_at: Mapped[datetime | None]
    origins: Mapped[list[Any] | None]  # a publishable key's allowed web origins (None: any)


class IdempotencyRow(Base):
    """The first response to a create sent with an Idempotency-Key, replayed for repeats."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_idempotency_org_key"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(64), index=True)
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionRow(OrgOwned, Base):
    """A dashboard login: the cookie carries a random token whose SHA-256 is ``id``; logging out revokes the row,
    so a copied cookie stops working at once rather than at its 12 h expiry."""

    __tablename__ = "sessions"
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
