"""Customer messages: the notification outbox, one row per message and channel, with its delivery status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class MessageRow(OrgOwned, Base):
    """A message to a customer about an order: written by an event handler (never twice: the de-duplication key
    is order, trigger, version and channel), then claimed, sent and marked by the ``notify.send`` job."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("order_id", "trigger", "version", "channel", name="uq_messages_dedup"),
        Index("ix_messages_due", "status", "next_attempt_at"),
    )
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(64))  # the event that caused it
    trigger: Mapped[str] = mapped_column(String(40))  # out_for_delivery | delivered | delivery_failed | ...
    version: Mapped[int] = mapped_column(default=1)  # a new version is a new message (e.g. a moved ETA)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(500), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10))  # queued | sent | failed | bounced
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]  # None: due now
    lease_until: Mapped[datetime | None]  # a sender holds it until then (another sender leaves it alone)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    provider_id: Mapped[str | None] = mapped_column(String(200))  # SMTP Message-ID, SMS sid
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # an email's one-click unsubscribe link carries it (random; it only opts that address out)
    unsubscribe_token: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    # not sent by then: failed without reaching the provider (a login code that has expired)
    send_by: Mapped[datetime | None] = mapped_column(default=None)
    # its text holds a secret (a login code): emptied once the message is sent, failed or bounced
    scrub: Mapped[bool] = mapped_column(default=False, server_default="0")


class OptOutRow(OrgOwned, Base):
    """An address that asked for no more messages from the organization on a channel (an SMS ``STOP``, an email's
    unsubscribe link): nothing more is queued or sent to it. ``START`` (SMS) removes it."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("org_id", "channel", "address", name="uq_opt_outs_address"),)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    address: Mapped[str] = mapped_column(String(320))  # as messages are addressed (normalised email, E.164 phone)
    source: Mapped[str] = mapped_column(String(40))  # sms_stop | unsubscribe_link | bounce
