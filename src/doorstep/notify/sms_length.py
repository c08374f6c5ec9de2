"""How many SMS parts a text takes (what the provider bills): GSM 03.38 texts take 160 characters in one part and
153 per part when split; a text with any other character goes as UCS-2, 70 in one part and 67 per part, counted
in UTF-16 code units (an emoji is two). And the text with the punctuation and spaces that have a GSM look-alike
written with it (``gsm_friendly``), so an en dash or a narrow space does not double what a message costs."""

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


# Punctuation and spaces outside the GSM alphabet, with the GSM character that reads the same. Letters are never
# changed (a customer's language is spelled as it is): only typography that formatting and editors bring in —
# the en dash of a window ("11:00 – 13:00"), CLDR's narrow no-break space before "AM", curly quotes.
GSM_LOOKALIKES = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "\u200b": "", "\u2022": "-",
})  # fmt: skip


def gsm_friendly(text: str) -> str:
    """``text`` with its typographic punctuation and spaces in their GSM look-alikes (letters kept)."""
    return text.translate(GSM_LOOKALIKES)
