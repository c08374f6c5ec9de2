"""The organization's notification rules: read and replace them (administrators), and the rules a message
writer applies (read inside its own unit of work)."""

from __future__ import annotations

from typing import Any

from doorstep.notify.rules import NotifyRules, defaults, from_stored, parse, to_dict
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import OrganizationRow
from doorstep.store.repositories import not_found
from doorstep.store.uow import UnitOfWork


def rules_of(uow: UnitOfWork) -> NotifyRules:
    """The rules of the unit's organization (the defaults until an administrator saves some)."""
    row = uow.session.get(OrganizationRow, uow.org_id)
    return from_stored(row.notify_rules) if row is not None else defaults()


def current(p: Platform, actor: Actor) -> dict[str, Any]:
    """The caller's rules as their JSON document (read permission)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return to_dict(rules_of(uow))


def replace_rules(p: Platform, actor: Actor, doc: Any) -> dict[str, Any]:
    """Validate and store a whole rules document (manage permission; every problem at once, E1460-E1464). A
    trigger the document does not list is off."""
    actor.require(Permission.MANAGE)
    rules = parse(doc)
    stored = to_dict(rules)
    with p.uow(actor) as uow:
        row = uow.session.get(OrganizationRow, actor.org_id)
        if row is None:
            raise not_found("organization", actor.org_id)
        row.notify_rules = stored
        uow.commit()
    return stored
