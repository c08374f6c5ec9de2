"""Webhooks: subscriptions per event type, HMAC-SHA256 signatures over timestamp + body, scheduled retries with
exponential backoff for more than 24 hours, a delivery log with redelivery, and auto-disabling."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.signing import sign
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EVENT_TYPES
from doorstep.services.kernel.platform import Platform
from doorstep.services.kernel.webhook_targets import delivery_block, url_issues
from doorstep.store.models import WebhookDeliveryRow, WebhookSubscriptionRow

log = logging.getLogger("doorstep.webhooks")
# Waits after failed attempts 1, 2, ...: 30 s doubling up to 6 h; 13 attempts span 25.8 hours.
BACKOFF_S = (30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 21600, 21600, 21600)
MAX_ATTEMPTS = len(BACKOFF_S) + 1
LEASE_S = 120  # a claimed delivery is not claimed again for this long (several workers may tick)
SIGNATURE_HEADER = "Doorstep-Signature"


def _check(url: str, event_types: list[str], allow_private: bool) -> None:
    issues = url_issues(url, allow_private)
    unknown = sorted(set(event_types) - set(EVENT_TYPES) - {"*"})
    if unknown or not event_types:
        msg = f"unknown event types {unknown}; allowed: {', '.join(EVENT_TYPES)} or *"
        issues.append(Issue("E1111", msg, ("event_types",)))
    if issues:
        raise DoorstepError(issues)


def create_subscription(p: Platform, actor: Actor, url: str, event_types: list[str]) -> WebhookSubscriptionRow:
    """A subscription with a new signing secret (returned in the row; show it to the admin)."""
    actor.require(Permission.MANAGE)
    _check(url, event_types, p.webhooks.allow_private)
    with p.uow(actor) as uow:
        row = uow.webhooks.add(
            WebhookSubscriptionRow(
                id=new_id("whk"), url=url, event_types=sorted(set(event_types)),
                secret="whsec_" + secrets.token_urlsafe(32), disabled_reason=None,
            )
        )  # fmt: skip
        uow.commit()
    return row


def list_subscriptions(p: Platform, actor: Actor) -> list[WebhookSubscriptionRow]:
    """The organization's subscriptions."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        return uow.webhooks.all()


def set_enabled(p: Platform, actor: Actor, sub_id: str, enabled: bool) -> WebhookSubscriptionRow:
    """Enable (after fixing the receiver) or disable a subscription."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = uow.webhooks.require(sub_id)
        row.active, row.consecutive_failures = enabled, 0
        row.disabled_reason = None if enabled else "disabled by an admin"
        uow.commit()
    return row


def delete_subscription(p: Platform, actor: Actor, sub_id: str) -> None:
    """Stop and remove a subscription (its delivery log goes with it)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = uow.webhooks.require(sub_id)
        for d in uow.deliveries.all(WebhookDeliveryRow.subscription_id == sub_id):
            uow.deliveries.delete(d)
        uow.flush()
        uow.webhooks.delete(row)
        uow.commit()


def list_deliveries(p: Platform, actor: Actor, sub_id: str, limit: int = 100) -> list[WebhookDeliveryRow]:
    """The delivery log of a subscription, newest first."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        uow.webhooks.require(sub_id)
        q = uow.deliveries.query().where(WebhookDeliveryRow.subscription_id == sub_id)
        return list(uow.session.scalars(q.order_by(WebhookDeliveryRow.id.desc()).limit(limit)))


def redeliver(p: Platform, actor: Actor, delivery_id: str) -> WebhookDeliveryRow:
    """Queue the same event again as a new delivery (the log keeps the old one)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        old = uow.deliveries.require(delivery_id)
        row = uow.deliveries.add(
            WebhookDeliveryRow(
                id=new_id("dlv"), subscription_id=old.subscription_id, event_id=old.event_id,
                event_type=old.event_type, payload=old.payload, status="pending", next_attempt_at=None,
            )
        )  # fmt: skip
        uow.commit()
    return row


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of one attempt."""

    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """2xx means delivered."""
        return self.status_code is not None and 200 <= self.status_code < 300


def _claim(p: Platform, now: datetime, batch: int) -> list[str]:
    """Due deliveries of active subscriptions, leased so a concurrent tick does not send them twice.

    The lease is a compare-and-set: a delivery is taken only if it is still pending and due when the lease is
    written, so two ticks that read the same deliveries (SQLite reads without row locks) never both get one."""
    due = (
        WebhookDeliveryRow.status == "pending",
        or_(WebhookDeliveryRow.next_attempt_at.is_(None), WebhookDeliveryRow.next_attempt_at <= now),
    )
    with p.sessions() as s:
        q = (
            select(WebhookDeliveryRow.id)
            .join(WebhookSubscriptionRow, WebhookSubscriptionRow.id == WebhookDeliveryRow.subscription_id)
            .where(*due, WebhookSubscriptionRow.active.is_(True))
            .order_by(WebhookDeliveryRow.id)
            .limit(batch)
        )
        if s.bind is not None and s.bind.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True, of=WebhookDeliveryRow)
        ids = list(s.scalars(q))
        if not ids:
            return []
        taken = s.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id.in_(ids), *due)
            .values(next_attempt_at=now + timedelta(seconds=LEASE_S))
            .returning(WebhookDeliveryRow.id)
            .execution_options(synchronize_session=False)
        )
        claimed = set(taken.scalars())
        s.commit()
    return [i for i in ids if i in claimed]


def _post(
    p: Platform, client: httpx.Client, sub: WebhookSubscriptionRow, d: WebhookDeliveryRow, signed_at: int
) -> Sent:
    blocked = delivery_block(sub.url, p.webhooks.allow_private, p.webhooks.resolver)
    if blocked is not None:  # never contacted: not even whether the port is open is learnt
        return Sent(None, blocked)
    body = json.dumps(d.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(sub.secret, signed_at, body),
        "Doorstep-Event": d.event_type,
        "Doorstep-Delivery": d.id,
        "User-Agent": "Doorstep-Webhooks/1",
    }
    try:
        resp = client.post(sub.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Sent(None, f"{type(exc).__name__}: {exc}"[:1000])
    return Sent(resp.status_code, None if 200 <= resp.status_code < 300 else f"HTTP {resp.status_code}")


def _record(p: Platform, delivery_id: str, sent: Sent, now: datetime) -> None:
    with p.sessions() as s:
        d = s.get(WebhookDeliveryRow, delivery_id)
        sub = s.get(WebhookSubscriptionRow, d.subscription_id) if d else None
        if d is None or sub is None:
            return
        d.attempts += 1
        d.last_status_code, d.last_error = sent.status_code, sent.error
        if sent.ok:
            d.status, d.delivered_at, d.next_attempt_at = "delivered", now, None
            sub.consecutive_failures = 0
        elif d.attempts >= MAX_ATTEMPTS:
            d.status, d.next_attempt_at = "failed", None
            sub.active = False
            sub.disabled_reason = f"delivery {d.id} failed {d.attempts} times over 24 hours: {sent.error}"[:500]
        else:
            d.next_attempt_at = now + timedelta(seconds=BACKOFF_S[d.attempts - 1])
            sub.consecutive_failures += 1
        s.commit()


def deliver_due(
    p: Platform, now: datetime | None = None, batch: int = 100, transport: httpx.BaseTransport | None = None
) -> int:
    """Send every due delivery once (called by the scheduler every few seconds); returns how many were tried."""
    now = now or p.clock()
    ids = _claim(p, now, batch)
    if not ids:
        return 0
    with httpx.Client(timeout=p.webhooks.timeout_s, transport=transport, follow_redirects=False) as client:
        for delivery_id in ids:
            with p.sessions() as s:
                d = s.get(WebhookDeliveryRow, delivery_id)
                sub = s.get(WebhookSubscriptionRow, d.subscription_id) if d else None
            if d is None or sub is None:
                continue
            # ``now`` schedules the retries; the signature carries the wall clock the receiver compares with
            _record(p, delivery_id, _post(p, client, sub, d, int(p.clock().timestamp())), now)
    return len(ids)


def scheduler(p: Platform) -> Callable[[], Any]:
    """The function the composition root calls periodically."""
    return lambda: deliver_due(p)
