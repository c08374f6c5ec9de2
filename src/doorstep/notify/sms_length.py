"""How many SMS parts a text takes (what the provider bills): GSM 03.38 texts take 160 characters in one part and
153 per part when split; a text with any other character goes as UCS-2, 70 in one part and 67 per part, counted
in UTF-16 code units (an emoji is two)."""

from __future__ import annotations

from dataclasses import dataclass

# the GSM 03.38 default alphabet, and its extension table (each of those takes two septets)
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class SmsLength:
    """A text's length in its encoding's units and the parts it is sent in."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def sms_length(text: str) -> SmsLength:
    """The encoding a phone network uses for ``text`` and the number of parts it is billed as (0 for no text)."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, per_part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, per_part, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SmsLength(encoding, 0, 0)
    return SmsLength(encoding, units, 1 if units <= single else -(-units // per_part))
