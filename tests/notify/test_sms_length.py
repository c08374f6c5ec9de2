"""SMS parts as providers bill them: GSM-7 160/153, UCS-2 70/67 in UTF-16 units, extension characters twice."""

from __future__ import annotations

import pytest

from doorstep.notify.sms_length import SmsLength, sms_length


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
