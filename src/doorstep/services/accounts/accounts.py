"""Organizations, users (argon2 passwords), API keys (hashed secrets) and authentication."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.services.accounts import key_origins
from doorstep.services.kernel.access import KEY_SCOPES, ROLE_PERMISSIONS, Actor, Permission, Role, require_grant
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import ApiKeyRow, OrganizationRow, SessionRow, UserRow

_hasher = PasswordHasher()
KEY_PREFIX = "dsk_"
PUBLISHABLE_PREFIX = "dspk_"  # a checkout-only key, meant to be seen in a shop's pages (docs/widget.md)
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    """An argon2id hash (salted; parameters travel in the hash)."""
    return _hasher.hash(password)


def _key_hash(secret: str) -> str:
    # API key secrets carry 256 random bits: a plain SHA-256 is enough and keeps lookups one indexed query.
    return hashlib.sha256(secret.encode()).hexdigest()


def _email_taken(p: Platform, email: str) -> bool:
    with p.sessions() as s:
        return s.scalar(select(UserRow.id).where(UserRow.email == email)) is not None


def _check_user(p: Platform, email: str, password: str) -> None:
    issues = []
    if "@" not in email:
        issues.append(Issue("E1301", f"email {email!r} is not an email address", ("email",)))
    if len(password) < MIN_PASSWORD:
        issues.append(Issue("E1301", f"password must have at least {MIN_PASSWORD} characters", ("password",)))
    if issues:
        raise DoorstepError(issues)
    if _email_taken(p, email):
        raise DoorstepError([Issue("E2007", f"a user with email {email} already exists", ("email",))])


def create_organization(p: Platform, name: str, admin_email: str, admin_password: str) -> tuple[str, str]:
    """A new organization with its first admin; returns (org_id, user_id)."""
    email = admin_email.strip().lower()
    _check_user(p, email, admin_password)
    org_id, user_id = new_id("org"), new_id("usr")
    with p.sessions() as s:
        s.add(OrganizationRow(id=org_id, name=name))
        s.flush()
        s.add(
            UserRow(
                id=user_id, org_id=org_id, email=email, name="Admin", role=Role.ADMIN.value,
                password_hash=hash_password(admin_password),
            )
        )  # fmt: skip
        s.commit()
    return org_id, user_id


def create_user(p: Platform, actor: Actor, email: str, name: str, role: Role, password: str) -> UserRow:
    """A user in the actor's organization (admins only)."""
    actor.require(Permission.MANAGE)
    require_grant(actor, ROLE_PERMISSIONS[role], f"the role {role.value}")
    email = email.strip().lower()
    _check_user(p, email, password)
    with p.uow(actor) as uow:
        row = uow.users.add(
            UserRow(id=new_id("usr"), email=email, name=name, role=role.value, password_hash=hash_password(password))
        )
        uow.commit()
    return row


def list_users(p: Platform, actor: Actor) -> list[UserRow]:
    """The organization's users (admins only)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        return uow.users.all()


def display_name(p: Platform, actor: Actor) -> str | None:
    """How screens name the caller: a user's email, an API key's name (None for other actors)."""
    with p.uow(actor) as uow:
        if actor.principal_id.startswith("usr_"):
            user = uow.users.get(actor.principal_id)
            return user.email if user is not None else None
        if actor.principal_id.startswith("key_"):
            key = uow.api_keys.get(actor.principal_id)
            return key.name if key is not None else None
    return None


def user_actor(row: UserRow) -> Actor:
    """The actor a logged-in user acts as."""
    role = Role(row.role)
    return Actor(row.org_id, row.id, ROLE_PERMISSIONS[role], role)


def login(p: Platform, email: str, password: str) -> Actor:
    """The user's actor when the password matches; E4004 otherwise (same answer for unknown emails)."""
    with p.sessions() as s:
        row = s.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
    try:
        if row is None or not row.active:
            _hasher.verify(_DUMMY_HASH, password)  # spend the same time as for a real user
            raise VerificationError
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise DoorstepError([Issue("E4004", "wrong email or password", ("email",))]) from None
    return user_actor(row)


def open_session(p: Platform, actor: Actor, ttl_s: int) -> str:
    """A new dashboard session for a logged-in user; returns the token for the cookie (only its hash is stored).
    Sessions expired for a day are forgotten on the way."""
    token = secrets.token_urlsafe(32)
    now = p.clock()
    with p.sessions() as s:
        s.execute(delete(SessionRow).where(SessionRow.expires_at < now - timedelta(days=1)))
        s.add(
            SessionRow(id=_key_hash(token), org_id=actor.org_id, user_id=actor.principal_id, created_at=now,
                       expires_at=now + timedelta(seconds=ttl_s), revoked_at=None)
        )  # fmt: skip
        s.commit()
    return token


def session_actor(p: Platform, token: str) -> Actor | None:
    """The actor of a session token that is open (not revoked, not expired, its user active), else None."""
    with p.sessions() as s:
        found = s.execute(
            select(SessionRow, UserRow).join(UserRow, UserRow.id == SessionRow.user_id)
            .where(SessionRow.id == _key_hash(token))
        ).first()  # fmt: skip
    if found is None:
        return None
    session, user = found
    if session.revoked_at is not None or session.expires_at <= p.clock() or not user.active:
        return None
    return user_actor(user)


def close_session(p: Platform, token: str) -> None:
    """Revoke a session (logout): its cookie no longer authenticates, wherever it was copied to."""
    with p.sessions() as s:
        s.execute(
            update(SessionRow).where(SessionRow.id == _key_hash(token), SessionRow.revoked_at.is_(None))
            .values(revoked_at=p.clock())
        )  # fmt: skip
        s.commit()


def create_api_key(
    p: Platform, actor: Actor, name: str, scopes: list[Permission], origins: list[str] | None = None
) -> tuple[ApiKeyRow, str]:
    """A new key; the secret is returned once and only its hash is stored (admins only). ``origins``: the web
    origins a publishable key may be used from (``key_origins``)."""
    actor.require(Permission.MANAGE)
    bad = [s for s in scopes if s not in KEY_SCOPES]
    if bad or not scopes:
        msg = f"scopes must be a non-empty subset of {sorted(KEY_SCOPES)}"
        raise DoorstepError([Issue("E1301", msg, ("scopes",))])
    publishable = Permission.CHECKOUT in scopes
    if publishable and len(set(scopes)) > 1:
        msg = "the checkout scope makes a publishable key (seen in a shop's pages): it cannot carry other scopes"
        raise DoorstepError([Issue("E1301", msg, ("scopes",))])
    allowed = key_origins.checked(origins, publishable)
    require_grant(actor, scopes, f"the scopes {', '.join(sorted(scopes))}")
    secret = (PUBLISHABLE_PREFIX if publishable else KEY_PREFIX) + secrets.token_urlsafe(32)
    with p.uow(actor) as uow:
        key = ApiKeyRow(
            id=new_id("key"), name=name, secret_hash=_key_hash(secret), scopes=sorted(scopes), origins=allowed
        )
        row = uow.api_keys.add(key)
        uow.commit()
    return row, secret


def list_api_keys(p: Platform, actor: Actor) -> list[ApiKeyRow]:
    """The organization's keys (never their secrets)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        return uow.api_keys.all()


def set_key_origins(p: Platform, actor: Actor, key_id: str, origins: list[str] | None) -> ApiKeyRow:
    """Change the web origins a publishable key may be used from (None: any), at once in this process and
    within ``KEY_CACHE_S`` in the others; the key and its secret stay."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = uow.api_keys.require(key_id)
        row.origins = key_origins.checked(origins, Permission.CHECKOUT.value in row.scopes)
        uow.commit()
    _forget_key(key_id)
    return row


def revoke_api_key(p: Platform, actor: Actor, key_id: str) -> None:
    """Stop a key from authenticating, at once."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = uow.api_keys.require(key_id)
        row.revoked_at = p.clock()
        uow.commit()
    _forget_key(key_id)


KEY_CACHE_S = 5.0  # a revoked key stops at once in this process, within this many seconds in the others
_key_cache: dict[str, tuple[float, Actor]] = {}
_key_lock = threading.Lock()


def key_actor(p: Platform, secret: str) -> Actor:
    """The actor of a valid, unrevoked key; E4001 otherwise. Valid keys are cached briefly (one query saved
    per request)."""
    digest = _key_hash(secret)
    now = time.monotonic()
    with _key_lock:
        hit = _key_cache.get(digest)
    if hit is not None and now - hit[0] < KEY_CACHE_S:
        return hit[1]
    with p.sessions() as s:
        row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.secret_hash == digest))
    if row is None or row.revoked_at is not None:
        raise DoorstepError([Issue("E4001", "the API key is unknown or revoked", ("authorization",))])
    scopes = frozenset(Permission(s) for s in row.scopes)
    actor = Actor(row.org_id, row.id, scopes, origins=frozenset(row.origins or ()))
    with _key_lock:
        if len(_key_cache) > 10_000:
            _key_cache.clear()
        _key_cache[digest] = (now, actor)
    return actor


def _forget_key(key_id: str) -> None:
    with _key_lock:
        for digest in [d for d, (_, a) in _key_cache.items() if a.principal_id == key_id]:
            del _key_cache[digest]


_DUMMY_HASH = hash_password("not-a-real-password-just-timing")
