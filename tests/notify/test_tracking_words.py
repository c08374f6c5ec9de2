"""The tracking page's words exist in every language with the same placeholders, and distances read naturally."""

from __future__ import annotations

import string

from doorstep.notify.formatting import distance
from doorstep.notify.tracking_words import TAGS, WORDS, accepted_language, words
from doorstep.notify.triggers import LANGUAGES


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_word_with_the_same_placeholders() -> None:
    """Each language has the English keys (every tag's label included), each with English's placeholders."""
    assert sorted(WORDS) == sorted(LANGUAGES)
    english = WORDS["en"]
    assert {f"tag_{t}" for t in TAGS} <= set(english)
    for lang, table in WORDS.items():
        assert set(table) == set(english), lang
        assert {k: _fields(v) for k, v in table.items()} == {k: _fields(v) for k, v in english.items()}, lang
        assert table["lang"] == lang


def test_an_unknown_language_reads_english_and_browser_languages_pick_the_first_offered() -> None:
    """``pt-BR`` reads Portuguese, ``ja`` English; an Accept-Language header picks its first offered language."""
    assert words("pt-BR")["title"] == "A sua entrega" and words("ja")["title"] == "Your delivery"
    assert accepted_language("ja, de-CH;q=0.8, fr;q=0.5") == "de"
    assert accepted_language("") == "en" and accepted_language("*") == "en"


def test_distances_are_rounded_for_people() -> None:
    """Metres to the nearest 50 (at least 50), kilometres with one decimal in the customer's locale."""
    assert [distance(m, "en") for m in (12, 340, 949, 1260)] == ["50 m", "350 m", "950 m", "1.3 km"]
    assert distance(1260, "pt") == "1,3 km"
