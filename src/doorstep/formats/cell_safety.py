"""Spreadsheet formula injection (OWASP "CSV Injection"): a text cell that a spreadsheet program would run as a
formula is written with a leading apostrophe, which spreadsheets show as text and do not display."""

from __future__ import annotations

# What starts a formula in Excel, LibreOffice and Google Sheets (tab and CR too: some programs skip them first),
# with the full-width forms that East Asian locales also accept.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# A cell made only of these is at most arithmetic on literals (no function, reference or DDE call needs fewer
# than a letter, '|', '!' or a quote): phone numbers like "+351 910 000 001" and negative numbers stay as written.
INERT = frozenset("0123456789 +-.,()/")


def safe_cell(text: str) -> str:
    """The text as a spreadsheet shows it without evaluating it: ``'=1+2`` for ``=1+2``; inert text unchanged."""
    if text and text[0] in FORMULA_STARTS and not set(text) <= INERT:
        return "'" + text
    return text
