"""Same-day and express slot orders join the live day: when such a hold is confirmed on a day whose plan is
published, the order is proposed for insertion into the live routes (a re-planning proposal the dispatcher sees
and approves, as for any new same-day order; docs/slots.md). The handler of ``slot.confirmed``."""

from __future__ import annotations

from doorstep.domain.errors import DoorstepError
from doorstep.domain.slots import LevelKind
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.replanning import ProposalKind, Request, proposals_of, propose
from doorstep.services.slots.slot_days import published_plan_id
from doorstep.services.slots.slot_policy import current_policy
from doorstep.store.models import ProposalRow, SlotHoldRow
from doorstep.store.repositories import Repository

LIVE_KINDS = (LevelKind.SAME_DAY, LevelKind.EXPRESS)


def propose_live_slot(p: Platform, event: EventRecord) -> None:
    """A confirmed same-day or express hold → a pending insert proposal for its order on the published plan of
    its depot and day (none without a published plan: the day's planning takes the order). Idempotent: an order
    that already has an insert proposal gets no second one."""
    order_id = str(event.data.get("order_id", ""))
    with p.uow(event.org_id) as uow:
        hold = Repository(uow.session, SlotHoldRow, uow.org_id, "slot hold").get(event.subject_id)
        try:
            policy, _ = current_policy(uow)
        except DoorstepError:  # the policy was removed since: its levels with it
            return
        if hold is None or not order_id:
            return
        level = policy.level(hold.service_level)
        if level is None or level.kind not in LIVE_KINDS:
            return
        plan_id = published_plan_id(uow, hold.depot_id, hold.day)
        kind = ProposalKind.INSERT.value
        done = proposals_of(uow).first(ProposalRow.subject_id == order_id, ProposalRow.kind == kind)
    if plan_id is None or done is not None:
        return
    propose(p, system_actor(event.org_id), Request(plan_id, ProposalKind.INSERT, order_id))
