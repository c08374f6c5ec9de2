"""Which customer emails and phone numbers can receive messages (W1210/W1211 otherwise)."""

from __future__ import annotations

import pytest

from doorstep.domain.contact import contact_issues, usable_email, usable_phone
from doorstep.domain.orders import Contact


@pytest.mark.parametrize(
    ("given", "usable"),
    [("ana@example.pt", "ana@example.pt"), (" ana.silva+tag@mail.example.co.uk ", "ana.silva+tag@mail.example.co.uk"),
     ("ana-at-example.pt", None), ("ana@localhost", None), ("ana silva@example.pt", None), ("", None),
     ("<ana@example.pt>", None), ("ana@-example.pt", None)],
)  # fmt: skip
def test_emails_need_one_at_and_a_dotted_domain(given: str, usable: str | None) -> None:
    """An address a mail server accepts comes back trimmed; anything else is None."""
    assert usable_email(given) == usable


@pytest.mark.parametrize(
    ("given", "usable"),
    [("+351 912 345 678", "+351912345678"), ("00351-912-345-678", "+351912345678"),
     ("+1 (415) 555-0100", "+14155550100"),
     ("912 345 678", None), ("+0 123 456 789", None), ("+351 12", None), ("call me", None), ("", None)],
)  # fmt: skip
def test_phones_must_carry_their_country_code(given: str, usable: str | None) -> None:
    """International numbers (+ or 00) normalise to E.164; a national number is never guessed."""
    assert usable_phone(given) == usable


def test_contact_issues_warn_per_unusable_channel_and_ignore_empty_ones() -> None:
    """W1210 at contact.email, W1211 at contact.phone, with the order's id; empty fields are no problem."""
    bad = contact_issues(Contact("Ana", "912 345 678", "ana-at-example.pt"), ("orders", 2), "ord_1")
    assert [(i.code, i.loc, i.id) for i in bad] == [
        ("W1210", ("orders", 2, "contact", "email"), "ord_1"), ("W1211", ("orders", 2, "contact", "phone"), "ord_1"),
    ]  # fmt: skip
    assert contact_issues(Contact("Ana")) == []
    assert contact_issues(Contact("Ana", "+351 912 345 678", "ana@example.pt")) == []
