"""A driver's invite message: the code, its expiry in the depot's time zone and the driver's language, the link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doorstep.notify.invite import Invite, compose_invite
from doorstep.notify.sms_length import gsm_friendly

EXPIRES = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "zone", "subject", "expires"),
    [
        ("", "Europe/Lisbon", "Your driver app login code", "Friday, December 4, 2026, 9:30\u202fAM"),
        ("pt-PT", "Europe/Lisbon", "O seu código de acesso à aplicação do motorista",
         "sexta-feira, 4 de dezembro de 2026, 09:30"),
        ("de", "Europe/Berlin", "Ihr Anmeldecode für die Fahrer-App", "Freitag, 4. Dezember 2026, 10:30"),
    ],
)  # fmt: skip
def test_the_invite_says_the_code_its_local_expiry_and_the_app_link(
    language: str, zone: str, subject: str, expires: str
) -> None:
    """Subject in the driver's language; the SMS and the text carry the code, the local expiry and the app URL."""
    msg = compose_invite(Invite(
        language=language, timezone=zone, driver_name="Rita", sender_name="Loja", code="ABCD-EFGH",
        expires_at=EXPIRES, app_url="https://d.example/driver",
    ))  # fmt: skip
    assert msg.subject == subject
    for part, when in ((msg.sms, gsm_friendly(expires)), (msg.text, expires)):  # the SMS in GSM look-alikes
        assert "ABCD-EFGH" in part and when in part and "https://d.example/driver" in part
    assert msg.sms.startswith("Loja: ") and len(msg.sms) <= 320
    assert 'href="https://d.example/driver"' in msg.html and "<strong>ABCD-EFGH</strong>" in msg.html
