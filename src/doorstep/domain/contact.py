"""Whether a customer's email address and phone number can be used to send them messages."""

from __future__ import annotations

import re

from doorstep.domain.errors import Issue
from doorstep.domain.orders import Contact

# one @, a dot in the domain, no spaces or angle brackets: what a mail server accepts in practice
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = re.compile(rf"^[^@\s<>(),;:\"]+@{LABEL}(?:\.{LABEL})+$")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def usable_email(address: str) -> str | None:
    """The address, trimmed, when a message can be sent to it; None otherwise (empty included)."""
    address = address.strip()
    return address if len(address) <= 254 and EMAIL.match(address) else None


def usable_phone(number: str) -> str | None:
    """The number in E.164 (``+351912345678``) when it is written in international format; None otherwise.
    A national number (no country code) is not guessed: a wrong guess would text a stranger."""
    digits = PHONE_SEPARATORS.sub("", number.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits if E164.match(digits) else None


def contact_issues(contact: Contact, loc: tuple[str | int, ...] = (), obj_id: str | None = None) -> list[Issue]:
    """Warnings for a contact given but unusable (W1210 email, W1211 phone): the order is stored all the same,
    and nothing is sent on that channel."""
    return address_issues(contact.email, contact.phone, (*loc, "contact"), obj_id)


def address_issues(email: str, phone: str, loc: tuple[str | int, ...] = (), obj_id: str | None = None) -> list[Issue]:
    """W1210/W1211 for an email or phone given but unusable (a customer's contact, a driver's addresses)."""
    issues = []
    if email.strip() and usable_email(email) is None:
        msg = f"email address {email!r} cannot receive messages: no email will be sent"
        issues.append(Issue("W1210", msg, (*loc, "email"), obj_id))
    if phone.strip() and usable_phone(phone) is None:
        msg = f"phone number {phone!r} is not in international format (+country code): no SMS will be sent"
        issues.append(Issue("W1211", msg, (*loc, "phone"), obj_id))
    return issues
