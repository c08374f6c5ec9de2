"""The notification rules document, a template's wording and preview, and the SMS webhooks' answers."""

from __future__ import annotations

from typing import Literal

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


class SectionsOut(BaseModel):
    """A template's four sections (Jinja2)."""

    subject: str
    sms: str
    text: str
    html: str


class TemplateViewOut(BaseModel):
    """A trigger's wording in a language: the variables it may use, Doorstep's template, the organization's own."""

    trigger: str
    language: str
    variables: list[str]
    doorstep: SectionsOut
    own: SectionsOut | None = Field(description="the organization's own template (null: Doorstep's is used)")


class SmsLengthOut(BaseModel):
    """What the SMS costs: GSM-7 (160 characters in one part, 153 per part) or UCS-2 (70, 67 per part)."""

    encoding: Literal["GSM-7", "UCS-2"]
    units: int = Field(description="septets (GSM-7) or UTF-16 code units (UCS-2)")
    parts: int


class PreviewOut(BaseModel):
    """The template filled in with a sample delivery, each section as the customer gets it (HTML as sent)."""

    subject: str
    sms: str
    text: str
    html: str
    sms_length: SmsLengthOut


class SmsWebhookOut(BaseModel):
    """What a provider webhook did: opted_out, opted_in, bounced or ignored."""

    result: str
