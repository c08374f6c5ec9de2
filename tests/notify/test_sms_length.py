"""SMS parts as providers bill them: GSM-7 160/153, UCS-2 70/67 in UTF-16 units, extension characters twice."""

from __future__ import annotations

import pytest

from doorstep.notify.compose import compose
from doorstep.notify.preview import sample_facts
from doorstep.notify.rules import Sender
from doorstep.notify.sms_length import SmsLength, gsm_friendly, sms_length
from doorstep.notify.triggers import Trigger


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsLength("GSM-7", 0, 0)),
        ("a" * 160, SmsLength("GSM-7", 160, 1)),
        ("a" * 161, SmsLength("GSM-7", 161, 2)),
        ("a" * 306, SmsLength("GSM-7", 306, 2)),
        ("a" * 307, SmsLength("GSM-7", 307, 3)),
        ("€" * 80, SmsLength("GSM-7", 160, 1)),  # an extension character takes two septets
        ("é ü Ñ £ @", SmsLength("GSM-7", 9, 1)),  # in the default alphabet
        ("ç" * 70, SmsLength("UCS-2", 70, 1)),  # lower-case ç is not (only Ç is)
        ("ç" * 71, SmsLength("UCS-2", 71, 2)),
        ("11:00 – 13:00", SmsLength("UCS-2", 13, 1)),  # the en dash of a window
        ("📦", SmsLength("UCS-2", 2, 1)),  # outside the BMP: two UTF-16 units
        ("x" * 134 + "ã", SmsLength("UCS-2", 135, 3)),
    ],
)
def test_parts_and_encoding(text: str, expected: SmsLength) -> None:
    """Each text's encoding, length in that encoding's units, and parts."""
    assert sms_length(text) == expected


def test_typography_goes_out_in_gsm_look_alikes_and_letters_stay() -> None:
    """En and em dashes, CLDR's narrow no-break space, curly quotes and the ellipsis become their GSM look-alikes;
    accented letters of the customer's language are left as they are."""
    assert gsm_friendly("11:00\u202fAM – 1:00\u202fPM — “Rua d’Ouro”…") == "11:00 AM - 1:00 PM - \"Rua d'Ouro\"..."
    assert gsm_friendly("Olá, a encomenda está a caminho: Praça") == "Olá, a encomenda está a caminho: Praça"


@pytest.mark.parametrize(
    "trigger", [Trigger.OUT_FOR_DELIVERY, Trigger.SCHEDULED, Trigger.DELIVERED, Trigger.ADDRESS_CHANGED]
)
def test_an_english_sms_with_a_window_or_a_time_is_one_gsm_part(trigger: Trigger) -> None:
    """The window's en dash and the narrow space before AM made Doorstep's own English texts UCS-2 (two parts);
    as sent they are GSM-7, one part (benchmarks/sms_parts.py counts every trigger and language)."""
    sms = compose(sample_facts(trigger, "en", Sender(), "Loja", "https://track.example")).sms
    assert sms_length(sms).encoding == "GSM-7" and sms_length(sms).parts == 1, sms
