"""The notification rules document and the SMS webhooks' answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RuleOut(BaseModel):
    """One trigger's rule; only the triggers that take them have the settings."""

    trigger: str
    enabled: bool
    channels: list[str]
    stops_away: int | None = None
    minutes_away: int | None = None
    threshold_minutes: int | None = None
    delay_minutes: int | None = None


class QuietHoursOut(BaseModel):
    """Local times (the customer's zone) between which messages wait."""

    start: str
    end: str


class SenderOut(BaseModel):
    """Who messages are from and how they look."""

    name: str
    logo_url: str
    colour: str


class TemplateOut(BaseModel):
    """The organization's own wording of one trigger in one language (Jinja2; only the trigger's variables)."""

    trigger: str
    language: str
    subject: str
    sms: str
    text: str
    html: str


class NotifyRulesOut(BaseModel):
    """The organization's notification rules."""

    rules: list[RuleOut]
    quiet_hours: QuietHoursOut | None
    sender: SenderOut
    templates: list[TemplateOut] = Field(
        default_factory=list, description="the organization's own templates (others: Doorstep's)"
    )


class SmsWebhookOut(BaseModel):
    """What a provider webhook did: opted_out, opted_in, bounced or ignored."""

    result: str
