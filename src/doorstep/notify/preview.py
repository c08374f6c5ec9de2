"""A template tried out before it is saved: the organization's wording filled in with a sample delivery (a
customer in the template's language, a Lisbon depot, a window on Wednesday 17 June 2026 at 11:00-13:00), each
section as the customer would get it, and the SMS's length in billed parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from doorstep.notify.compose import Facts, compose
from doorstep.notify.rules import Sender, template_source
from doorstep.notify.sms_length import SmsLength, sms_length
from doorstep.notify.triggers import Trigger

SAMPLE_DAY = date(2026, 6, 17)
SAMPLE_NAMES = {"en": "Alex Morgan", "fr": "Camille Martin", "de": "Lena Schmidt", "es": "Lucía García",
                "pt": "Ana Silva"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Preview:
    """The sections as sent, and the SMS's billed length."""

    subject: str
    sms: str
    text: str
    html: str
    sms_length: SmsLength


def sample_facts(trigger: Trigger, language: str, sender: Sender, sender_name: str, public_url: str) -> Facts:
    """A delivery every trigger can speak of: order SHOP-1042, 11:00-13:00 on SAMPLE_DAY in Lisbon, delivered at
    11:42 or not (nobody home, next attempt the day after), a locker at Rossio, a new address on Rua Augusta."""
    window = (datetime(2026, 6, 17, 10, 0, tzinfo=UTC), datetime(2026, 6, 17, 12, 0, tzinfo=UTC))
    return Facts(
        trigger=trigger, language=language, timezone="Europe/Lisbon", order_ref="SHOP-1042",
        customer_name=SAMPLE_NAMES.get(language, "Alex Morgan"), sender_name=sender.name or sender_name,
        tracking_url=f"{public_url}/t/example", day=SAMPLE_DAY, window=window,
        at=datetime(2026, 6, 17, 10, 42, tzinfo=UTC), reason="not_home", next_step="reattempt_next_day",
        next_day=date(2026, 6, 18), stops_before=2, brand_colour=sender.colour, logo_url=sender.logo_url,
        unsubscribe_url=f"{public_url}/u/example", point_name="Cacifo Rossio", point_address="Praça Dom Pedro IV 20",
        point_hours={"mon": [["09:00", "19:00"]], "sat": [["10:00", "13:00"]]}, address="Rua Augusta 24, Lisboa",
    )  # fmt: skip


def preview(item: dict[str, object], sender: Sender, sender_name: str, public_url: str) -> Preview:
    """``item`` is a template as the rules document has it (``{trigger, language, subject, sms, text, html}``),
    checked the same way (every problem at once, located at the item's own fields), then rendered."""
    trigger, language, source = template_source(item)
    facts = sample_facts(trigger, language, sender, sender_name, public_url)
    out = compose(facts, {(trigger, language): source})
    return Preview(out.subject, out.sms, out.text, out.html, sms_length(out.sms))
