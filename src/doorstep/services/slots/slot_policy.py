"""The organization's slot policy: read it, replace it at a version (every problem reported at once), remove it."""

from __future__ import annotations

from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.slots import SlotPolicy, parse_policy
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import SlotPolicyRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

DEFAULT_SERVICE_S = 120  # as the policy's own default


def policies(uow: UnitOfWork) -> Repository[SlotPolicyRow]:
    """The slot policy repository of the unit's organization (one row at most)."""
    return Repository(uow.session, SlotPolicyRow, uow.org_id, "slot policy")


def no_policy() -> DoorstepError:
    """E2250: the organization has not set a slot policy yet."""
    return DoorstepError([Issue("E2250", "this organization has no slot policy", ("policy",))])


def current_policy(uow: UnitOfWork) -> tuple[SlotPolicy, SlotPolicyRow]:
    """The organization's policy, parsed (it was checked when stored); E2250 when there is none."""
    row = policies(uow).first()
    if row is None:
        raise no_policy()
    policy, _ = parse_policy(row.data, {z["depot_id"] for z in row.data.get("zones", [])})
    return policy, row


def service_time(uow: UnitOfWork) -> int:
    """Seconds at the door of a slot order: the policy's, or the default once the policy was removed."""
    row = policies(uow).first()
    return int(row.data.get("service_s", DEFAULT_SERVICE_S)) if row is not None else DEFAULT_SERVICE_S


def get_policy(p: Platform, actor: Actor) -> SlotPolicyRow:
    """The stored policy document with its version (E2250 when none was set)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = policies(uow).first()
        if row is None:
            raise no_policy()
        return row


def put_policy(p: Platform, actor: Actor, doc: dict[str, Any], version: int | None) -> SlotPolicyRow:
    """Replace the policy (admins): E1550/E1109 with every problem at once; E2002 when ``version`` is not the
    stored one (the first policy is stored without a version). Records ``slot_policy.updated`` (the zones of
    orders follow it: analytics)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        depots = {d.id for d in uow.depots.all()}
        _, issues = parse_policy(doc, depots)
        if issues:
            raise DoorstepError(issues)
        row = policies(uow).first()
        if row is None:
            row = policies(uow).add(SlotPolicyRow(id=new_id("spl"), data=doc, version=1))
        else:
            if version != row.version:
                msg = f"slot policy is at version {row.version}, not {version}"
                raise DoorstepError([Issue("E2002", msg, ("version",), row.id)])
            row.data, row.version = doc, row.version + 1
        EventRecorder(uow, actor.label).record("slot_policy.updated", row.id, data={"version": row.version})
        uow.commit()
        return row


def delete_policy(p: Platform, actor: Actor) -> None:
    """Remove the policy (admins): no more offers or holds until a new one is set; confirmed orders stay, and
    holds already made can still be confirmed until they expire. E2250 when there is none."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = policies(uow).first()
        if row is None:
            raise no_policy()
        policies(uow).delete(row)
        EventRecorder(uow, actor.label).record("slot_policy.updated", row.id, data={"removed": True})
        uow.commit()
