"""The organization's own settings that customers see the effect of (the tracking page's proof photo)."""

from __future__ import annotations

from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import OrganizationRow
from doorstep.store.repositories import not_found


def _org(p: Platform, actor: Actor) -> OrganizationRow:
    with p.uow(actor) as uow:
        row = uow.session.get(OrganizationRow, actor.org_id)
        if row is None:
            raise not_found("organization", actor.org_id)
        return row


def current(p: Platform, actor: Actor) -> OrganizationRow:
    """The caller's organization (read permission)."""
    actor.require(Permission.READ)
    return _org(p, actor)


def update(p: Platform, actor: Actor, *, tracking_photo: bool) -> OrganizationRow:
    """Change the settings (manage permission: what customers are shown is an administrator's decision)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = uow.session.get(OrganizationRow, actor.org_id)
        if row is None:
            raise not_found("organization", actor.org_id)
        row.tracking_photo = tracking_photo
        uow.commit()
    return _org(p, actor)
