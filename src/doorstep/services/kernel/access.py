"""Who is acting: roles, API key scopes, the permissions they grant, and the check every use case makes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.errors import DoorstepError, Issue


class Role(StrEnum):
    """A user's role in their organization."""

    ADMIN = "admin"  # everything, including users, API keys and webhooks
    DISPATCHER = "dispatcher"  # orders, fleet, plans and routes; not users or keys
    DRIVER = "driver"  # their own routes only


class Permission(StrEnum):
    """What an action needs. API key scopes use the same names."""

    READ = "read"  # read orders, fleet, plans, routes
    WRITE = "write"  # create and change them
    MANAGE = "manage"  # users, API keys, webhook subscriptions
    OWN_ROUTES = "own_routes"  # read the routes assigned to one's own driver record
    CHECKOUT = "checkout"  # a publishable key: slot offers, holds and their confirmation, nothing else


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.READ, Permission.WRITE, Permission.MANAGE}),
    Role.DISPATCHER: frozenset({Permission.READ, Permission.WRITE}),
    Role.DRIVER: frozenset({Permission.OWN_ROUTES}),
}
KEY_SCOPES = frozenset({Permission.READ, Permission.WRITE, Permission.MANAGE, Permission.CHECKOUT})


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated user or API key, always inside exactly one organization."""

    org_id: str
    principal_id: str  # usr_... or key_...
    permissions: frozenset[Permission]
    role: Role | None = None  # None for API keys
    origins: frozenset[str] = frozenset()  # a publishable key's allowed web origins (empty: any)

    @property
    def label(self) -> str:
        """How the audit trail names the actor."""
        return self.principal_id

    def can(self, permission: Permission) -> bool:
        """Whether this actor holds the permission."""
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise E4002 unless the actor holds the permission."""
        self.require_any(permission)

    def require_any(self, *permissions: Permission) -> None:
        """Raise E4002 unless the actor holds one of the permissions (a checkout step takes a shop's secret key
        with ``write`` or its publishable ``checkout`` key)."""
        if not any(self.can(p) for p in permissions):
            who = f"role {self.role.value}" if self.role else "this API key"
            needs = " or ".join(repr(p.value) for p in permissions)
            msg = f"{who} may not do this (needs the {needs} permission)"
            raise DoorstepError([Issue("E4002", msg, (), self.principal_id)])


# Granting a permission needs the permission itself; a driver's own routes are part of reading everything, and
# checkout (what a publishable key may do) part of writing.
_GRANT_NEEDS = {Permission.OWN_ROUTES: Permission.READ, Permission.CHECKOUT: Permission.WRITE}


def require_grant(actor: Actor, granted: Iterable[Permission], what: str) -> None:
    """E4002 unless the actor holds everything it would hand out (a user's role, a key's scopes): a ``manage``-only
    key may create keys and users no stronger than itself, never an admin (no privilege escalation)."""
    missing = sorted({_GRANT_NEEDS.get(p, p).value for p in granted} - {p.value for p in actor.permissions})
    if missing:
        who = f"role {actor.role.value}" if actor.role else "this API key"
        msg = f"{who} cannot grant {what}: it does not hold {', '.join(missing)} itself"
        raise DoorstepError([Issue("E4002", msg, (), actor.principal_id)])


def system_actor(org_id: str) -> Actor:
    """The platform itself (background jobs, the demo loader)."""
    return Actor(org_id, "system", frozenset({Permission.READ, Permission.WRITE, Permission.MANAGE}))
