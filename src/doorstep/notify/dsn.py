"""Delivery status notifications (DSN, RFC 3464): the bounce a mail server sends back to the envelope sender when
an email it had accepted could not be delivered later. Read here without any I/O: which recipients failed, with
which status (RFC 3463 ``5.1.1``) and diagnostic, and which of our emails it is about — by the original
Message-ID the report returns, and by the VERP envelope sender ``bounces+msg_…@domain`` each email went out
with when a bounce address is set (the one way to tell for a bounce that returns no headers)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
DOORSTEP_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
# Statuses that say the address itself is no good (RFC 3463): X.1.x addressing (no such mailbox, bad domain, bad
# syntax, moved, null MX) and X.2.1 "mailbox disabled" (an account closed); a full mailbox (X.2.2) is not.
GONE = re.compile(r"^5\.(1\.\d{1,3}|2\.1)$")


@dataclass(frozen=True, slots=True)
class FailedRecipient:
    """One recipient the report says could not be reached."""

    address: str  # Final-Recipient
    original: str  # Original-Recipient (the address we sent to, when the mail was forwarded); may be empty
    status: str  # e.g. 5.1.1
    diagnostic: str  # the remote server's answer, when given

    @property
    def gone(self) -> bool:
        """Whether the address itself is no good (rather than this one message)."""
        return GONE.match(self.status) is not None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What a DSN says: its reporting server, the permanent failures, and the Message-IDs it returns."""

    reporting_mta: str
    failed: tuple[FailedRecipient, ...]
    delayed: int  # recipients only delayed (4.x.x or action delayed): nothing to record
    message_ids: tuple[str, ...]


def _typed_value(value: str | None) -> str:
    """``rfc822; ana@example.com`` → ``ana@example.com`` (an address type before the semicolon)."""
    text = " ".join((value or "").split())
    return text.split(";", 1)[1].strip() if ";" in text else text


def _fields(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status part (the first per message, then one per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    text = payload if isinstance(payload, str) else ""
    return [HeaderParser().parsestr(block + "\n") for block in re.split(r"\r?\n\s*\r?\n", text.strip()) if block]


def _returned_ids(report: Message) -> list[str]:
    """Message-IDs of the returned original (message/rfc822 or text/rfc822-headers)."""
    ids: list[str] = []
    for part in report.walk():
        kind = part.get_content_type()
        headers: Message | None = None
        if kind == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner and isinstance(inner[0], Message) else None
        elif kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(part.get_payload())
            headers = HeaderParser().parsestr(text)
        if headers is not None:
            ids += MESSAGE_ID.findall(str(headers.get("Message-ID", "")))
    return ids


def read_report(raw: bytes) -> DeliveryReport | None:
    """The DSN in ``raw`` (a whole email), or None when it is not one (an auto-reply, spam, a plain note)."""
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    status_part = next((p for p in report.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        return None
    blocks = _fields(status_part)
    if not blocks:
        return None
    mta = _typed_value(blocks[0].get("Reporting-MTA"))
    failed, delayed = [], 0
    for block in blocks[1:]:
        final = _typed_value(block.get("Final-Recipient"))
        action = (block.get("Action") or "").strip().lower()
        status = (block.get("Status") or "").strip().split(" ", 1)[0]
        if not final:
            continue
        if action == "failed" and status.startswith("5."):
            diagnostic = _typed_value(block.get("Diagnostic-Code"))[:500]
            failed.append(FailedRecipient(final, _typed_value(block.get("Original-Recipient")), status, diagnostic))
        elif action == "delayed" or status.startswith("4."):
            delayed += 1
    return DeliveryReport(mta, tuple(failed), delayed, tuple(dict.fromkeys(_returned_ids(report))))


def verp_sender(bounce_address: str, doorstep_id: str) -> str:
    """The envelope sender of one email: ``bounces@mail.example`` → ``bounces+msg_01…@mail.example``."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{doorstep_id}@{domain}"


def verp_id(recipient: str, bounce_address: str) -> str | None:
    """Our message id in a bounce's envelope recipient (``bounces+msg_01…@mail.example``), None otherwise."""
    local, _, domain = recipient.strip().strip("<>").rpartition("@")
    b_local, _, b_domain = bounce_address.rpartition("@")
    if domain.lower() != b_domain.lower() or not local.lower().startswith(b_local.lower() + "+"):
        return None
    tag = local[len(b_local) + 1 :]
    return tag if DOORSTEP_ID.match(tag) else None


def for_bounce_address(recipient: str, bounce_address: str) -> bool:
    """Whether a recipient is the bounce address itself or one of its VERP forms."""
    plain = recipient.strip().strip("<>").lower() == bounce_address.lower()
    return plain or verp_id(recipient, bounce_address) is not None
