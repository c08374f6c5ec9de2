"""What a channel is: something that sends one rendered message and says how it went."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from doorstep.notify.rate import RateLimits


class Outcome(StrEnum):
    """How one send went: sent (with the provider's id), or failed for now or for good."""

    SENT = "sent"
    RETRY = "retry"  # the provider is down, slow or rate-limiting: the same message may go out later
    PERMANENT = "permanent"  # the provider refused this message (bad address, rejected content): never retried
    BOUNCED = "bounced"  # the recipient's server refused the address itself (SMTP 550/551/553): never write to it again


@dataclass(frozen=True, slots=True)
class SendResult:
    """The result of one attempt: the outcome, the provider's id of an accepted message, or the error."""

    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None
    retry_after_s: float | None = None  # the provider said when to try again (HTTP 429 Retry-After)

    @classmethod
    def sent(cls, provider_id: str) -> SendResult:
        """Accepted by the provider under ``provider_id``."""
        return cls(Outcome.SENT, provider_id=provider_id)

    @classmethod
    def retry(cls, error: str, retry_after_s: float | None = None) -> SendResult:
        """Not sent, worth trying again later (after ``retry_after_s`` when the provider said so)."""
        return cls(Outcome.RETRY, error=error[:2000], retry_after_s=retry_after_s)

    @classmethod
    def permanent(cls, error: str) -> SendResult:
        """Not sent, and never will be."""
        return cls(Outcome.PERMANENT, error=error[:2000])

    @classmethod
    def bounced(cls, error: str) -> SendResult:
        """Not sent: the address does not take mail (the organization stops writing to it)."""
        return cls(Outcome.BOUNCED, error=error[:2000])


@dataclass(frozen=True, slots=True)
class Email:
    """One email: the message id makes the Message-ID header, so a re-send after a crash is recognisable."""

    message_id: str
    to: str
    subject: str
    text: str
    html: str
    language: str = "en"
    unsubscribe_url: str = ""  # the List-Unsubscribe header (RFC 8058 one-click) when given
    sender_name: str = ""  # the From display name (the organization's sender); empty: the deployment's


@dataclass(frozen=True, slots=True)
class Sms:
    """One text message."""

    message_id: str
    to: str
    body: str


class EmailChannel(Protocol):
    """Sends emails (SMTP in production; anything with this method in tests)."""

    def send_email(self, email: Email) -> SendResult:
        """Send one email; never raises for provider trouble (that is the result)."""
        ...

    def close(self) -> None:
        """Release connections (a later send opens them again)."""
        ...


class SmsChannel(Protocol):
    """Sends text messages through a provider."""

    def send_sms(self, sms: Sms) -> SendResult:
        """Send one text message; never raises for provider trouble (that is the result)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, slots=True)
class Channels:
    """The channels this deployment has (None: not configured, nothing is queued for it) and the base of links."""

    email: EmailChannel | None = None
    sms: SmsChannel | None = None
    public_url: str = "http://127.0.0.1:8000"
    sender_name: str = "Doorstep"  # who the messages say they are from
    sms_signing_key: str | None = None  # checks the SMS provider's webhooks (Twilio: the account's auth token)
    limits: RateLimits = field(default_factory=RateLimits)  # sends a second per channel, shared by this process

    def close(self) -> None:
        """Release every channel's connections (the composition root, at shutdown)."""
        for channel in (self.email, self.sms):
            if channel is not None:
                channel.close()

    def names(self) -> tuple[str, ...]:
        """The configured channel names, email first."""
        return tuple(n for n, c in (("email", self.email), ("sms", self.sms)) if c is not None)
